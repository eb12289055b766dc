// A Keras model config (the `model_config` JSON) normalised across Keras versions: Keras 1's
// bare layer lists, Keras 2's nested-list inbound nodes, Keras 3's __keras_tensor__ records.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>
#include "io/json_text.hpp"

namespace nnload::formats::keras {

using Json = io::Json;

struct KerasVersion {
  int major = 2;
  int minor = 0;
  std::string text;  // as written in the file, e.g. "2.3.1"
  // The backend that wrote the weights ("tensorflow", "theano", ...) as the file says it or as
  // nnload infers it; empty when unknown. Theano's convolutions flip their kernels.
  std::string backend;
};

// A reference to a tensor another layer produced: its call (node) index and output index.
struct TensorRef {
  std::string layer;
  int node_index = 0;
  int tensor_index = 0;
};

// One call of a layer inside a functional model.
struct CallNode {
  // Flattened in argument order. For the layers that take recurrent call arguments (RNNs,
  // Bidirectional, GlobalAveragePooling1D), Keras 3's kwargs tensors follow: those of
  // `initial_state`, then those of `mask`, as Keras 2 listed initial states after the sequence.
  std::vector<TensorRef> inputs;
  // Keras 3: the positional arguments as written (tensors as __keras_tensor__ records, constants
  // as values), for op layers whose arguments mix tensors and constants; empty for Keras 1/2.
  Json args = Json::array();
  Json kwargs = Json::object();
  // Tensors passed by keyword (Keras 3 __keras_tensor__ records, tf.keras [layer, node, tensor]
  // lists), in order; a keyword holding a list of tensors appears once per tensor. Not part of
  // `inputs`, so builders that ignore keywords see the same inputs as before.
  std::vector<std::pair<std::string, TensorRef>> kwarg_tensors;
  // tf.keras: constants written in place of a first-argument tensor (["_CONSTANT_VALUE", -1,
  // value, kwargs]), with their position among the flattened first argument.
  std::vector<std::pair<std::size_t, Json>> constant_inputs;
};

struct LayerConfig {
  std::string class_name;
  std::string name;
  std::string module;           // Keras 3 ("keras.layers"), empty otherwise
  std::string registered_name;  // Keras 3 custom objects ("my_package>MyLayer")
  Json config = Json::object();
  std::vector<CallNode> calls;  // functional models only
  // Set when the layer is itself a model (Sequential/Functional/Model) used as a layer.
  std::shared_ptr<struct ModelConfig> nested;
};

struct ModelConfig {
  std::string class_name;  // "Sequential", "Functional" (or Keras 2's "Model")
  std::string name;
  std::vector<LayerConfig> layers;
  std::vector<TensorRef> inputs;   // functional: the input layers
  std::vector<TensorRef> outputs;  // functional: the output tensors
  Json config = Json::object();    // the model's own config (build_input_shape, ...)

  bool is_sequential() const { return class_name == "Sequential"; }
};

bool is_model_class(const std::string& class_name);

// Parses `{"class_name": ..., "config": ...}` as found in model_config; throws Error(corrupt)
// naming the field that is missing or malformed.
ModelConfig parse_model_config(const Json& json);

// Versions above 3 read as 3 (the newest semantics nnload knows); below 1 or unreadable as 2.
KerasVersion parse_keras_version(const std::string& text);

}  // namespace nnload::formats::keras
