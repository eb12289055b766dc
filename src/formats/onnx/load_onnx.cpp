#include "formats/onnx/load_onnx.hpp"

#include <google/protobuf/stubs/logging.h>

#include <climits>

#include "core/fail.hpp"
#include "formats/onnx/detached_raw_data.hpp"
#include "formats/onnx/graph_reader.hpp"
#include "io/mapped_file.hpp"

namespace nnload::formats::onnx {

namespace {

// Parses the model without copying the main graph's initializer raw_data when the file's
// layout allows (detached_raw_data.hpp); `external` then views those bytes in the mapped file.
std::shared_ptr<const pb::ModelProto> parse_model(const std::filesystem::path& path,
                                                  ExternalData& external) {
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
  const std::optional<DetachedModel> detached = detach_initializer_raw_data(file->bytes());
  const bool parsed =
      detached ? model->ParseFromString(detached->stripped)
               : model->ParseFromArray(file->bytes().data(), static_cast<int>(file->size()));
  if (!parsed) {
    fail(ErrorCode::corrupt, "{}: not a valid ONNX protobuf ({} bytes; truncated or damaged)",
         file->name(), file->size());
  }
  if (!model->has_graph())
    fail(ErrorCode::corrupt, "{}: the ONNX model has no graph", file->name());
  if (detached) {
    const auto& initializers = model->graph().initializer();
    if (static_cast<std::size_t>(initializers.size()) != detached->initializer_raw_data.size()) {
      fail(ErrorCode::internal, "{}: {} initializers parsed, {} found in the wire format",
           file->name(), initializers.size(), detached->initializer_raw_data.size());
    }
    std::map<const pb::TensorProto*, ByteRange> ranges;
    for (int i = 0; i < initializers.size(); ++i) {
      const auto& range = detached->initializer_raw_data[static_cast<std::size_t>(i)];
      if (range) ranges[&initializers[i]] = *range;
    }
    external.keep_in_model_file(file, std::move(ranges));
  }
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

// The model again, with the initializers it also lists as inputs read as inputs, so predict()
// can take values for them.
void read_overridable(ReadContext& context, const pb::GraphProto& proto, const GraphReader& reader,
                      LoadedModel& loaded) {
  OverridableInputs o;
  for (const pb::ValueInfoProto& input : proto.input()) {
    if (!reader.initializer_inputs().count(input.name())) continue;
    const Tensor* value = reader.constant(input.name());
    if (value == nullptr) continue;
    o.infos.push_back({input.name(), value->dtype(), value->shape()});
    o.defaults.push_back(*value);
  }
  try {
    auto g = std::make_shared<graph::Graph>();
    for (const auto& [domain, version] : context.opsets) g->set_opset(domain, version);
    GraphReader with_inputs(context, *g, false, true);
    with_inputs.read(proto);
    for (int id : g->inputs()) o.input_names.push_back(g->value(id).name);
    o.graph = std::move(g);
  } catch (const Error& e) {
    o.error = e.what();
  }
  loaded.info.notes.push_back(fmt::format(
      "{} initializers are also graph inputs: their stored values are defaults that predict() by "
      "name may override{}",
      o.infos.size(), o.graph ? "" : " (not in this model: " + o.error + ")"));
  loaded.overridable = std::move(o);
}

}  // namespace

LoadedModel load_onnx(const std::filesystem::path& path) {
  const std::string source = path.string();
  ExternalData external(path.parent_path());
  const std::shared_ptr<const pb::ModelProto> model = parse_model(path, external);
  const pb::GraphProto& graph_proto = model->graph();
  LoadedModel loaded;
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
  if (!reader.initializer_inputs().empty()) read_overridable(context, graph_proto, reader, loaded);
  loaded.layers = node_table(*loaded.graph, loaded.info.name);
  loaded.layers->trainable_params = total;
  return loaded;
}

}  // namespace nnload::formats::onnx
