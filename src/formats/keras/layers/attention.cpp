// Keras attention layers: Attention (Luong: dot or concat scores, use_scale), AdditiveAttention
// (Bahdanau), on [query, value(, key)] with the query/value Keras masks and causal masks;
// MultiHeadAttention is in attention_mha.cpp.
#include "formats/keras/layers/extra_common.hpp"

namespace nnload::formats::keras {

LayerRows attention_mha_layers();  // attention_mha.cpp

namespace {

struct Inputs {
  int query = -1, value = -1, key = -1;
  int query_mask = -1, value_mask = -1;
};

// [query, value(, key)] as the call's list; masks from the call's `mask` list when given, else
// the inputs' Keras masks (as Keras fills in the mask argument).
Inputs attention_inputs(LayerContext& ctx) {
  ctx.expect_inputs(2, 3);
  Inputs in;
  in.query = ctx.input(0);
  in.value = ctx.input(1);
  in.key = ctx.input_count() > 2 ? ctx.input(2) : in.value;
  in.query_mask = ctx.input_mask(0);
  in.value_mask = ctx.input_mask(1);
  const std::vector<int> explicit_masks = extra::kwarg_list(ctx, "mask");
  if (!explicit_masks.empty()) {
    in.query_mask = explicit_masks[0];
    in.value_mask = explicit_masks.size() > 1 ? explicit_masks[1] : -1;
  }
  return in;
}

// Keras' _apply_scores and the query mask: masked softmax over the keys, the weighted sum of
// the values, zeros at masked query positions.
std::vector<int> apply_scores(LayerContext& ctx, const Inputs& in, int scores) {
  int mask = in.value_mask >= 0 ? extra::unsqueeze(ctx, in.value_mask, {-2}, "value_mask") : -1;
  // tf.keras before 2.10 took `causal` in the config; later versions take use_causal_mask.
  if (extra::call_flag(ctx, "use_causal_mask") || ctx.get_bool({"causal"}, false)) {
    mask = extra::and_masks(ctx, mask, extra::causal_mask(ctx, scores, -2, scores, -1, "causal"),
                            "scores_mask");
  }
  if (mask >= 0) scores = extra::mask_scores(ctx, scores, mask, "masked_scores");
  graph::Attributes last;
  last.set("axis", int64_t{-1});
  const int weights = ctx.add("Softmax", "softmax", {scores}, last);
  int result = ctx.add("MatMul", "weighted_values", {weights, in.value});
  if (in.query_mask >= 0) {
    const int keep = extra::cast(ctx, extra::unsqueeze(ctx, in.query_mask, {-1}, "query_mask"),
                                 DType::f32, "query_mask_float");
    result = ctx.add("Mul", "masked_result", {result, keep});
    ctx.set_output_mask(0, in.query_mask);
  }
  if (extra::call_flag(ctx, "return_attention_scores")) return {result, weights};
  return {result};
}

// query [B, Tq, 1, dim] + key [B, 1, Tv, dim].
int pairwise_sum(LayerContext& ctx, const Inputs& in) {
  return ctx.add("Add", "query_plus_key",
                 {extra::unsqueeze(ctx, in.query, {-2}, "query_rows"),
                  extra::unsqueeze(ctx, in.key, {-3}, "key_columns")});
}

int sum_last(LayerContext& ctx, int x, const std::string& step) {
  graph::Attributes a;
  a.set("keepdims", int64_t{0});
  return ctx.add("ReduceSum", step, {x, ctx.int64s(step + "_axes", {-1})}, a);
}

std::vector<int> attention(LayerContext& ctx) {
  const Inputs in = attention_inputs(ctx);
  const bool use_scale = ctx.get_bool({"use_scale"}, false);
  const std::string mode = ctx.get_string({"score_mode"}, "dot");
  if (mode != "dot" && mode != "concat")
    ctx.unsupported("score_mode '" + mode + "' is not supported (dot, concat)");
  const bool concat = mode == "concat";
  ctx.expect_weights((use_scale ? 1 : 0) + (concat ? 1 : 0),
                     "[scale], [concat_score_weight] (scalars)");
  const int scale = use_scale ? ctx.weight(0, "scale") : -1;
  int scores;
  if (!concat) {
    const int key_t = extra::transpose(ctx, in.key, {0, 2, 1}, "key_t");
    scores = ctx.add("MatMul", "scores", {in.query, key_t});
    if (scale >= 0) scores = ctx.add("Mul", "scaled_scores", {scores, scale});
  } else {
    int sum = pairwise_sum(ctx, in);
    if (scale >= 0) sum = ctx.add("Mul", "scaled_sum", {scale, sum});
    scores = sum_last(ctx, ctx.add("Tanh", "tanh", {sum}), "sum_tanh");
    scores =
        ctx.add("Mul", "scores", {ctx.weight(use_scale ? 1 : 0, "concat_score_weight"), scores});
  }
  return apply_scores(ctx, in, scores);
}

std::vector<int> additive_attention(LayerContext& ctx) {
  const Inputs in = attention_inputs(ctx);
  const bool use_scale = ctx.get_bool({"use_scale"}, true);
  ctx.expect_weights(use_scale ? 1 : 0, use_scale ? "scale [dim]" : "none");
  int terms = ctx.add("Tanh", "tanh", {pairwise_sum(ctx, in)});
  if (use_scale) terms = ctx.add("Mul", "scaled_tanh", {ctx.weight(0, "scale"), terms});
  return apply_scores(ctx, in, sum_last(ctx, terms, "scores"));
}

}  // namespace

LayerRows attention_layers() {
  LayerRows rows = {
      {"Attention", attention},
      {"AdditiveAttention", additive_attention},
  };
  for (const auto& row : attention_mha_layers()) rows.push_back(row);
  return rows;
}

}  // namespace nnload::formats::keras
