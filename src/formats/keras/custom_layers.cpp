#include "formats/keras/custom_layers.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>

#include "core/fail.hpp"

namespace nnload {
namespace {

struct Registry {
  std::shared_mutex mutex;
  std::map<std::string, keras::LayerFactory, std::less<>> factories;
};

Registry& registry() {
  static Registry r;
  return r;
}

std::optional<std::pair<std::string, keras::LayerFactory>> find_factory(
    const std::vector<std::string>& keys) {
  Registry& r = registry();
  std::shared_lock lock(r.mutex);
  for (const std::string& key : keys) {
    auto it = r.factories.find(key);
    if (it != r.factories.end()) return std::make_pair(key, it->second);
  }
  return std::nullopt;
}

}  // namespace

namespace keras {

void register_layer(const std::string& class_name, LayerFactory factory) {
  if (class_name.empty())
    fail(ErrorCode::invalid_argument, "keras::register_layer: the class name is empty");
  if (!factory) {
    fail(ErrorCode::invalid_argument, "keras::register_layer('{}'): the factory is empty",
         class_name);
  }
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  r.factories[class_name] = std::move(factory);
}

bool unregister_layer(const std::string& class_name) {
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  return r.factories.erase(class_name) > 0;
}

// Runs call() once on zeros: simple, and right for any layer whose output shape does not
// depend on values.
std::vector<std::pair<DType, Shape>> CustomLayer::output_types(
    const std::vector<std::pair<DType, Shape>>& inputs) const {
  std::vector<Tensor> zeros;
  for (const auto& [dtype, shape] : inputs) zeros.push_back(Tensor::zeros(dtype, shape));
  std::vector<std::pair<DType, Shape>> types;
  for (const Tensor& y : call(zeros)) types.emplace_back(y.dtype(), y.shape());
  return types;
}

}  // namespace keras

namespace formats::keras {

std::vector<std::string> custom_layer_keys(const LayerConfig& layer) {
  if (layer.class_name == "Lambda") return {"Lambda:" + layer.name};
  std::vector<std::string> keys;
  auto add = [&](const std::string& key) {
    if (!key.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  };
  add(layer.registered_name);
  add(layer.class_name);
  if (const auto gt = layer.class_name.rfind('>'); gt != std::string::npos)
    add(layer.class_name.substr(gt + 1));
  return keys;
}

bool has_custom_layer(const LayerConfig& layer) {
  return find_factory(custom_layer_keys(layer)).has_value();
}

namespace {

// Unknown input dimensions are asked about as 1: the count of outputs does not depend on them.
std::vector<std::pair<DType, Shape>> probe_input_types(LayerContext& ctx) {
  std::vector<std::pair<DType, Shape>> types;
  for (std::size_t i = 0; i < ctx.input_count(); ++i) {
    Shape shape = ctx.input_shape(i);
    for (std::int64_t& d : shape) d = d < 0 ? 1 : d;
    types.emplace_back(ctx.graph().value(ctx.input(i)).dtype, std::move(shape));
  }
  return types;
}

}  // namespace

std::vector<int> build_custom_layer(LayerContext& ctx) {
  const LayerConfig& layer = ctx.layer();
  const auto found = find_factory(custom_layer_keys(layer));
  if (!found) {
    fail(ErrorCode::custom_layer_missing, "layer '{}': no custom layer is registered for '{}'",
         layer.name, custom_layer_keys(layer).front());
  }
  nnload::keras::LayerSpec spec;
  spec.class_name = found->first;
  spec.name = layer.name;
  spec.config_json = layer.config.dump();
  for (std::size_t i = 0; i < ctx.weight_count(); ++i)
    spec.weights.emplace_back(ctx.weight_name(i), ctx.weight_tensor(i, "weight"));

  std::shared_ptr<nnload::keras::CustomLayer> impl;
  try {
    impl = found->second(spec);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail(ErrorCode::invalid_argument, "layer '{}': the factory registered for '{}' failed: {}",
         layer.name, found->first, e.what());
  }
  if (!impl) {
    fail(ErrorCode::invalid_argument, "layer '{}': the factory registered for '{}' returned null",
         layer.name, found->first);
  }

  std::size_t outputs = 1;
  try {
    outputs = impl->output_types(probe_input_types(ctx)).size();
  } catch (const Error&) {
    // Input shapes that can't be worked out yet: one output, checked again when compiled.
  }
  if (outputs == 0) ctx.corrupt("the custom layer declares no outputs");
  graph::Attributes attrs;
  attrs.set("layer", graph::OpaqueObject(impl));
  attrs.set("layer_name", layer.name);
  return ctx.add_multi("KerasCustomLayer", "KerasCustomLayer", ctx.inputs(),
                       static_cast<int>(outputs), std::move(attrs), "nnload");
}

}  // namespace formats::keras
}  // namespace nnload
