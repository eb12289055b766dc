// torch.nn BatchNorm1d/2d/3d (eval: running statistics), LayerNorm, GroupNorm.
#include "formats/torch/modules/modules.hpp"

namespace nnload::formats::torch {

namespace {

// A constant of `n` copies of `value`, for affine=False modules.
int filled(ModuleContext& ctx, const std::string& step, std::int64_t n, float value) {
  return ctx.graph().add_constant(
      ctx.node_name(step),
      Tensor::from_vector<float>(std::vector<float>(static_cast<std::size_t>(n), value), {n}));
}

std::vector<int> batch_norm(ModuleContext& ctx) {
  const std::optional<int> mean = ctx.buffer("running_mean");
  const std::optional<int> var = ctx.buffer("running_var");
  if (!mean || !var) {
    ctx.unsupported(
        "track_running_stats=False normalises with batch statistics at inference; not supported");
  }
  const std::int64_t c = ctx.get_int("num_features");
  const int scale = ctx.parameter("weight").value_or(-1);
  const int bias = ctx.parameter("bias").value_or(-1);
  graph::Attributes a;
  a.set("epsilon", ctx.get_float("eps", 1e-5));
  return {ctx.add("BatchNormalization", "BatchNormalization",
                  {ctx.input(), scale >= 0 ? scale : filled(ctx, "ones", c, 1.0f),
                   bias >= 0 ? bias : filled(ctx, "zeros", c, 0.0f), *mean, *var},
                  a)};
}

std::vector<int> layer_norm(ModuleContext& ctx) {
  const io::pickle::Value* shape = ctx.attribute("normalized_shape");
  if (!shape || (shape->kind != io::pickle::Kind::tuple && shape->kind != io::pickle::Kind::list)) {
    ctx.corrupt("normalized_shape is missing");
  }
  std::int64_t n = 1;
  for (const io::pickle::Value* d : shape->items) n *= d->is_int() ? d->as_int() : 1;
  std::vector<std::int64_t> dims;
  for (const io::pickle::Value* d : shape->items) dims.push_back(d->as_int());
  graph::Attributes a;
  a.set("axis", -static_cast<std::int64_t>(dims.size()));
  a.set("epsilon", ctx.get_float("eps", 1e-5));
  const int ones =
      ctx.add("Reshape", "ones_shape", {filled(ctx, "ones", n, 1.0f), ctx.int64s("dims", dims)});
  const int scale = ctx.parameter("weight").value_or(ones);
  std::vector<int> inputs = {ctx.input(), scale};
  if (const std::optional<int> bias = ctx.parameter("bias")) inputs.push_back(*bias);
  return {ctx.add("LayerNormalization", "LayerNormalization", inputs, a)};
}

std::vector<int> group_norm(ModuleContext& ctx) {
  const std::int64_t c = ctx.get_int("num_channels");
  graph::Attributes a;
  a.set("num_groups", ctx.get_int("num_groups"));
  a.set("epsilon", ctx.get_float("eps", 1e-5));
  const int scale = ctx.parameter("weight").value_or(-1);
  const int bias = ctx.parameter("bias").value_or(-1);
  // GroupNormalization at opset 21 takes per-channel scale and bias, as torch does.
  return {ctx.add("GroupNormalization", "GroupNormalization",
                  {ctx.input(), scale >= 0 ? scale : filled(ctx, "ones", c, 1.0f),
                   bias >= 0 ? bias : filled(ctx, "zeros", c, 0.0f)},
                  a)};
}

}  // namespace

ModuleRows norm_modules() {
  return {
      {"torch.nn.modules.batchnorm.BatchNorm1d", batch_norm},
      {"torch.nn.modules.batchnorm.BatchNorm2d", batch_norm},
      {"torch.nn.modules.batchnorm.BatchNorm3d", batch_norm},
      {"torch.nn.modules.normalization.LayerNorm", layer_norm},
      {"torch.nn.modules.normalization.GroupNorm", group_norm},
  };
}

}  // namespace nnload::formats::torch
