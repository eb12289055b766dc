// Custom Keras layers: a C++ implementation for a layer class nnload does not know (Keras'
// custom_objects), and replacements for Lambda layers, whose Python code can't run here.
//
//   nnload::keras::register_layer("my_package>ScaledDense", [](const nnload::keras::LayerSpec&
//   spec) {
//     return std::make_shared<ScaledDense>(spec);   // a nnload::keras::CustomLayer
//   });
//   nnload::Model model = nnload::load("model_with_custom_layer.keras");
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nnload/tensor.hpp"

namespace nnload::keras {

// What a factory receives about one layer of the file.
struct LayerSpec {
  std::string class_name;   // as registered: "my_package>ScaledDense", or the plain class name
  std::string name;         // the layer's name in the model
  std::string config_json;  // the layer's Keras config, as JSON text
  std::vector<std::pair<std::string, Tensor>> weights;  // the layer's weights in file order
};

// A layer's computation. call() runs during predictions, possibly from several threads at once
// (it must not modify shared state).
class CustomLayer {
 public:
  virtual ~CustomLayer() = default;
  virtual std::vector<Tensor> call(const std::vector<Tensor>& inputs) const = 0;
  // Output dtypes and shapes for given input dtypes and shapes, used to plan memory. The default
  // runs call() once on zero tensors of those shapes.
  virtual std::vector<std::pair<DType, Shape>> output_types(
      const std::vector<std::pair<DType, Shape>>& inputs) const;
};

using LayerFactory = std::function<std::shared_ptr<CustomLayer>(const LayerSpec& spec)>;

// Registers `factory` for layers of class `class_name` ("package>Name" as Keras 3 registers it,
// or the bare class name; a Lambda layer is matched by its name: "Lambda:<layer name>").
// Registering a name again replaces the factory. Thread-safe.
void register_layer(const std::string& class_name, LayerFactory factory);
// Removes a registration; returns whether there was one.
bool unregister_layer(const std::string& class_name);

}  // namespace nnload::keras
