#include "formats/onnx/load_onnx.hpp"

#include <google/protobuf/stubs/logging.h>

#include <climits>

#include "core/fail.hpp"
#include "formats/onnx/graph_reader.hpp"
#include "io/mapped_file.hpp"

namespace nnload::formats::onnx {

namespace {

std::shared_ptr<const pb::ModelProto> parse_model(const std::filesystem::path& path) {
  const std::shared_ptr<const io::MappedFile> file = io::MappedFile::open(path);
  // Protobuf messages are limited to 2 GB; larger ONNX models keep their weights in external
  // data files.
  if (file->size() > static_cast<std::uint64_t>(INT_MAX)) {
    fail(ErrorCode::unsupported,
         "{}: {} bytes, over the 2 GB a protobuf message can hold (save large models with "
         "external data)",
         file->name(), file->size());
  }
  auto model = std::make_shared<pb::ModelProto>();
  const google::protobuf::LogSilencer quiet;
  if (!model->ParseFromArray(file->bytes().data(), static_cast<int>(file->size()))) {
    fail(ErrorCode::corrupt, "{}: not a valid ONNX protobuf ({} bytes; truncated or damaged)",
         file->name(), file->size());
  }
  if (!model->has_graph())
    fail(ErrorCode::corrupt, "{}: the ONNX model has no graph", file->name());
  return model;
}

std::map<std::string, int> read_opsets(const pb::ModelProto& model, const std::string& source) {
  std::map<std::string, int> opsets;
  for (const pb::OperatorSetIdProto& id : model.opset_import()) {
    const std::string domain = id.domain() == "ai.onnx" ? "" : id.domain();
    if (id.version() < 1 || id.version() > INT_MAX)
      fail(ErrorCode::corrupt, "{}: opset version {} for domain '{}'", source, id.version(),
           domain);
    opsets[domain] = static_cast<int>(id.version());
  }
  // IR version 2 and older files predate opset_import: they mean ONNX opset 1.
  if (opsets.empty()) opsets[""] = 1;
  if (opsets.count("") && opsets[""] > graph::kLatestOpset) {
    fail(ErrorCode::unsupported, "{}: ONNX opset {} is newer than nnload supports ({})", source,
         opsets[""], graph::kLatestOpset);
  }
  return opsets;
}

TensorInfo declared_info(const pb::ValueInfoProto& v, const std::string& source) {
  TensorInfo info;
  info.name = v.name();
  if (!v.type().has_tensor_type()) return info;
  const pb::TypeProto::Tensor& t = v.type().tensor_type();
  if (t.elem_type() != 0)
    info.dtype = dtype_of_onnx_type(t.elem_type(), fmt::format("{}: '{}'", source, v.name()));
  for (const pb::TensorShapeProto::Dimension& d : t.shape().dim())
    info.shape.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : -1);
  return info;
}

void fill_info(const pb::ModelProto& model, const std::map<std::string, int>& opsets,
               ModelInfo& info) {
  info.format = "ONNX";
  info.producer = model.producer_name();
  info.producer_version = model.producer_version();
  info.name = model.graph().name();
  info.metadata["ir_version"] = std::to_string(model.ir_version());
  std::vector<std::string> imports;
  for (const auto& [domain, version] : opsets)
    imports.push_back(fmt::format("{} {}", domain.empty() ? "ai.onnx" : domain, version));
  info.metadata["opset_import"] = fmt::format("{}", fmt::join(imports, ", "));
  if (!model.domain().empty()) info.metadata["domain"] = model.domain();
  if (model.model_version() != 0)
    info.metadata["model_version"] = std::to_string(model.model_version());
  if (!model.doc_string().empty()) info.metadata["doc_string"] = model.doc_string();
  for (const pb::StringStringEntryProto& entry : model.metadata_props())
    info.metadata["metadata_props." + entry.key()] = entry.value();
}

// summary(): one row per node, with the weights it reads.
LayerTable node_table(const graph::Graph& g, const std::string& name) {
  LayerTable table;
  table.model_name = name;
  for (const graph::Node& node : g.nodes()) {
    LayerRow row;
    row.name = node.name;
    row.class_name = node.op;
    row.outputs = node.outputs;
    for (int in : node.inputs) {
      if (in != graph::kNoValue && g.value(in).is_constant())
        row.params += g.value(in).constant.numel();
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace

LoadedModel load_onnx(const std::filesystem::path& path) {
  const std::string source = path.string();
  const std::shared_ptr<const pb::ModelProto> model = parse_model(path);
  const pb::GraphProto& graph_proto = model->graph();
  LoadedModel loaded;
  ExternalData external(path.parent_path());
  ReadContext context{source, model, &external, read_opsets(*model, source)};
  fill_info(*model, context.opsets, loaded.info);

  loaded.graph = std::make_shared<graph::Graph>();
  for (const auto& [domain, version] : context.opsets) loaded.graph->set_opset(domain, version);
  GraphReader reader(context, *loaded.graph, false);
  reader.read(graph_proto);

  for (int id : loaded.graph->inputs()) {
    const graph::Value& v = loaded.graph->value(id);
    loaded.inputs.push_back({v.name, v.dtype, v.shape});
  }
  for (const pb::ValueInfoProto& out : graph_proto.output())
    loaded.outputs.push_back(declared_info(out, source));
  std::int64_t total = 0;
  for (const pb::TensorProto& init : graph_proto.initializer()) {
    const Tensor* value = reader.constant(init.name());
    if (value == nullptr) continue;
    loaded.weights.push_back({init.name(), *value, true, ""});
    total += value->numel();
  }
  if (!reader.initializer_inputs().empty()) {
    loaded.info.notes.push_back(fmt::format(
        "{} initializers are also declared as graph inputs; nnload uses the stored values",
        reader.initializer_inputs().size()));
  }
  loaded.layers = node_table(*loaded.graph, loaded.info.name);
  loaded.layers->trainable_params = total;
  return loaded;
}

}  // namespace nnload::formats::onnx
