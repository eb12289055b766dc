// TensorFlow nn ops: activations, Softmax/LogSoftmax (last axis), BiasAdd (NHWC or NCHW) and
// inference FusedBatchNorm (V1-V3) as a per-channel scale and shift; convolutions and pools
// are in conv_ops.cpp.
#include <fmt/format.h>

#include "formats/savedmodel/ops/builder_helpers.hpp"
#include "formats/savedmodel/ops/families.hpp"

namespace nnload::formats::savedmodel {

namespace {

std::vector<int> activation(TfOpContext& ctx, const char* onnx_op, graph::Attributes a = {}) {
  ctx.expect_inputs(1, 1);
  return {ctx.add(onnx_op, onnx_op, {ctx.input(0)}, std::move(a))};
}

std::vector<int> relu6(TfOpContext& ctx) {
  ctx.expect_inputs(1, 1);
  const DType t = ctx.attr_dtype("T", DType::f32);
  return {ctx.add("Clip", "Clip",
                  {ctx.input(0), typed_scalar(ctx, "zero", t, 0), typed_scalar(ctx, "six", t, 6)})};
}

std::vector<int> elu(TfOpContext& ctx) {
  graph::Attributes a;
  a.set("alpha", 1.0);
  return activation(ctx, "Elu", a);
}

// TensorFlow's constants, which ONNX's defaults round to float.
std::vector<int> selu(TfOpContext& ctx) {
  graph::Attributes a;
  a.set("alpha", 1.6732632423543772848170429916717);
  a.set("gamma", 1.0507009873554804934193349852946);
  return activation(ctx, "Selu", a);
}

std::vector<int> leaky_relu(TfOpContext& ctx) {
  graph::Attributes a;
  a.set("alpha", static_cast<double>(ctx.attr_float("alpha", 0.2f)));
  return activation(ctx, "LeakyRelu", a);
}

std::vector<int> last_axis(TfOpContext& ctx, const char* onnx_op) {
  graph::Attributes a;
  a.set("axis", std::int64_t{-1});
  return activation(ctx, onnx_op, a);
}

// NHWC adds the bias along the last axis (plain broadcasting); NCHW along axis 1 whatever the
// rank (TensorFlow's kernel), so the bias becomes [C, 1, ..., 1].
std::vector<int> bias_add(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  const std::string format =
      ctx.op() == "BiasAddV1" ? "NHWC" : ctx.attr_string("data_format", "NHWC");
  int bias = ctx.input(1);
  if (format == "NCHW") {
    bias = align_axes(ctx, bias, ctx.input(0), 1, "bias_at_axis1");
  } else if (format != "NHWC") {
    ctx.unsupported(fmt::format("data_format '{}' is not supported (NHWC or NCHW are)", format));
  }
  return {ctx.add("Add", "BiasAdd", {ctx.input(0), bias})};
}

// Inference batch normalization: y = x * a + b with a = scale / sqrt(variance + epsilon) and
// b = offset - mean * a, which fold to constants at load and into a preceding convolution.
// The statistics outputs repeat the mean and variance, as TensorFlow's inference kernel does.
std::vector<int> fused_batch_norm(TfOpContext& ctx) {
  ctx.expect_inputs(5, 5);
  if (ctx.attr_bool("is_training", true)) {
    ctx.unsupported(
        "is_training=true (batch statistics) is not supported; nnload runs "
        "inference graphs, which set is_training=false");
  }
  const std::string format = ctx.attr_string("data_format", "NHWC");
  const bool channels_first = format == "NCHW" || format == "NCDHW";
  if (!channels_first && format != "NHWC" && format != "NDHWC")
    ctx.unsupported(fmt::format("data_format '{}' is not supported", format));
  const int x = ctx.input(0), scale = ctx.input(1), offset = ctx.input(2), mean = ctx.input(3),
            variance = ctx.input(4);
  const float epsilon = ctx.attr_float("epsilon", 0.0001f);
  const int shifted_var =
      ctx.add("Add", "variance_plus_epsilon", {variance, ctx.scalar("epsilon", epsilon)});
  int a = ctx.add("Div", "scale", {scale, ctx.add("Sqrt", "stddev", {shifted_var})});
  int b = ctx.add("Sub", "shift", {offset, ctx.add("Mul", "mean_scaled", {mean, a})});
  if (channels_first) {
    std::vector<std::int64_t> per_channel(format == "NCDHW" ? 4 : 3, 1);
    per_channel[0] = -1;
    const int shape = ctx.int64s("per_channel_shape", per_channel);
    a = ctx.add("Reshape", "scale_per_channel", {a, shape});
    b = ctx.add("Reshape", "shift_per_channel", {b, shape});
  }
  const int y = ctx.add("Add", "y", {ctx.add("Mul", "scaled", {x, a}), b});
  std::vector<int> outputs = {y, mean, variance, mean, variance};
  if (ctx.op() == "FusedBatchNormV3") outputs.push_back(mean);
  return outputs;
}

}  // namespace

TfOpRows tf_nn_ops() {
  TfOpRows rows = {
      {"Relu", [](TfOpContext& c) { return activation(c, "Relu"); }},
      {"Relu6", relu6},
      {"Elu", elu},
      {"Selu", selu},
      {"LeakyRelu", leaky_relu},
      {"Softplus", [](TfOpContext& c) { return activation(c, "Softplus"); }},
      {"Softsign", [](TfOpContext& c) { return activation(c, "Softsign"); }},
      {"Softmax", [](TfOpContext& c) { return last_axis(c, "Softmax"); }},
      {"LogSoftmax", [](TfOpContext& c) { return last_axis(c, "LogSoftmax"); }},
      {"BiasAdd", bias_add},
      {"BiasAddV1", bias_add},
      {"FusedBatchNorm", fused_batch_norm},
      {"FusedBatchNormV2", fused_batch_norm},
      {"FusedBatchNormV3", fused_batch_norm},
  };
  for (auto& row : tf_conv_rows()) rows.push_back(row);
  return rows;
}

}  // namespace nnload::formats::savedmodel
