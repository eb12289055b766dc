// Keras BatchNormalization (inference: a per-channel scale and shift) and LayerNormalization.
#include <algorithm>

#include "formats/keras/layers/layers.hpp"
#include "linalg/broadcast.hpp"

namespace nnload::formats::keras {

namespace {

// Reshapes a per-channel vector so it broadcasts along `axis` of a rank-`rank` tensor.
int along_axis(LayerContext& ctx, int vector, int64_t axis, int64_t rank, int64_t channels,
               const std::string& step) {
  if (axis == rank - 1) return vector;
  std::vector<int64_t> shape(static_cast<std::size_t>(rank - axis), 1);
  shape[0] = channels;
  return ctx.add("Reshape", step, {vector, ctx.int64s(step + "_shape", shape)});
}

std::vector<int> batch_normalization(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  // Keras 1's modes 1 (per sample) and 2 (batch statistics at test time too) normalise with
  // statistics of the input, not the stored ones. Its running_std holds the variance (Keras 1.2's
  // normalize_batch_in_training returns the variance and batch_normalization divides by
  // sqrt(running_std + epsilon)), so mode 0 is Keras 2's computation.
  if (const int64_t mode = ctx.get_int({"mode"}, 0); mode != 0)
    ctx.unsupported("Keras 1 BatchNormalization mode " + std::to_string(mode) +
                    " is not supported (mode 0 only)");
  const bool scale = ctx.get_bool({"scale"}, true);
  const bool center = ctx.get_bool({"center"}, true);
  const std::size_t count = 2 + (scale ? 1 : 0) + (center ? 1 : 0);
  ctx.expect_weights(count, "[gamma], [beta], moving_mean, moving_variance");
  std::size_t next = 0;
  const int gamma = scale ? ctx.weight(next++, "gamma") : -1;
  const int beta = center ? ctx.weight(next++, "beta") : -1;
  const int mean = ctx.weight(next, "moving_mean");
  ctx.mark_non_trainable(next++);
  const int variance = ctx.weight(next, "moving_variance");
  ctx.mark_non_trainable(next);
  const double epsilon = ctx.get_float({"epsilon"}, 1e-3);
  const int64_t channels = ctx.weight_tensor(next, "moving_variance").numel();

  // y = x * s + (beta - mean * s) with s = gamma / sqrt(var + eps); these nodes read only
  // weights, so they are computed once at load.
  int s = ctx.add(
      "Sqrt", "std",
      {ctx.add("Add", "var_eps", {variance, ctx.scalar("epsilon", static_cast<float>(epsilon))})});
  s = gamma >= 0 ? ctx.add("Div", "scale", {gamma, s}) : ctx.add("Reciprocal", "scale", {s});
  int shift = ctx.add("Neg", "neg_mean_scale", {ctx.add("Mul", "mean_scale", {mean, s})});
  if (beta >= 0) shift = ctx.add("Add", "shift", {shift, beta});

  const Json* axis_json = ctx.find({"axis"});
  int64_t axis = -1;
  if (axis_json && axis_json->is_array() && axis_json->size() == 1)
    axis = (*axis_json)[0].get<int64_t>();
  else if (axis_json && axis_json->is_number_integer())
    axis = axis_json->get<int64_t>();
  else if (axis_json)
    ctx.unsupported("normalising over several axes " + axis_json->dump() + " is not supported");
  const auto rank = static_cast<int64_t>(ctx.input_rank());
  axis = linalg::normalize_axis(axis, rank);
  s = along_axis(ctx, s, axis, rank, channels, "scale_along_axis");
  shift = along_axis(ctx, shift, axis, rank, channels, "shift_along_axis");
  return {ctx.add("Add", "add_shift", {ctx.add("Mul", "mul_scale", {ctx.input(), s}), shift})};
}

std::vector<int64_t> layer_norm_axes(LayerContext& ctx, int64_t rank) {
  std::vector<int64_t> axes;
  const Json* a = ctx.find({"axis"});
  if (!a || a->is_number_integer()) {
    axes.push_back(a ? a->get<int64_t>() : -1);
  } else if (a->is_array()) {
    for (const Json& v : *a) axes.push_back(v.get<int64_t>());
  } else {
    ctx.corrupt("axis is neither an integer nor a list: " + a->dump());
  }
  for (int64_t& axis : axes) axis = linalg::normalize_axis(axis, rank);
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

// Keras LayerNormalization normalises over `axis` (one or several), then applies gamma and beta,
// which have the shape of the normalised dimensions.
std::vector<int> layer_normalization(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const bool scale = ctx.get_bool({"scale"}, true);
  const bool center = ctx.get_bool({"center"}, true);
  if (ctx.get_bool({"rms_scaling"}, false))
    ctx.unsupported("rms_scaling=True is not supported yet");
  ctx.expect_weights((scale ? 1 : 0) + (center ? 1 : 0), "[gamma], [beta]");
  const double epsilon = ctx.get_float({"epsilon"}, 1e-3);
  const Shape shape = ctx.input_shape();
  const auto rank = static_cast<int64_t>(shape.size());
  const std::vector<int64_t> axes = layer_norm_axes(ctx, rank);
  const bool trailing = axes.back() == rank - 1 &&
                        axes.back() - axes.front() + 1 == static_cast<int64_t>(axes.size());

  std::size_t next = 0;
  int gamma = scale ? ctx.weight(next++, "gamma") : -1;
  int beta = center ? ctx.weight(next++, "beta") : -1;
  // gamma/beta hold the normalised dimensions only; give them the full rank so they broadcast.
  std::vector<int64_t> param_shape(static_cast<std::size_t>(rank), 1);
  if (next > 0) {
    const Tensor& param = ctx.weight_tensor(0, scale ? "gamma" : "beta");
    if (param.rank() == static_cast<int64_t>(axes.size())) {
      for (std::size_t i = 0; i < axes.size(); ++i)
        param_shape[static_cast<std::size_t>(axes[i])] = param.shape()[i];
    } else if (axes.size() == 1) {
      param_shape[static_cast<std::size_t>(axes[0])] = param.numel();
    } else {
      ctx.corrupt("gamma/beta of shape " + shape_to_list(param.shape()) + " do not match axes " +
                  Json(axes).dump());
    }
  }
  auto full_rank = [&](int param, const std::string& step) {
    return ctx.add("Reshape", step, {param, ctx.int64s(step + "_shape", param_shape)});
  };

  if (trailing && scale) {
    graph::Attributes a;
    a.set("axis", axes.front());
    a.set("epsilon", epsilon);
    std::vector<int64_t> normalized(param_shape.begin() + axes.front(), param_shape.end());
    std::vector<int> inputs = {ctx.input(), ctx.add("Reshape", "gamma_shape",
                                                    {gamma, ctx.int64s("gamma_dims", normalized)})};
    if (beta >= 0)
      inputs.push_back(
          ctx.add("Reshape", "beta_shape", {beta, ctx.int64s("beta_dims", normalized)}));
    return {ctx.add("LayerNormalization", "LayerNormalization", inputs, a)};
  }

  // Other axes, or no gamma: composed from reductions.
  graph::Attributes keep;
  keep.set("keepdims", int64_t{1});
  const int axes_value = ctx.int64s("axes", axes);
  int x = ctx.input();
  const int centered =
      ctx.add("Sub", "centered", {x, ctx.add("ReduceMean", "mean", {x, axes_value}, keep)});
  const int variance = ctx.add("ReduceMean", "variance",
                               {ctx.add("Mul", "square", {centered, centered}), axes_value}, keep);
  const int inv_std =
      ctx.add("Reciprocal", "inv_std",
              {ctx.add("Sqrt", "std",
                       {ctx.add("Add", "var_eps",
                                {variance, ctx.scalar("epsilon", static_cast<float>(epsilon))})})});
  int y = ctx.add("Mul", "normalized", {centered, inv_std});
  if (gamma >= 0) y = ctx.add("Mul", "mul_gamma", {y, full_rank(gamma, "gamma_full_rank")});
  if (beta >= 0) y = ctx.add("Add", "add_beta", {y, full_rank(beta, "beta_full_rank")});
  return {y};
}

}  // namespace

LayerRows normalization_layers() {
  return {
      {"BatchNormalization", batch_normalization},
      {"LayerNormalization", layer_normalization},
  };
}

}  // namespace nnload::formats::keras
