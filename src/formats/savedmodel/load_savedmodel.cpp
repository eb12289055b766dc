#include "formats/savedmodel/load_savedmodel.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/fail.hpp"
#include "formats/savedmodel/graph_converter.hpp"
#include "formats/savedmodel/keras_layer_table.hpp"
#include "formats/savedmodel/keras_metadata.hpp"
#include "formats/savedmodel/saved_model_file.hpp"
#include "formats/savedmodel/tf_types.hpp"
#include "io/json_text.hpp"

namespace nnload::formats::savedmodel {

namespace {

// Signature keys TensorFlow reserves for its own ops (the init op), not entry points.
bool is_internal_signature(const std::string& name) { return name.rfind("__saved_model_", 0) == 0; }

TensorBundle open_bundle(const std::filesystem::path& dir) {
  const std::filesystem::path prefix = dir / "variables" / "variables";
  std::error_code ec;
  if (std::filesystem::exists(dir / "variables" / "variables.index", ec))
    return TensorBundle::open(prefix);
  for (const auto& file : std::filesystem::directory_iterator(dir / "variables", ec)) {
    if (file.path().filename().string().rfind("variables.data-", 0) == 0) {
      fail(ErrorCode::not_found, "{}: missing; the variables data beside it can't be read",
           (dir / "variables" / "variables.index").string());
    }
  }
  return {};  // a SavedModel without variables
}

// "DT_STRING" for tf::DT_STRING, as TensorFlow names its enum values.
std::string tf_enum_name(int dtype) {
  const std::string name =
      tf::DataType_Name(static_cast<tf::DataType>(dtype > 100 ? dtype - 100 : dtype));
  return name.empty() ? "DT_INVALID" : name + (dtype > 100 ? "_REF" : "");
}

SignatureTensor signature_tensor(const std::string& key, const tf::TensorInfo& t) {
  SignatureTensor out;
  out.key = key;
  out.tensor_name = t.encoding_case() == tf::TensorInfo::kCooSparse
                        ? t.coo_sparse().values_tensor_name()
                        : t.name();
  const std::optional<DType> dtype = dtype_from_tf(t.dtype());
  out.dtype = dtype.value_or(DType::f32);
  // Types nnload has no dtype for keep TensorFlow's own name, as saved_model_cli prints it.
  if (!dtype) out.foreign_dtype = tf_enum_name(t.dtype());
  const std::optional<Shape> shape =
      t.has_tensor_shape() ? shape_from_tf(t.tensor_shape()) : std::nullopt;
  out.rank_known = shape.has_value();
  out.shape = shape.value_or(Shape{});
  return out;
}

template <class Map>
std::vector<SignatureTensor> sorted_tensors(const Map& map) {
  std::vector<SignatureTensor> out;
  for (const auto& [key, info] : map) out.push_back(signature_tensor(key, info));
  std::sort(out.begin(), out.end(),
            [](const SignatureTensor& a, const SignatureTensor& b) { return a.key < b.key; });
  return out;
}

ModelInfo model_info(const tf::SavedModel& model, const tf::MetaGraphDef& meta,
                     const std::filesystem::path& dir) {
  ModelInfo info;
  info.format = "TensorFlow SavedModel";
  info.producer = "TensorFlow";
  const auto& m = meta.meta_info_def();
  info.producer_version = m.tensorflow_version();
  info.metadata["tags"] = fmt::format("{}", fmt::join(m.tags(), ","));
  std::vector<std::string> sets;
  for (const tf::MetaGraphDef& g : model.meta_graphs())
    sets.push_back(fmt::format("{{{}}}", fmt::join(g.meta_info_def().tags(), ",")));
  info.metadata["tag_sets"] = fmt::format("{}", fmt::join(sets, " "));
  info.metadata["saved_model_schema_version"] = std::to_string(model.saved_model_schema_version());
  if (!m.tensorflow_git_version().empty())
    info.metadata["tensorflow_git_version"] = m.tensorflow_git_version();
  if (!m.meta_graph_version().empty()) info.metadata["meta_graph_version"] = m.meta_graph_version();
  info.metadata["functions"] = std::to_string(meta.graph_def().library().function_size());
  info.metadata["object_graph"] =
      meta.has_object_graph_def() ? "yes (TensorFlow 2)" : "no (TensorFlow 1)";
  std::string keras;
  try {
    keras = keras_metadata_json(dir, meta);
  } catch (const Error& e) {
    info.notes.push_back(fmt::format("Keras metadata ignored: {}", e.what()));  // optional extra
  }
  if (!keras.empty()) {
    info.metadata["keras_metadata"] = keras;
    for (const io::Json& node : io::parse_json(keras, "keras metadata")) {
      const io::Json& meta_json = node.at("metadata");
      if (node.at("node_id") == 0 && meta_json.is_object() && meta_json.contains("name") &&
          meta_json.at("name").is_string())
        info.name = meta_json.at("name").get<std::string>();
    }
  }
  return info;
}

}  // namespace

LoadedModel load_savedmodel(const std::filesystem::path& dir, const LoadOptions& options) {
  const tf::SavedModel model = read_saved_model(dir);
  const tf::MetaGraphDef& meta = select_meta_graph(model, options.tags, dir);
  const TensorBundle bundle = open_bundle(dir);
  MetaGraphContext context(meta, bundle);

  LoadedModel out;
  out.info = model_info(model, meta, dir);
  if (out.info.name.empty())
    out.info.name = std::filesystem::absolute(dir).lexically_normal().filename().string();
  for (const std::string& key : bundle.keys()) {
    const tf::BundleEntryProto& entry = *bundle.find(key);
    // The object graph, slices of partitioned variables (keys start with a 0 byte), and
    // strings (TF1 asset paths) are not weights.
    if (key == kObjectGraphKey || key.empty() || key[0] == '\0' || entry.dtype() == tf::DT_STRING)
      continue;
    if (entry.slices_size() > 0 || !dtype_from_tf(entry.dtype())) {
      out.info.notes.push_back(fmt::format("variable '{}' is not readable: {}", key,
                                           entry.slices_size() > 0
                                               ? "a partitioned variable (saved in slices)"
                                               : "type " + tf_dtype_name(entry.dtype())));
      continue;
    }
    Tensor value = bundle.tensor(key);
    context.values.emplace(key, value);
    out.weights.push_back(
        {key, std::move(value), context.variables.trainable(key).value_or(true), {}});
  }

  if (auto keras = keras_layer_table(context, out.info.metadata["keras_metadata"])) {
    out.layers = std::move(keras->table);
    out.layer_graph = std::move(keras->graph);
  }
  if (out.info.metadata["keras_metadata"].empty()) out.info.metadata.erase("keras_metadata");

  std::vector<std::string> names;
  for (const auto& [name, def] : meta.signature_def()) {
    if (!is_internal_signature(name)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const tf::SignatureDef& def = meta.signature_def().at(name);
    LoadedSignature s;
    s.info.name = name;
    s.info.method_name = def.method_name();
    s.info.inputs = sorted_tensors(def.inputs());
    s.info.outputs = sorted_tensors(def.outputs());
    try {
      s.graph = convert_signature(context, s.info, def);
    } catch (const Error& e) {
      s.error_code = e.code();
      s.error_message = fmt::format("{}: signature '{}': {}", dir.string(), name, e.what());
    }
    out.signatures.push_back(std::move(s));
  }

  auto runnable = std::find_if(out.signatures.begin(), out.signatures.end(),
                               [](const LoadedSignature& s) { return s.graph != nullptr; });
  if (std::find(names.begin(), names.end(), "serving_default") != names.end()) {
    out.default_signature = "serving_default";
  } else if (runnable != out.signatures.end()) {
    out.default_signature = runnable->info.name;
  }
  if (out.default_signature.empty()) {
    std::vector<std::string> reasons;
    for (const LoadedSignature& s : out.signatures) reasons.push_back(s.error_message);
    out.weights_only_code =
        out.signatures.empty() ? ErrorCode::not_found : out.signatures[0].error_code;
    out.weights_only_reason =
        out.signatures.empty()
            ? fmt::format(
                  "{}: the SavedModel has no signatures to run; its {} variables can be "
                  "read with weights()",
                  dir.string(), out.weights.size())
            : fmt::format("no signature of the SavedModel can run: {}", fmt::join(reasons, "; "));
  }
  for (const LoadedSignature& s : out.signatures) {
    if (s.info.name != out.default_signature) continue;
    for (const SignatureTensor& t : s.info.inputs) out.inputs.push_back({t.key, t.dtype, t.shape});
    for (const SignatureTensor& t : s.info.outputs)
      out.outputs.push_back({t.key, t.dtype, t.shape});
  }
  return out;
}

}  // namespace nnload::formats::savedmodel
