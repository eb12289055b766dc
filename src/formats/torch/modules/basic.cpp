// torch.nn Linear, Identity, Flatten, the Dropout family (identity at inference), Embedding.
#include "formats/torch/modules/modules.hpp"
#include "ops/onnx_dtype.hpp"

namespace nnload::formats::torch {

namespace {

// y = x W^T + b on the last axis, for inputs of any rank.
std::vector<int> linear(ModuleContext& ctx) {
  graph::Attributes perm;
  perm.set("perm", std::vector<std::int64_t>{1, 0});
  const int w_t = ctx.add("Transpose", "weight_t", {ctx.required_parameter("weight")}, perm);
  int y = ctx.add("MatMul", "MatMul", {ctx.input(), w_t});
  if (const std::optional<int> bias = ctx.parameter("bias"))
    y = ctx.add("Add", "bias_add", {y, *bias});
  return {y};
}

std::vector<int> identity(ModuleContext& ctx) { return {ctx.input()}; }

// Merges dimensions start_dim..end_dim; the dimensions before stay (ONNX Reshape's 0).
std::vector<int> flatten(ModuleContext& ctx) {
  const auto rank = static_cast<std::int64_t>(ctx.input_rank());
  std::int64_t start = ctx.get_int("start_dim", 1);
  std::int64_t end = ctx.get_int("end_dim", -1);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  if (start < 0 || end >= rank || start > end)
    ctx.corrupt("start_dim/end_dim out of range for the input");
  if (end != rank - 1)
    ctx.unsupported("Flatten with end_dim before the last dimension is not supported yet");
  std::vector<std::int64_t> shape(static_cast<std::size_t>(start), 0);
  shape.push_back(-1);
  return {ctx.add("Reshape", "Reshape", {ctx.input(), ctx.int64s("shape", shape)})};
}

std::vector<int> embedding(ModuleContext& ctx) {
  if (!ctx.is_none("max_norm"))
    ctx.unsupported("max_norm renormalises weights at lookup; not supported");
  graph::Attributes cast;
  cast.set("to", ops::onnx_dtype_number(DType::i64));
  const int ids = ctx.add("Cast", "ids", {ctx.input()}, cast);
  graph::Attributes axis;
  axis.set("axis", std::int64_t{0});
  return {ctx.add("Gather", "Gather", {ctx.required_parameter("weight"), ids}, axis)};
}

}  // namespace

ModuleRows basic_modules() {
  return {
      {"torch.nn.modules.linear.Linear", linear},
      {"torch.nn.modules.linear.Identity", identity},
      {"torch.nn.modules.flatten.Flatten", flatten},
      {"torch.nn.modules.dropout.Dropout", identity},
      {"torch.nn.modules.dropout.Dropout1d", identity},
      {"torch.nn.modules.dropout.Dropout2d", identity},
      {"torch.nn.modules.dropout.Dropout3d", identity},
      {"torch.nn.modules.dropout.AlphaDropout", identity},
      {"torch.nn.modules.dropout.FeatureAlphaDropout", identity},
      {"torch.nn.modules.sparse.Embedding", embedding},
  };
}

}  // namespace nnload::formats::torch
