#include "formats/keras/config.hpp"

#include <cstdlib>
#include <set>

#include "core/fail.hpp"

namespace nnload::formats::keras {

bool is_model_class(const std::string& class_name) {
  return class_name == "Sequential" || class_name == "Functional" || class_name == "Model";
}

namespace {

TensorRef parse_ref(const Json& j, const char* where) {
  // Keras 1/2: ["layer", node_index, tensor_index(, kwargs)]
  if (!j.is_array() || j.size() < 3 || !j[0].is_string() || !j[1].is_number_integer() ||
      !j[2].is_number_integer()) {
    fail(ErrorCode::corrupt, "model_config: {} entry {} is not [layer, node, tensor]", where,
         j.dump());
  }
  return {j[0].get<std::string>(), j[1].get<int>(), j[2].get<int>()};
}

bool is_keras_tensor(const Json& j) {
  return j.is_object() && j.value("class_name", "") == "__keras_tensor__" && j.contains("config");
}

// Keras 3 call arguments: collects every __keras_tensor__ in argument order.
void collect_keras_tensors(const Json& j, std::vector<TensorRef>& out) {
  if (is_keras_tensor(j)) {
    const Json& history = j["config"].value("keras_history", Json());
    out.push_back(parse_ref(history, "keras_history"));
  } else if (j.is_array()) {
    for (const Json& item : j) collect_keras_tensors(item, out);
  } else if (j.is_object()) {
    for (const auto& [key, value] : j.items()) collect_keras_tensors(value, out);
  }
}

// tf.keras writes a tensor passed by keyword as [layer, node_index, tensor_index] (its
// deserializer takes any such list for a tensor).
bool is_tf_keras_ref(const Json& j) {
  return j.is_array() && j.size() == 3 && j[0].is_string() && j[1].is_number_integer() &&
         j[2].is_number_integer();
}

void collect_tf_keras_refs(const Json& j, std::vector<TensorRef>& out) {
  if (is_tf_keras_ref(j)) {
    out.push_back(parse_ref(j, "call keyword"));
  } else if (j.is_array()) {
    for (const Json& item : j) collect_tf_keras_refs(item, out);
  } else if (j.is_object()) {
    for (const auto& [key, value] : j.items()) collect_tf_keras_refs(value, out);
  }
}

// The tensors among a call's keyword arguments, keyword by keyword.
void collect_kwarg_tensors(CallNode& call, bool keras3) {
  if (!call.kwargs.is_object()) return;
  for (const auto& [key, value] : call.kwargs.items()) {
    std::vector<TensorRef> refs;
    if (keras3)
      collect_keras_tensors(value, refs);
    else
      collect_tf_keras_refs(value, refs);
    for (TensorRef& ref : refs) call.kwarg_tensors.emplace_back(key, std::move(ref));
  }
}

// Classes whose Keras 3 calls pass tensors in kwargs that the builder needs as inputs.
bool takes_kwargs_tensors(const std::string& class_name) {
  static const char* const kClasses[] = {"SimpleRNN",
                                         "LSTM",
                                         "GRU",
                                         "RNN",
                                         "Bidirectional",
                                         "ConvLSTM1D",
                                         "ConvLSTM2D",
                                         "ConvLSTM3D",
                                         "CuDNNLSTM",
                                         "CuDNNGRU",
                                         "GlobalAveragePooling1D",
                                         "GlobalAvgPool1D"};
  for (const char* c : kClasses) {
    if (class_name == c) return true;
  }
  return false;
}

std::vector<CallNode> parse_calls(const Json& inbound, const std::string& layer,
                                  const std::string& class_name) {
  std::vector<CallNode> calls;
  if (inbound.is_null()) return calls;
  if (!inbound.is_array())
    fail(ErrorCode::corrupt, "model_config: layer '{}' has malformed inbound_nodes", layer);
  for (const Json& node : inbound) {
    CallNode call;
    if (node.is_object()) {  // Keras 3: {"args": [...], "kwargs": {...}}
      call.args = node.value("args", Json::array());
      collect_keras_tensors(call.args, call.inputs);
      call.kwargs = node.value("kwargs", Json::object());
      collect_kwarg_tensors(call, true);
      if (call.kwargs.is_object() && takes_kwargs_tensors(class_name)) {
        for (const char* key : {"initial_state", "mask"}) {
          if (call.kwargs.contains(key)) collect_keras_tensors(call.kwargs[key], call.inputs);
        }
      }
    } else if (node.is_array()) {  // Keras 1/2: [[layer, node, tensor, kwargs], ...]
      // tf.keras op layers (TFOpLambda, SlicingOpLambda) keep their first argument's structure:
      // a single tensor is written as the bare [layer, node, tensor, kwargs].
      const bool bare = !node.empty() && node[0].is_string();
      const Json refs = bare ? Json::array({node}) : node;
      for (const Json& ref : refs) {
        if (ref.is_array() && ref.size() >= 3 && ref[0] == "_CONSTANT_VALUE") {
          // tf.keras: a constant where the first argument holds no Keras tensor.
          call.constant_inputs.emplace_back(call.inputs.size() + call.constant_inputs.size(),
                                            ref[2]);
        } else {
          call.inputs.push_back(parse_ref(ref, "inbound_nodes"));
        }
        if (ref.is_array() && ref.size() > 3 && ref[3].is_object() && call.kwargs.empty())
          call.kwargs = ref[3];
      }
      collect_kwarg_tensors(call, false);
    } else {
      fail(ErrorCode::corrupt, "model_config: layer '{}' has a malformed inbound node", layer);
    }
    calls.push_back(std::move(call));
  }
  return calls;
}

// input_layers/output_layers: a list of refs, or (Keras 3, one tensor) a single flat ref.
std::vector<TensorRef> parse_ref_list(const Json& j, const char* where) {
  std::vector<TensorRef> refs;
  if (j.is_null()) return refs;
  if (j.is_array() && j.size() >= 3 && j[0].is_string()) return {parse_ref(j, where)};
  if (j.is_array()) {
    for (const Json& item : j) refs.push_back(parse_ref(item, where));
    return refs;
  }
  if (j.is_object()) {  // Keras 3 dict of named inputs
    for (const auto& [key, value] : j.items()) refs.push_back(parse_ref(value, where));
    return refs;
  }
  fail(ErrorCode::corrupt, "model_config: {} is malformed", where);
}

LayerConfig parse_layer(const Json& j) {
  if (!j.is_object() || !j.contains("class_name") || !j["class_name"].is_string()) {
    fail(ErrorCode::corrupt, "model_config: a layer entry has no class_name");
  }
  LayerConfig layer;
  layer.class_name = j["class_name"].get<std::string>();
  layer.config = j.value("config", Json::object());
  if (j.contains("name") && j["name"].is_string()) {
    layer.name = j["name"].get<std::string>();
  } else if (layer.config.is_object() && layer.config.contains("name") &&
             layer.config["name"].is_string()) {
    layer.name = layer.config["name"].get<std::string>();
  }
  if (j.contains("module") && j["module"].is_string())
    layer.module = j["module"].get<std::string>();
  if (j.contains("registered_name") && j["registered_name"].is_string()) {
    layer.registered_name = j["registered_name"].get<std::string>();
  }
  layer.calls = parse_calls(j.value("inbound_nodes", Json()), layer.name, layer.class_name);
  if (is_model_class(layer.class_name)) {
    layer.nested = std::make_shared<ModelConfig>(parse_model_config(j));
    if (layer.name.empty()) layer.name = layer.nested->name;
  }
  if (layer.name.empty())
    fail(ErrorCode::corrupt, "model_config: a {} layer has no name", layer.class_name);
  return layer;
}

}  // namespace

ModelConfig parse_model_config(const Json& json) {
  if (!json.is_object() || !json.contains("class_name") || !json["class_name"].is_string()) {
    fail(ErrorCode::corrupt, "model_config has no class_name");
  }
  ModelConfig model;
  model.class_name = json["class_name"].get<std::string>();
  const Json& config = json.contains("config") ? json["config"] : Json();
  // Keras 1 and early Keras 2 write a Sequential config as the bare list of layers.
  const Json& layers = config.is_array()    ? config
                       : config.is_object() ? config.value("layers", Json())
                                            : Json();
  if (!layers.is_array())
    fail(ErrorCode::corrupt, "model_config: the {} has no layer list", model.class_name);
  if (config.is_object()) {
    model.config = config;
    model.name = config.value("name", "");
    model.inputs = parse_ref_list(config.value("input_layers", Json()), "input_layers");
    model.outputs = parse_ref_list(config.value("output_layers", Json()), "output_layers");
  }
  if (model.name.empty())
    model.name =
        json.value("name", Json("model")).is_string() ? json.value("name", "model") : "model";
  // Keras refuses a model whose layers share a name ("All layer names should be unique"); its
  // weights are found by layer name, so such layers would all take one layer's weights (and a
  // 66 kB file naming one 4 MB layer 300 times made 1.2 GB of per-layer copies to predict).
  std::set<std::string, std::less<>> names;
  for (const Json& layer : layers) {
    LayerConfig parsed = parse_layer(layer);
    if (!names.insert(parsed.name).second) {
      fail(ErrorCode::corrupt,
           "model_config: {} '{}' has two layers named '{}' (Keras requires unique names)",
           model.class_name, model.name, parsed.name);
    }
    model.layers.push_back(std::move(parsed));
  }
  return model;
}

KerasVersion parse_keras_version(const std::string& text) {
  KerasVersion v;
  v.text = text;
  if (text.empty()) return v;  // files without keras_version are Keras 2 era
  char* end = nullptr;
  v.major = static_cast<int>(std::strtol(text.c_str(), &end, 10));
  if (end && *end == '.') v.minor = static_cast<int>(std::strtol(end + 1, nullptr, 10));
  if (v.major > 3) v.major = 3;
  if (v.major < 1) v.major = 2;
  return v;
}

}  // namespace nnload::formats::keras
