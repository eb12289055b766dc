#include "formats/keras/activations.hpp"

#include <map>

#include "core/fail.hpp"
#include "formats/keras/layer_context.hpp"

namespace nnload::formats::keras {

namespace {

using ActivationBuilder = int (*)(LayerContext&, int);

graph::Attributes with_float(const char* name, double value) {
  graph::Attributes a;
  a.set(name, value);
  return a;
}

int unary(LayerContext& ctx, int x, const char* op, graph::Attributes attrs = {},
          const char* domain = "") {
  return ctx.add(op, op, {x}, std::move(attrs), domain);
}

int softmax_last(LayerContext& ctx, int x, const char* op) {
  graph::Attributes a;
  a.set("axis", int64_t{-1});
  return ctx.add(op, op, {x}, a);
}

// Keras 1/2 define hard_sigmoid as clip(0.2 x + 0.5, 0, 1); Keras 3 as relu6(x + 3) / 6.
int hard_sigmoid(LayerContext& ctx, int x) {
  graph::Attributes a;
  a.set("alpha", ctx.version().major >= 3 ? 1.0 / 6.0 : 0.2);
  a.set("beta", 0.5);
  return ctx.add("HardSigmoid", "hard_sigmoid", {x}, a);
}

const std::map<std::string, ActivationBuilder, std::less<>>& activation_table() {
  static const std::map<std::string, ActivationBuilder, std::less<>> table = {
      {"linear", [](LayerContext&, int x) { return x; }},
      {"relu", [](LayerContext& c, int x) { return unary(c, x, "Relu"); }},
      {"sigmoid", [](LayerContext& c, int x) { return unary(c, x, "Sigmoid"); }},
      {"tanh", [](LayerContext& c, int x) { return unary(c, x, "Tanh"); }},
      {"softmax", [](LayerContext& c, int x) { return softmax_last(c, x, "Softmax"); }},
      {"log_softmax", [](LayerContext& c, int x) { return softmax_last(c, x, "LogSoftmax"); }},
      {"softplus", [](LayerContext& c, int x) { return unary(c, x, "Softplus"); }},
      {"softsign", [](LayerContext& c, int x) { return unary(c, x, "Softsign"); }},
      // ONNX Selu's defaults are Keras' constants (alpha 1.6732632, gamma 1.0507010).
      {"selu", [](LayerContext& c, int x) { return unary(c, x, "Selu"); }},
      {"elu", [](LayerContext& c, int x) { return unary(c, x, "Elu", with_float("alpha", 1.0)); }},
      {"exponential", [](LayerContext& c, int x) { return unary(c, x, "Exp"); }},
      {"hard_sigmoid", hard_sigmoid},
      {"swish", [](LayerContext& c,
                   int x) { return unary(c, x, "Swish", with_float("alpha", 1.0), "nnload"); }},
      {"silu", [](LayerContext& c,
                  int x) { return unary(c, x, "Swish", with_float("alpha", 1.0), "nnload"); }},
      // keras.activations.gelu and tf.keras.activations.gelu both default to approximate=False.
      {"gelu", [](LayerContext& c, int x) { return unary(c, x, "Gelu"); }},
      {"relu6",
       [](LayerContext& c, int x) {
         return c.add("Clip", "relu6",
                      {x, c.scalar("relu6_min", 0.0f), c.scalar("relu6_max", 6.0f)});
       }},
      // keras.activations.leaky_relu (Keras 3) defaults to negative_slope=0.2.
      {"leaky_relu",
       [](LayerContext& c, int x) { return unary(c, x, "LeakyRelu", with_float("alpha", 0.2)); }},
      {"mish", [](LayerContext& c, int x) { return unary(c, x, "Mish"); }},
      {"hard_swish", [](LayerContext& c, int x) { return unary(c, x, "HardSwish"); }},
      {"hard_silu", [](LayerContext& c, int x) { return unary(c, x, "HardSwish"); }},
      {"log_sigmoid",
       [](LayerContext& c, int x) {  // log(sigmoid(x)) = -softplus(-x)
         const int neg = c.add("Neg", "log_sigmoid_neg", {x});
         return c.add("Neg", "log_sigmoid", {c.add("Softplus", "log_sigmoid_softplus", {neg})});
       }},
  };
  return table;
}

// Keras 3 may serialize an activation as {"module": "keras.activations", "class_name":
// "function", "config": "relu", ...}; older versions as the bare name.
std::string activation_name(LayerContext& ctx, const Json& activation) {
  if (activation.is_null()) return "linear";
  if (activation.is_string()) return activation.get<std::string>();
  if (activation.is_object() && activation.contains("config") && activation["config"].is_string()) {
    return activation["config"].get<std::string>();
  }
  ctx.unsupported("activation " + activation.dump() + " is not a known Keras activation");
}

}  // namespace

std::vector<std::string> supported_activations() {
  std::vector<std::string> names;
  for (const auto& [name, builder] : activation_table()) names.push_back(name);
  return names;
}

int apply_keras_activation(LayerContext& ctx, int x, const Json& activation) {
  const std::string name = activation_name(ctx, activation);
  const auto& table = activation_table();
  auto it = table.find(name);
  if (it == table.end()) {
    ctx.unsupported(fmt::format("activation '{}' is not supported; supported: {}", name,
                                fmt::join(supported_activations(), ", ")));
  }
  return it->second(ctx, x);
}

}  // namespace nnload::formats::keras
