#include "formats/savedmodel/keras_layer_table.hpp"

#include <nlohmann/json.hpp>

#include "formats/keras/config.hpp"
#include "formats/keras/model_builder.hpp"
#include "io/json_text.hpp"

namespace nnload::formats::savedmodel {

namespace {

using Json = io::Json;

// Keras' names for the root's layer children: "layer-3", "layer_with_weights-1".
bool is_layer_edge(const std::string& local_name) {
  return local_name.rfind("layer-", 0) == 0 || local_name.rfind("layer_with_weights-", 0) == 0;
}

// A layer's variables in creation order (kernel before bias, as Keras saves them), from the
// object graph's direct children of the layer node.
std::vector<keras::LayerWeight> layer_variables(const MetaGraphContext& context, int node_id) {
  std::vector<keras::LayerWeight> out;
  const tf::SavedObjectGraph& objects = context.meta.object_graph_def();
  for (const tf::ObjectReference& child : objects.nodes(node_id).children()) {
    if (child.node_id() < 0 || child.node_id() >= objects.nodes_size()) continue;
    if (!objects.nodes(child.node_id()).has_variable()) continue;
    const std::string* key = context.variables.key_of_object(child.node_id());
    if (!key) continue;
    out.push_back({*key, context.value(*key)});
  }
  return out;
}

// Keras' SavedModel metadata writes tuples and shapes as {"class_name": "__tuple__" or
// "TensorShape", "items": [...]}; the .h5 config (which the Keras reader parses) has plain lists.
Json plain_lists(const Json& j) {
  if (j.is_object()) {
    if (j.contains("items") && j.contains("class_name") &&
        (j["class_name"] == "__tuple__" || j["class_name"] == "TensorShape")) {
      return plain_lists(j["items"]);
    }
    Json out = Json::object();
    for (const auto& [key, value] : j.items()) out[key] = plain_lists(value);
    return out;
  }
  if (j.is_array()) {
    Json out = Json::array();
    for (const Json& item : j) out.push_back(plain_lists(item));
    return out;
  }
  return j;
}

}  // namespace

std::optional<KerasLayerTable> keras_layer_table(const MetaGraphContext& context,
                                                 const std::string& keras_metadata_json) {
  if (keras_metadata_json.empty() || !context.meta.has_object_graph_def()) return std::nullopt;
  try {
    const Json nodes = io::parse_json(keras_metadata_json, "keras metadata");
    std::map<int, std::string> layer_names;  // object node -> Keras layer name
    const Json* model_config = nullptr;
    std::string keras_version;
    for (const Json& node : nodes) {
      const Json& meta = node.at("metadata");
      if (!meta.is_object()) continue;
      const int id = node.at("node_id").get<int>();
      if (meta.contains("name") && meta["name"].is_string())
        layer_names[id] = meta["name"].get<std::string>();
      // The root's metadata holds the model config: under "model_config", or (older exports)
      // as its own class_name/config.
      if (id == 0 && meta.contains("model_config")) {
        model_config = &meta["model_config"];
      } else if (id == 0 && meta.contains("config") && meta.value("class_name", "") != "" &&
                 keras::is_model_class(meta["class_name"].get<std::string>())) {
        model_config = &meta;
      }
      if (id == 0) keras_version = meta.value("keras_version", "");
    }
    if (!model_config) return std::nullopt;
    const keras::ModelConfig config = keras::parse_model_config(plain_lists(*model_config));
    for (const keras::LayerConfig& layer : config.layers) {
      if (layer.nested)
        return std::nullopt;  // nested models' variables are not split per layer here
    }
    keras::LayerWeights weights;
    for (const tf::ObjectReference& child : context.meta.object_graph_def().nodes(0).children()) {
      if (!is_layer_edge(child.local_name())) continue;
      auto name = layer_names.find(child.node_id());
      if (name == layer_names.end()) continue;
      std::vector<keras::LayerWeight> vars = layer_variables(context, child.node_id());
      if (!vars.empty()) weights.at(name->second) = std::move(vars);
    }
    KerasLayerTable out;
    out.graph = std::make_shared<graph::Graph>();
    keras::BuiltModel built =
        keras::build_model(*out.graph, config, weights, keras::parse_keras_version(keras_version));
    out.table = std::move(built.table);
    return out;
  } catch (const std::exception&) {
    return std::nullopt;  // a summary nicety: never fail the load for it
  }
}

}  // namespace nnload::formats::savedmodel
