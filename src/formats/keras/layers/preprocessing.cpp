// Keras preprocessing layers that hold their state in the file: Rescaling, Normalization.
#include <algorithm>

#include "formats/keras/layers/layers.hpp"
#include "linalg/broadcast.hpp"

namespace nnload::formats::keras {

namespace {

// A number or a per-channel list from the config as a float constant.
int number_or_list(LayerContext& ctx, const char* key, double fallback) {
  const Json* j = ctx.find({key});
  if (!j) return ctx.scalar(key, static_cast<float>(fallback));
  if (j->is_number()) return ctx.scalar(key, j->get<float>());
  if (j->is_array()) {
    std::vector<float> values;
    for (const Json& v : *j) values.push_back(v.get<float>());
    const auto n = static_cast<int64_t>(values.size());
    return ctx.constant(key, Tensor::from_vector<float>(values, {n}));
  }
  ctx.corrupt(std::string(key) + " is malformed: " + j->dump());
}

std::vector<int> rescaling(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const int scaled = ctx.add("Mul", "scale", {ctx.input(), number_or_list(ctx, "scale", 1.0)});
  return {ctx.add("Add", "offset", {scaled, number_or_list(ctx, "offset", 0.0)})};
}

std::vector<int64_t> normalization_axes(LayerContext& ctx, int64_t rank) {
  std::vector<int64_t> axes;
  const Json* a = ctx.find({"axis"});
  if (!a)
    axes.push_back(-1);
  else if (a->is_number_integer())
    axes.push_back(a->get<int64_t>());
  else if (a->is_array())
    for (const Json& v : *a) axes.push_back(v.get<int64_t>());
  for (int64_t& axis : axes) axis = linalg::normalize_axis(axis, rank);
  std::sort(axes.begin(), axes.end());
  return axes;
}

// y = (x - mean) / max(sqrt(variance), 1e-7), or the inverse with invert=True, as Keras does.
// mean and variance come from the weights (adapted layers) or from the config.
std::vector<int> normalization(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  int mean = -1, variance = -1;
  std::vector<int64_t> stat_dims;
  if (ctx.weight_count() >= 2) {
    mean = ctx.weight(0, "mean");
    variance = ctx.weight(1, "variance");
    stat_dims = ctx.weight_tensor(0, "mean").shape();
    for (std::size_t i = 0; i < ctx.weight_count(); ++i) ctx.mark_non_trainable(i);
  } else if (ctx.has("mean") && ctx.has("variance")) {
    mean = number_or_list(ctx, "mean", 0.0);
    variance = number_or_list(ctx, "variance", 1.0);
  } else {
    ctx.corrupt("has neither mean/variance weights nor mean/variance in its config");
  }
  // Keras keeps the statistics with the shape of the normalised axes; give them full rank.
  const auto rank = static_cast<int64_t>(ctx.input_rank());
  const std::vector<int64_t> axes = normalization_axes(ctx, rank);
  std::vector<int64_t> shape(static_cast<std::size_t>(rank), 1);
  const Shape input = ctx.input_shape();
  for (int64_t axis : axes)
    shape[static_cast<std::size_t>(axis)] = input[static_cast<std::size_t>(axis)];
  const bool broadcastable_as_is =
      stat_dims.empty() || stat_dims.size() == static_cast<std::size_t>(rank);
  if (!broadcastable_as_is) {
    mean = ctx.add("Reshape", "mean_full_rank", {mean, ctx.int64s("stat_shape", shape)});
    variance =
        ctx.add("Reshape", "variance_full_rank", {variance, ctx.int64s("stat_shape_v", shape)});
  }
  const int std_dev = ctx.add(
      "Max", "std", {ctx.add("Sqrt", "sqrt_variance", {variance}), ctx.scalar("epsilon", 1e-7f)});
  if (ctx.get_bool({"invert"}, false)) {
    return {ctx.add("Add", "add_mean", {ctx.add("Mul", "mul_std", {ctx.input(), std_dev}), mean})};
  }
  return {ctx.add("Div", "div_std", {ctx.add("Sub", "sub_mean", {ctx.input(), mean}), std_dev})};
}

}  // namespace

LayerRows preprocessing_layers() {
  return {
      {"Rescaling", rescaling},
      {"Normalization", normalization},
  };
}

}  // namespace nnload::formats::keras
