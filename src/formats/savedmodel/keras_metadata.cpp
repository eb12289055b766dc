#include "formats/savedmodel/keras_metadata.hpp"

#include <google/protobuf/stubs/logging.h>

#include <deque>
#include <map>
#include <nlohmann/json.hpp>

#include "core/fail.hpp"
#include "core/read_limits.hpp"
#include "io/json_text.hpp"
#include "io/mapped_file.hpp"
#include "keras_metadata.pb.h"

namespace nnload::formats::savedmodel {

namespace {

nlohmann::json entry(int node_id, const std::string& path, const std::string& identifier,
                     const std::string& metadata) {
  nlohmann::json parsed;
  try {
    parsed = io::parse_json(metadata, "keras metadata");
  } catch (const Error&) {
    parsed = metadata;  // not JSON (or past the limits): kept as the text it is
  }
  return {
      {"node_id", node_id}, {"node_path", path}, {"identifier", identifier}, {"metadata", parsed}};
}

// Keras' own paths: breadth first from "root" along children's local names, first path wins.
// A path repeats its parent's, so a chain of objects makes them grow with the square of its
// length (5,000 nested objects in a 150 kB graph: 260 MB of paths): their total is bounded like a
// declared size, by max_expansion x the graph's size + 1 MiB.
std::map<int, std::string> object_paths(const tf::SavedObjectGraph& graph) {
  std::map<int, std::string> paths;
  if (graph.nodes_size() == 0) return paths;
  const std::uint64_t budget = max_declared_bytes(graph.ByteSizeLong());
  std::uint64_t total = 0;
  paths[0] = "root";
  std::deque<int> queue{0};
  while (!queue.empty()) {
    const int id = queue.front();
    queue.pop_front();
    for (const tf::ObjectReference& child : graph.nodes(id).children()) {
      if (child.node_id() < 0 || child.node_id() >= graph.nodes_size() ||
          paths.count(child.node_id()))
        continue;
      total += paths[id].size() + 1 + child.local_name().size();
      if (total > budget) {
        fail(ErrorCode::corrupt,
             "the object graph's paths come to more than {} bytes, implausible for its {} bytes "
             "(ReadLimits::max_expansion is {})",
             budget, graph.ByteSizeLong(), read_limits().max_expansion);
      }
      paths[child.node_id()] = paths[id] + "." + child.local_name();
      queue.push_back(child.node_id());
    }
  }
  return paths;
}

}  // namespace

std::string keras_metadata_json(const std::filesystem::path& dir, const tf::MetaGraphDef& meta) {
  nlohmann::json nodes = nlohmann::json::array();
  const std::filesystem::path file = dir / "keras_metadata.pb";
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    const std::shared_ptr<const io::MappedFile> mapped = io::MappedFile::open(file);
    tf::KerasSavedMetadata metadata;
    const google::protobuf::LogSilencer quiet;
    if (mapped->size() > static_cast<std::uint64_t>(INT32_MAX) ||
        !metadata.ParseFromArray(mapped->bytes().data(), static_cast<int>(mapped->size()))) {
      fail(ErrorCode::corrupt, "{}: not a valid Keras metadata protobuf", mapped->name());
    }
    for (const tf::KerasObjectMetadata& n : metadata.nodes())
      nodes.push_back(entry(n.node_id(), n.node_path(), n.identifier(), n.metadata()));
  } else {
    const tf::SavedObjectGraph& graph = meta.object_graph_def();
    const std::map<int, std::string> paths = object_paths(graph);
    for (int id = 0; id < graph.nodes_size(); ++id) {
      const tf::SavedObject& node = graph.nodes(id);
      if (!node.has_user_object() || node.user_object().metadata().empty()) continue;
      auto path = paths.find(id);
      nodes.push_back(entry(id, path == paths.end() ? "" : path->second,
                            node.user_object().identifier(), node.user_object().metadata()));
    }
  }
  return nodes.empty() ? std::string()
                       : nodes.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace nnload::formats::savedmodel
