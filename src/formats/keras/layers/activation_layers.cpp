// Keras activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU.
#include <limits>

#include "formats/keras/layers/layers.hpp"

namespace nnload::formats::keras {

namespace {

// Keras ReLU: x >= max_value -> max_value; threshold <= x -> x; else negative_slope * (x -
// threshold).
std::vector<int> relu(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const double max_value = ctx.get_float({"max_value"}, std::numeric_limits<double>::infinity());
  const double slope = ctx.get_float({"negative_slope", "alpha"}, 0.0);
  const double threshold = ctx.get_float({"threshold"}, 0.0);
  if (slope == 0.0 && threshold == 0.0) {
    if (max_value == std::numeric_limits<double>::infinity())
      return {ctx.add("Relu", "Relu", {ctx.input()})};
    return {ctx.add(
        "Clip", "Clip",
        {ctx.input(), ctx.scalar("min", 0.0f), ctx.scalar("max", static_cast<float>(max_value))})};
  }
  graph::Attributes a;
  a.set("max_value", max_value);
  a.set("negative_slope", slope);
  a.set("threshold", threshold);
  return {ctx.add("KerasRelu", "KerasRelu", {ctx.input()}, a, "nnload")};
}

std::vector<int> leaky_relu(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  graph::Attributes a;
  a.set("alpha", ctx.get_float({"negative_slope", "alpha"}, 0.3));  // Keras' default is 0.3
  return {ctx.add("LeakyRelu", "LeakyRelu", {ctx.input()}, a)};
}

// The stored alpha has the input's shape without the batch (1 along shared axes), which is
// exactly ONNX PRelu's unidirectional broadcast.
std::vector<int> prelu(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  ctx.expect_weights(1, "alpha");
  return {ctx.add("PRelu", "PRelu", {ctx.input(), ctx.weight(0, "alpha")})};
}

std::vector<int> elu(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  graph::Attributes a;
  a.set("alpha", ctx.get_float({"alpha"}, 1.0));
  return {ctx.add("Elu", "Elu", {ctx.input()}, a)};
}

std::vector<int> softmax(LayerContext& ctx) {
  ctx.expect_inputs(1, 2);  // Keras 3 may pass a mask as second argument
  graph::Attributes a;
  a.set("axis", ctx.get_int({"axis"}, -1));
  return {ctx.add("Softmax", "Softmax", {ctx.input()}, a)};
}

std::vector<int> thresholded_relu(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  graph::Attributes a;
  a.set("alpha", ctx.get_float({"theta"}, 1.0));
  return {ctx.add("ThresholdedRelu", "ThresholdedRelu", {ctx.input()}, a)};
}

}  // namespace

LayerRows activation_layers() {
  return {
      {"ReLU", relu}, {"LeakyReLU", leaky_relu}, {"PReLU", prelu},
      {"ELU", elu},   {"Softmax", softmax},      {"ThresholdedReLU", thresholded_relu},
  };
}

}  // namespace nnload::formats::keras
