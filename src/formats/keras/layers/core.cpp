// Keras core layers: Dense, Activation, the dropout/noise family (identity at inference),
// Flatten, Reshape, Permute, RepeatVector, Embedding.
#include "core/fail.hpp"
#include "formats/keras/layers/layers.hpp"
#include "graph/shape_probe.hpp"

namespace nnload::formats::keras {

namespace {

std::vector<int> dense(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const bool use_bias = ctx.get_bool({"use_bias", "bias"}, true);
  ctx.expect_weights(use_bias ? 2 : 1, use_bias ? "kernel, bias" : "kernel");
  const Shape& kernel = ctx.weight_tensor(0, "kernel").shape();
  const int64_t units = ctx.get_int({"units", "output_dim"}, kernel.empty() ? 0 : kernel.back());
  if (kernel.size() != 2 || kernel[1] != units) {
    ctx.corrupt("kernel has shape " + shape_to_list(kernel) + ", expected [in, " +
                std::to_string(units) + "] for units " + std::to_string(units));
  }
  if (use_bias && ctx.weight_tensor(1, "bias").shape() != Shape{units}) {
    ctx.corrupt("bias has shape " + shape_to_list(ctx.weight_tensor(1, "bias").shape()) +
                ", expected [" + std::to_string(units) + "]");
  }
  // A config whose input width differs from the kernel's rows: caught here rather than at the
  // first prediction.
  const std::optional<Shape> in = graph::probe_shape(ctx.graph(), ctx.input());
  if (in && !in->empty() && in->back() >= 0 && in->back() != kernel[0]) {
    fail(ErrorCode::shape, "layer '{}' (Dense): input has {} features, the kernel {} rows",
         ctx.layer().name, in->back(), kernel[0]);
  }
  int y = ctx.add("MatMul", "MatMul", {ctx.input(), ctx.weight(0, "kernel")});
  if (use_bias) y = ctx.add("Add", "bias_add", {y, ctx.weight(1, "bias")});
  return {ctx.config_activation(y)};
}

std::vector<int> activation(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  return {ctx.config_activation(ctx.input())};
}

// Dropout and noise layers only act while training.
std::vector<int> identity(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  return {ctx.input()};
}

std::vector<int> flatten(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  int x = ctx.input();
  // With data_format channels_first Keras moves channels last before flattening, so that the
  // following Dense sees the same order in either format.
  if (ctx.channels_first()) {
    const auto rank = static_cast<int64_t>(ctx.input_rank());
    if (rank > 2) {
      std::vector<int64_t> perm = {0};
      for (int64_t d = 2; d < rank; ++d) perm.push_back(d);
      perm.push_back(1);
      graph::Attributes a;
      a.set("perm", perm);
      x = ctx.add("Transpose", "to_channels_last", {x}, a);
    }
  }
  graph::Attributes a;
  a.set("axis", int64_t{1});
  return {ctx.add("Flatten", "Flatten", {x}, a)};
}

std::vector<int> reshape(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const Json* target = ctx.find({"target_shape", "dims"});
  if (!target || !target->is_array()) ctx.corrupt("config has no target_shape list");
  std::vector<int64_t> shape = {0};  // ONNX Reshape: 0 keeps the batch dimension
  for (const Json& d : *target) {
    if (!d.is_number_integer()) ctx.corrupt("target_shape holds a non-integer: " + target->dump());
    shape.push_back(d.get<int64_t>());
  }
  return {ctx.add("Reshape", "Reshape", {ctx.input(), ctx.int64s("shape", shape)})};
}

std::vector<int> permute(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const Json* dims = ctx.find({"dims"});
  if (!dims || !dims->is_array()) ctx.corrupt("config has no dims list");
  std::vector<int64_t> perm = {0};
  for (const Json& d : *dims) perm.push_back(d.get<int64_t>());  // Keras' dims are 1-based
  graph::Attributes a;
  a.set("perm", perm);
  return {ctx.add("Transpose", "Transpose", {ctx.input()}, a)};
}

std::vector<int> repeat_vector(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const int64_t n = ctx.get_int({"n"});
  const int expanded = ctx.add("Unsqueeze", "Unsqueeze", {ctx.input(), ctx.int64s("axes", {1})});
  return {ctx.add("Expand", "Expand", {expanded, ctx.int64s("shape", {1, n, 1})})};
}

std::vector<int> embedding(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  ctx.expect_weights(1, "embeddings");
  const Shape& table = ctx.weight_tensor(0, "embeddings").shape();
  const Shape expected = {ctx.get_int({"input_dim"}, table.empty() ? 0 : table[0]),
                          ctx.get_int({"output_dim"}, table.size() < 2 ? 0 : table[1])};
  if (table != expected) {
    ctx.corrupt("embeddings have shape " + shape_to_list(table) + ", expected " +
                shape_to_list(expected) + " (input_dim, output_dim)");
  }
  int ids = ctx.input();
  // Keras feeds embeddings from float32 inputs by default; Gather wants integer indices.
  if (ctx.graph().value(ids).dtype != DType::i32 && ctx.graph().value(ids).dtype != DType::i64) {
    graph::Attributes a;
    a.set("to", int64_t{7});  // ONNX INT64
    ids = ctx.add("Cast", "ids_to_int", {ids}, a);
  }
  graph::Attributes a;
  a.set("axis", int64_t{0});
  const int y = ctx.add("Gather", "Gather", {ctx.weight(0, "embeddings"), ids}, a);
  if (ctx.get_bool({"mask_zero"}, false)) {  // Keras' mask: ids != 0, on the ids as given
    const int zero = ctx.add("CastLike", "mask_zero", {ctx.scalar("zero", 0.0f), ctx.input()});
    ctx.set_output_mask(0,
                        ctx.add("Not", "mask", {ctx.add("Equal", "is_zero", {ctx.input(), zero})}));
  }
  return {y};
}

}  // namespace

LayerRows core_layers() {
  return {
      {"Dense", dense},
      {"Activation", activation},
      {"Dropout", identity},
      {"SpatialDropout1D", identity},
      {"SpatialDropout2D", identity},
      {"SpatialDropout3D", identity},
      {"GaussianNoise", identity},
      {"GaussianDropout", identity},
      {"AlphaDropout", identity},
      {"ActivityRegularization", identity},
      {"Flatten", flatten},
      {"Reshape", reshape},
      {"Permute", permute},
      {"RepeatVector", repeat_vector},
      {"Embedding", embedding},
  };
}

}  // namespace nnload::formats::keras
