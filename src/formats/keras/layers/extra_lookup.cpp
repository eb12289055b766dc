// Keras IntegerLookup with its vocabulary in the config (output_mode "int", forward and
// inverted); StringLookup fails clearly: nnload has no string tensors.
#include "formats/keras/layers/extra_common.hpp"

namespace nnload::formats::keras {

namespace {

std::vector<int> integer_lookup(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const std::string mode = ctx.get_string({"output_mode"}, "int");
  if (mode != "int") ctx.unsupported("output_mode '" + mode + "' is not supported (int)");
  const Json* vocabulary = ctx.find({"vocabulary"});
  if (!vocabulary || !vocabulary->is_array()) {
    ctx.unsupported(
        "its vocabulary is not in the config (an adapted layer keeps it in the .keras file's "
        "assets, or a vocabulary file)");
  }
  const int64_t oov_count = ctx.get_int({"num_oov_indices"}, 1);
  if (oov_count < 0 || oov_count > 1)
    ctx.unsupported("num_oov_indices other than 0 or 1 (hashed OOV buckets) is not supported");
  const Json* mask_json = ctx.find({"mask_token"});
  const bool has_mask = mask_json != nullptr;
  const int64_t mask_token = has_mask ? mask_json->get<int64_t>() : 0;
  const int64_t oov_token = ctx.get_int({"oov_token"}, -1);

  // The index table: [mask], oov..., vocabulary (special tokens at the vocabulary's start are
  // dropped, as Keras' set_vocabulary does).
  std::vector<int64_t> special;
  if (has_mask) special.push_back(mask_token);
  for (int64_t i = 0; i < oov_count; ++i) special.push_back(oov_token);
  std::vector<int64_t> tokens;
  for (const Json& t : *vocabulary) {
    if (!t.is_number_integer()) ctx.corrupt("vocabulary holds a non-integer: " + t.dump());
    tokens.push_back(t.get<int64_t>());
  }
  if (tokens.size() >= special.size() && !special.empty() &&
      std::equal(special.begin(), special.end(), tokens.begin()))
    tokens.erase(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(special.size()));
  std::vector<int64_t> table = special;
  table.insert(table.end(), tokens.begin(), tokens.end());
  const auto size = static_cast<int64_t>(table.size());
  const auto first = static_cast<int64_t>(special.size());
  const int64_t oov_index = oov_count > 0 ? (has_mask ? 1 : 0) : -1;
  const int x = extra::cast(ctx, ctx.input(), DType::i64, "ids");

  if (ctx.get_bool({"invert"}, false)) {
    // index -> token; indices outside the table give the OOV token.
    const int clipped = ctx.add("Clip", "index_in_range",
                                {x, ctx.constant("zero", Tensor::scalar<int64_t>(0)),
                                 ctx.constant("last", Tensor::scalar<int64_t>(size - 1))});
    graph::Attributes axis0;
    axis0.set("axis", int64_t{0});
    const int token = ctx.add(
        "Gather", "token",
        {ctx.constant("table", Tensor::from_vector<int64_t>(table, {size})), clipped}, axis0);
    const int inside = ctx.add("Equal", "in_range", {clipped, x});
    return {
        ctx.add("Where", "lookup",
                {inside, token, ctx.constant("oov_token", Tensor::scalar<int64_t>(oov_token))})};
  }
  // token -> index: compare with every vocabulary entry; no match gives the OOV index.
  std::vector<int64_t> positions;
  for (int64_t i = 0; i < static_cast<int64_t>(tokens.size()); ++i) positions.push_back(first + i);
  const auto n = static_cast<int64_t>(tokens.size());
  const int matches =
      ctx.add("Equal", "matches",
              {extra::unsqueeze(ctx, x, {-1}, "ids_column"),
               ctx.constant("vocabulary", Tensor::from_vector<int64_t>(tokens, {n}))});
  const int index =
      ctx.add("Where", "index_if_match",
              {matches, ctx.constant("positions", Tensor::from_vector<int64_t>(positions, {n})),
               ctx.constant("no_match", Tensor::scalar<int64_t>(-1))});
  graph::Attributes drop;
  drop.set("keepdims", int64_t{0});
  int found = ctx.add("ReduceMax", "index", {index, ctx.int64s("last_axis", {-1})}, drop);
  const int missing =
      ctx.add("Less", "missing", {found, ctx.constant("zero", Tensor::scalar<int64_t>(0))});
  found = ctx.add("Where", "with_oov",
                  {missing, ctx.constant("oov_index", Tensor::scalar<int64_t>(oov_index)), found});
  if (has_mask) {
    const int is_mask = ctx.add(
        "Equal", "is_mask", {x, ctx.constant("mask_token", Tensor::scalar<int64_t>(mask_token))});
    found = ctx.add("Where", "with_mask",
                    {is_mask, ctx.constant("mask_index", Tensor::scalar<int64_t>(0)), found});
  }
  return {found};
}

std::vector<int> string_lookup(LayerContext& ctx) {
  ctx.unsupported(
      "StringLookup maps strings, and nnload has no string tensors: feed the token indices to "
      "the model instead and remove the layer");
}

}  // namespace

namespace extra {

LayerRows lookup_layers() {
  return {
      {"IntegerLookup", integer_lookup},
      {"StringLookup", string_lookup},
  };
}

}  // namespace extra

}  // namespace nnload::formats::keras
