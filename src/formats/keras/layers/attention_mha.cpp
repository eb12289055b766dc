// Keras MultiHeadAttention (tf.keras 2.4+ and Keras 3): EinsumDense projections as MatMuls on
// [dim, heads * size] kernels, scaled dot-product attention per head over the attention axes,
// Keras' masked softmax (query/value/key Keras masks, attention_mask, use_causal_mask), the
// output projection, and the attention scores as a second output when the call asks for them.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "formats/keras/layers/extra_common.hpp"

namespace nnload::formats::keras {

namespace {

using extra::reshape;
using extra::transpose;

struct Projection {
  int kernel = -1;
  int bias = -1;
  Shape kernel_shape;
};

int64_t product(const std::vector<int64_t>& v) {
  return std::accumulate(v.begin(), v.end(), int64_t{1}, std::multiplies<>());
}

// x [..., dim] -> [..., heads, size] through the EinsumDense kernel [dim, heads, size].
int project(LayerContext& ctx, int x, std::size_t rank, const Projection& p, const char* name) {
  const std::string n(name);
  const int64_t out = p.kernel_shape[1] * p.kernel_shape[2];
  int y =
      ctx.add("MatMul", n, {x, reshape(ctx, p.kernel, {p.kernel_shape[0], out}, n + "_kernel_2d")});
  if (p.bias >= 0)
    y = ctx.add("Add", n + "_bias", {y, reshape(ctx, p.bias, {out}, n + "_bias_1d")});
  std::vector<int64_t> shape(rank - 1, 0);
  shape.push_back(p.kernel_shape[1]);
  shape.push_back(p.kernel_shape[2]);
  return reshape(ctx, y, shape, n + "_heads");
}

// The Keras masks that apply, merged as Keras' _compute_attention_mask does; -1 for none.
int attention_mask(LayerContext& ctx, int query, int value, int query_mask, int value_mask,
                   int key_mask) {
  int mask = -1;
  if (query_mask >= 0) mask = extra::unsqueeze(ctx, query_mask, {-1}, "query_mask");
  if (value_mask >= 0)
    mask = extra::and_masks(ctx, mask, extra::unsqueeze(ctx, value_mask, {-2}, "value_mask"),
                            "and_value_mask");
  if (key_mask >= 0)
    mask = extra::and_masks(ctx, mask, extra::unsqueeze(ctx, key_mask, {-2}, "key_mask"),
                            "and_key_mask");
  if (extra::call_flag(ctx, "use_causal_mask"))
    mask = extra::and_masks(ctx, mask, extra::causal_mask(ctx, query, 1, value, 1, "causal_mask"),
                            "and_causal_mask");
  const std::vector<int> explicit_mask = ctx.kwarg_values("attention_mask");
  if (!explicit_mask.empty())
    mask = extra::and_masks(ctx, explicit_mask[0], mask, "and_attention_mask");
  return mask;
}

// An attention_mask [B, T..., S...] for several attention axes (Keras expands it before the
// query axes until it has the scores' rank [B, other..., heads, T..., S...]) as the flattened
// scores' [B, other..., heads, T, S]: expanded to the full T... and S... extents, then merged.
int flatten_mask(LayerContext& ctx, int mask, int query, int value,
                 const std::vector<int64_t>& axes, std::size_t batch_rank) {
  const Shape q_shape = extra::shape_of(ctx, query), v_shape = extra::shape_of(ctx, value);
  std::vector<int64_t> target(batch_rank, 1);
  int64_t t = 1, s = 1;
  for (const Shape* shape : {&q_shape, &v_shape}) {
    for (int64_t a : axes) {
      const int64_t d = (*shape)[static_cast<std::size_t>(a)];
      if (d < 0) ctx.unsupported("a mask with several attention axes needs their sizes known");
      target.push_back(d);
      (shape == &q_shape ? t : s) *= d;
    }
  }
  const std::size_t full_rank = target.size();
  const auto mask_axis = -static_cast<int64_t>(2 * axes.size()) - 1;
  const std::size_t rank = extra::shape_of(ctx, mask).size();
  if (rank > full_rank)
    ctx.corrupt(
        fmt::format("the attention mask has rank {}, expected at most {}", rank, full_rank));
  for (std::size_t i = rank; i < full_rank; ++i)
    mask = extra::unsqueeze(ctx, mask, {mask_axis}, "mask_expand_" + std::to_string(i));
  mask = ctx.add("Expand", "mask_full",
                 {mask, ctx.int64s("mask_full_shape", std::vector<int64_t>(target))});
  std::vector<int64_t> flat(batch_rank, 0);
  flat.push_back(t);
  flat.push_back(s);
  return extra::reshape(ctx, mask, flat, "mask_flat");
}

std::vector<int> multi_head_attention(LayerContext& ctx) {
  // query, value[, key]: positionally, or by keyword (Keras 3 writes what the user wrote).
  auto argument = [&](std::size_t position, const char* keyword) {
    if (ctx.input_count() > position)
      return std::pair{ctx.input(position), ctx.input_mask(position)};
    const std::vector<int> v = ctx.kwarg_values(keyword);
    return v.empty() ? std::pair{-1, -1} : std::pair{v[0], ctx.kwarg_mask(keyword)};
  };
  const auto [query, query_mask] = argument(0, "query");
  const auto [value, value_mask] = argument(1, "value");
  auto [key, key_mask] = argument(2, "key");
  if (query < 0 || value < 0) ctx.corrupt("is called without query and value tensors");
  if (key < 0) key = value;
  if (ctx.get_bool({"use_gate"}, false)) ctx.unsupported("use_gate=True is not supported");
  if (ctx.find({"sliding_window"})) ctx.unsupported("sliding_window is not supported");

  const bool use_bias = ctx.get_bool({"use_bias"}, true);
  ctx.expect_weights(use_bias ? 8 : 4, "query, key, value and output kernels (and biases)");
  const std::size_t step = use_bias ? 2 : 1;
  auto weights = [&](std::size_t i, const char* role) {
    Projection p;
    p.kernel = ctx.weight(i * step, role);
    p.kernel_shape = ctx.weight_tensor(i * step, role).shape();
    if (use_bias) p.bias = ctx.weight(i * step + 1, role);
    return p;
  };
  const Projection wq = weights(0, "query_kernel"), wk = weights(1, "key_kernel"),
                   wv = weights(2, "value_kernel"), wo = weights(3, "output_kernel");
  const int64_t heads = ctx.get_int({"num_heads"});
  const int64_t key_dim = ctx.get_int({"key_dim"});
  for (const Projection* p : {&wq, &wk, &wv}) {
    if (p->kernel_shape.size() != 3 || p->kernel_shape[1] != heads)
      ctx.corrupt("a projection kernel has shape " + shape_to_list(p->kernel_shape) +
                  ", expected [dim, num_heads, size]");
  }
  if (wo.kernel_shape.size() < 3 || wo.kernel_shape[0] != heads ||
      wo.kernel_shape[1] != wv.kernel_shape[2])
    ctx.corrupt("the output kernel has shape " + shape_to_list(wo.kernel_shape) +
                ", expected [num_heads, value_dim, output...]");

  const std::size_t rank = extra::shape_of(ctx, query).size();  // projections: rank + 1
  const auto r = static_cast<int64_t>(rank);
  std::vector<int64_t> axes;  // attention axes of the query (1 .. rank-2)
  if (const Json* a = ctx.find({"attention_axes"})) {
    for (const Json& v : a->is_array() ? *a : Json::array({*a})) {
      int64_t axis = v.get<int64_t>();
      if (axis < 0) axis += r;  // Keras 3: (projected rank - 1) + axis
      if (axis < 1 || axis > r - 2)
        ctx.unsupported("attention axis " + v.dump() + " is not a sequence axis of the query");
      axes.push_back(axis);
    }
  } else {
    for (int64_t axis = 1; axis <= r - 2; ++axis) axes.push_back(axis);
  }
  if (axes.empty()) ctx.corrupt("the query has rank " + std::to_string(rank) + ", expected >= 3");

  // Projected tensors [B, <dims>, heads, size]: batch dims (heads included) first, then the
  // attention axes, then the size axis.
  std::vector<int64_t> batch_dims;
  for (int64_t d = 0; d < r; ++d) {
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) batch_dims.push_back(d);
  }
  std::vector<int64_t> perm = batch_dims;
  perm.insert(perm.end(), axes.begin(), axes.end());
  perm.push_back(r);
  // Several attention axes are flattened into one: [batch dims..., positions, size].
  auto to_rows = [&](int x, int64_t size, const std::string& name) {
    const int t = transpose(ctx, x, perm, name + "_transpose");
    if (axes.size() == 1) return t;
    std::vector<int64_t> shape(batch_dims.size(), 0);
    shape.push_back(-1);
    shape.push_back(size);
    return reshape(ctx, t, shape, name + "_rows");
  };

  int q = project(ctx, query, rank, wq, "query");
  q = ctx.add("Mul", "query_scale",
              {q, ctx.scalar("inverse_sqrt_key_dim",
                             static_cast<float>(1.0 / std::sqrt(static_cast<double>(key_dim))))});
  q = to_rows(q, wq.kernel_shape[2], "query");
  const int k = to_rows(project(ctx, key, rank, wk, "key"), wk.kernel_shape[2], "key");
  const int v = to_rows(project(ctx, value, rank, wv, "value"), wv.kernel_shape[2], "value");
  std::vector<int64_t> swap(batch_dims.size() + 2);
  std::iota(swap.begin(), swap.end(), 0);
  std::swap(swap[swap.size() - 1], swap[swap.size() - 2]);
  int scores = ctx.add("MatMul", "scores", {q, transpose(ctx, k, swap, "key_t")});

  // Keras masks and use_causal_mask came with tf.keras 2.10; earlier versions use
  // attention_mask alone.
  const KerasVersion& version = ctx.version();
  const bool keras_masks = version.major >= 3 || (version.major == 2 && version.minor >= 10);
  int mask = -1;
  if (axes.size() > 1 && keras_masks &&
      (query_mask >= 0 || value_mask >= 0 || key_mask >= 0 ||
       extra::call_flag(ctx, "use_causal_mask"))) {
    // Keras builds these masks for one sequence axis ([B, T, 1], [B, 1, S], [1, T, S]).
    ctx.unsupported(
        "Keras masks and use_causal_mask with several attention axes are not supported");
  }
  if (keras_masks && axes.size() == 1) {
    mask = attention_mask(ctx, query, value, query_mask, value_mask, key_mask);
  } else if (!ctx.kwarg_values("attention_mask").empty()) {
    mask = ctx.kwarg_values("attention_mask")[0];
  }
  if (mask >= 0) {
    if (axes.size() > 1) {
      mask = flatten_mask(ctx, mask, query, value, axes, batch_dims.size());
    } else {
      // Keras expands the mask from the heads axis on until it has the scores' rank.
      const std::size_t scores_rank = batch_dims.size() + 2;
      for (std::size_t i = extra::shape_of(ctx, mask).size(); i < scores_rank; ++i)
        mask = extra::unsqueeze(ctx, mask, {-3}, "mask_expand_" + std::to_string(i));
    }
    scores = extra::mask_scores(ctx, scores, mask, "masked_scores");
  }
  graph::Attributes last;
  last.set("axis", int64_t{-1});
  const int probs = ctx.add("Softmax", "softmax", {scores}, last);
  int out = ctx.add("MatMul", "context", {probs, v});
  std::vector<int64_t> inverse(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i)
    inverse[static_cast<std::size_t>(perm[i])] = static_cast<int64_t>(i);
  if (axes.size() > 1) {
    const Shape q_shape = extra::shape_of(ctx, query);
    std::vector<int64_t> unflat(batch_dims.size(), 0);
    for (int64_t a : axes) unflat.push_back(q_shape[static_cast<std::size_t>(a)]);
    unflat.push_back(wv.kernel_shape[2]);
    out = reshape(ctx, out, unflat, "context_dims");
  }
  out = transpose(ctx, out, inverse, "context_heads");

  // Output projection [heads, value_dim, out...]: heads and value_dim contracted.
  std::vector<int64_t> merged(rank - 1, 0);
  merged.push_back(heads * wv.kernel_shape[2]);
  out = reshape(ctx, out, merged, "context_merged");
  const std::vector<int64_t> out_dims(wo.kernel_shape.begin() + 2, wo.kernel_shape.end());
  out = ctx.add(
      "MatMul", "output",
      {out, reshape(ctx, wo.kernel, {merged.back(), product(out_dims)}, "output_kernel_2d")});
  std::vector<int64_t> out_shape(rank - 1, 0);
  out_shape.insert(out_shape.end(), out_dims.begin(), out_dims.end());
  if (out_dims.size() != 1) out = reshape(ctx, out, out_shape, "output_dims");
  if (wo.bias >= 0) out = ctx.add("Add", "output_bias", {out, wo.bias});
  if (query_mask >= 0) ctx.set_output_mask(0, query_mask);

  if (!extra::call_flag(ctx, "return_attention_scores")) return {out};
  int scores_out = probs;
  if (axes.size() > 1) {
    const Shape q_shape = extra::shape_of(ctx, query);
    const Shape v_shape = extra::shape_of(ctx, value);
    std::vector<int64_t> dims(batch_dims.size(), 0);
    for (int64_t a : axes) dims.push_back(q_shape[static_cast<std::size_t>(a)]);
    for (int64_t a : axes) dims.push_back(v_shape[static_cast<std::size_t>(a)]);
    scores_out = reshape(ctx, probs, dims, "scores_dims");
  }
  return {out, scores_out};
}

}  // namespace

LayerRows attention_mha_layers() { return {{"MultiHeadAttention", multi_head_attention}}; }

}  // namespace nnload::formats::keras
