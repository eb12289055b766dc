// Keras GroupNormalization (Keras 3, tf.keras 2.11+ and TensorFlow Addons), UnitNormalization and
// the Dot merge layer (batch_dot, with L2 normalisation as each Keras version computes it).
#include <algorithm>
#include <numeric>

#include "formats/keras/layers/extra_common.hpp"
#include "linalg/broadcast.hpp"

namespace nnload::formats::keras {

namespace {

std::vector<int64_t> axis_list(LayerContext& ctx, int64_t rank) {
  std::vector<int64_t> axes;
  const Json* a = ctx.find({"axis"});
  if (!a) {
    axes.push_back(rank - 1);
  } else if (a->is_number_integer()) {
    axes.push_back(linalg::normalize_axis(a->get<int64_t>(), rank));
  } else if (a->is_array()) {
    for (const Json& v : *a) axes.push_back(linalg::normalize_axis(v.get<int64_t>(), rank));
  } else {
    ctx.corrupt("axis is neither an integer nor a list: " + a->dump());
  }
  return axes;
}

// A reshape target from a static shape: 0 keeps the batch dimension, -1 stands for the one
// unknown dimension; Error(unsupported) when more than one is unknown.
std::vector<int64_t> reshape_target(LayerContext& ctx, std::vector<int64_t> dims) {
  int unknown = 0;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] >= 0) continue;
    if (i == 0) {
      dims[i] = 0;
    } else {
      dims[i] = -1;
      ++unknown;
    }
  }
  if (unknown > 1) ctx.unsupported("needs all but one of its input dimensions known");
  return dims;
}

// Mean and (two-pass) variance over every axis of each group, then Keras' scale and shift:
// x * inv + (beta - mean * inv) with inv = gamma / sqrt(variance + epsilon).
std::vector<int> group_normalization(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const Shape shape = ctx.input_shape();
  const auto rank = static_cast<int64_t>(shape.size());
  const std::vector<int64_t> axes = axis_list(ctx, rank);
  if (axes.size() != 1) ctx.unsupported("normalising over several axes is not supported");
  const int64_t axis = axes[0];
  const int64_t channels = shape[static_cast<std::size_t>(axis)];
  int64_t groups = ctx.get_int({"groups"}, 32);
  if (groups == -1) groups = channels;
  if (channels < 0 || axis == 0) ctx.unsupported("needs a known channel axis other than the batch");
  if (groups <= 0 || channels % groups != 0) {
    ctx.corrupt(fmt::format("{} groups do not divide {} channels", groups, channels));
  }
  const bool scale = ctx.get_bool({"scale"}, true);
  const bool center = ctx.get_bool({"center"}, true);
  ctx.expect_weights((scale ? 1 : 0) + (center ? 1 : 0), "[gamma], [beta]");

  std::vector<int64_t> grouped(shape.begin(), shape.end());
  grouped[static_cast<std::size_t>(axis)] = channels / groups;
  grouped.insert(grouped.begin() + axis, groups);
  int x = extra::reshape(ctx, ctx.input(), reshape_target(ctx, grouped), "grouped");
  std::vector<int64_t> reduce;
  for (int64_t d = 1; d <= rank; ++d) {
    if (d != axis) reduce.push_back(d);
  }
  graph::Attributes keep;
  keep.set("keepdims", int64_t{1});
  const int mean = ctx.add("ReduceMean", "mean", {x, ctx.int64s("axes", reduce)}, keep);
  const int centered = ctx.add("Sub", "centered", {x, mean});
  const int variance = ctx.add(
      "ReduceMean", "variance",
      {ctx.add("Mul", "square", {centered, centered}), ctx.int64s("variance_axes", reduce)}, keep);
  const float epsilon = static_cast<float>(ctx.get_float({"epsilon"}, 1e-3));
  int inv =
      ctx.add("Reciprocal", "inv_std",
              {ctx.add("Sqrt", "std",
                       {ctx.add("Add", "var_eps", {variance, ctx.scalar("epsilon", epsilon)})})});
  std::vector<int64_t> param_shape(static_cast<std::size_t>(rank) + 1, 1);
  param_shape[static_cast<std::size_t>(axis)] = groups;
  param_shape[static_cast<std::size_t>(axis) + 1] = channels / groups;
  std::size_t next = 0;
  if (scale) {
    inv = ctx.add(
        "Mul", "scale",
        {inv, extra::reshape(ctx, ctx.weight(next++, "gamma"), param_shape, "gamma_groups")});
  }
  int y = ctx.add("Mul", "normalized", {centered, inv});
  if (center) {
    y = ctx.add("Add", "shift",
                {y, extra::reshape(ctx, ctx.weight(next, "beta"), param_shape, "beta_groups")});
  }
  return {ctx.add("Reshape", "ungrouped", {y, ctx.add("Shape", "input_shape", {ctx.input()})})};
}

// Keras 3.6+ computes x * min(rsqrt(sum(x^2)), 1e12) (ops.normalize); tf.keras and Keras 3.0-3.5
// x * rsqrt(max(sum(x^2), 1e-12)): they differ for vectors of norm below 1e-6.
std::vector<int> unit_normalization(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const std::vector<int64_t> axes = axis_list(ctx, static_cast<int64_t>(ctx.input_rank()));
  const bool new_rule =
      ctx.version().major > 3 || (ctx.version().major == 3 && ctx.version().minor >= 6);
  const int inv = extra::inverse_l2_norm(ctx, ctx.input(), axes, 1e-12, new_rule, "inv_norm");
  return {ctx.add("Mul", "normalized", {ctx.input(), inv})};
}

// Keras' batch_dot: x's axis a0 and y's axis a1 contracted, batch kept; the result holds x's
// other axes then y's, or [batch, 1] when none remain.
std::vector<int> dot(LayerContext& ctx) {
  ctx.expect_inputs(2, 2);
  const Shape xs = ctx.input_shape(0), ys = ctx.input_shape(1);
  const auto xr = static_cast<int64_t>(xs.size()), yr = static_cast<int64_t>(ys.size());
  if (xr < 2 || yr < 2) ctx.corrupt("Dot needs inputs of rank >= 2");
  const Json* a = ctx.find({"axes"});
  if (!a) ctx.corrupt("config has no axes");
  int64_t a0, a1;
  if (a->is_number_integer()) {
    a0 = a1 = a->get<int64_t>();
    if (a0 < 0) a0 = ((a0 % xr) + xr) % xr, a1 = ((a1 % yr) + yr) % yr;
  } else if (a->is_array() && a->size() == 2) {
    a0 = (*a)[0].get<int64_t>();
    a1 = (*a)[1].get<int64_t>();
    if (a0 < 0) a0 = ((a0 % xr) + xr) % xr;
    if (a1 < 0) a1 = ((a1 % yr) + yr) % yr;
  } else {
    ctx.corrupt("axes is neither an integer nor a pair: " + a->dump());
  }
  if (a0 <= 0 || a1 <= 0 || a0 >= xr || a1 >= yr)
    ctx.unsupported(
        fmt::format("axes ({}, {}) include the batch axis or are out of range", a0, a1));
  int x = ctx.input(0), y = ctx.input(1);
  if (ctx.get_bool({"normalize"}, false)) {
    // tf.keras: tf.linalg.l2_normalize (epsilon 1e-12 on the squared norm); Keras 3:
    // ops.normalize with backend.epsilon() = 1e-7 on the norm.
    const bool keras3 = ctx.version().major >= 3;
    const double eps = keras3 ? 1e-7 : 1e-12;
    x = ctx.add("Mul", "x_normalized",
                {x, extra::inverse_l2_norm(ctx, x, {a0}, eps, keras3, "x_inv_norm")});
    y = ctx.add("Mul", "y_normalized",
                {y, extra::inverse_l2_norm(ctx, y, {a1}, eps, keras3, "y_inv_norm")});
  }
  std::vector<int64_t> xperm, yperm = {0, a1}, x_rest, y_rest;
  for (int64_t d = 0; d < xr; ++d) {
    if (d != a0) xperm.push_back(d);
    if (d != a0 && d != 0) x_rest.push_back(xs[static_cast<std::size_t>(d)]);
  }
  xperm.push_back(a0);
  for (int64_t d = 1; d < yr; ++d) {
    if (d != a1) {
      yperm.push_back(d);
      y_rest.push_back(ys[static_cast<std::size_t>(d)]);
    }
  }
  const int64_t k = std::max(xs[static_cast<std::size_t>(a0)], ys[static_cast<std::size_t>(a1)]);
  if (a0 != xr - 1) x = extra::transpose(ctx, x, xperm, "x_contracted_last");
  if (a1 != 1) y = extra::transpose(ctx, y, yperm, "y_contracted_first");
  auto product = [](const std::vector<int64_t>& dims) {
    int64_t n = 1;
    for (int64_t d : dims) n = d < 0 ? -1 : n * d;
    return n;
  };
  // [B, X, K] x [B, K, Y] -> [B, X, Y]
  if (xr != 3) x = extra::reshape(ctx, x, reshape_target(ctx, {-1, product(x_rest), k}), "x_3d");
  if (yr != 3) y = extra::reshape(ctx, y, reshape_target(ctx, {-1, k, product(y_rest)}), "y_3d");
  const int out = ctx.add("MatMul", "MatMul", {x, y});
  std::vector<int64_t> shape = {-1};
  shape.insert(shape.end(), x_rest.begin(), x_rest.end());
  shape.insert(shape.end(), y_rest.begin(), y_rest.end());
  if (shape.size() == 1) shape.push_back(1);
  if (xr == 3 && yr == 3) return {out};
  return {extra::reshape(ctx, out, reshape_target(ctx, shape), "result_shape")};
}

}  // namespace

namespace extra {

LayerRows norm_layers() {
  return {
      {"GroupNormalization", group_normalization},
      {"Addons>GroupNormalization", group_normalization},
      {"UnitNormalization", unit_normalization},
      {"Dot", dot},
  };
}

}  // namespace extra

}  // namespace nnload::formats::keras
