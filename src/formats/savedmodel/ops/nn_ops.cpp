// TensorFlow nn ops: activations, Softmax/LogSoftmax (last axis), BiasAdd (NHWC or NCHW),
// FusedBatchNorm (V1-V3; inference as a per-channel scale and shift, training mode with batch
// statistics, as Keras's LayerNormalization uses it); convolutions and pools are in
// conv_ops.cpp.
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

struct BatchNormLayout {
  bool channels_first = false;
  std::size_t rank = 4;
};

BatchNormLayout batch_norm_layout(TfOpContext& ctx) {
  const std::string format = ctx.attr_string("data_format", "NHWC");
  if (format == "NHWC" || format == "NCHW") return {format == "NCHW", 4};
  if (format == "NDHWC" || format == "NCDHW") return {format == "NCDHW", 5};
  ctx.unsupported(fmt::format("data_format '{}' is not supported", format));
}

// A per-channel vector [C] shaped to broadcast along the channel axis.
int per_channel(TfOpContext& ctx, const BatchNormLayout& layout, int v, const std::string& step) {
  if (!layout.channels_first) return v;
  std::vector<std::int64_t> shape(layout.rank - 1, 1);
  shape[0] = -1;
  return ctx.add("Reshape", step, {v, ctx.int64s(step + "_shape", shape)});
}

// Inference: y = x * a + b with a = scale / sqrt(variance + epsilon) and b = offset - mean * a,
// which fold to constants at load and into a preceding convolution. The statistics outputs
// repeat the mean and variance, as TensorFlow's inference kernel does.
std::vector<int> batch_norm_inference(TfOpContext& ctx, const BatchNormLayout& layout) {
  const int scale = ctx.input(1), offset = ctx.input(2), mean = ctx.input(3),
            variance = ctx.input(4);
  const float epsilon = ctx.attr_float("epsilon", 0.0001f);
  const int shifted_var =
      ctx.add("Add", "variance_plus_epsilon", {variance, ctx.scalar("epsilon", epsilon)});
  const int a = ctx.add("Div", "scale", {scale, ctx.add("Sqrt", "stddev", {shifted_var})});
  const int b = ctx.add("Sub", "shift", {offset, ctx.add("Mul", "mean_scaled", {mean, a})});
  const int y = ctx.add("Add", "y",
                        {ctx.add("Mul", "scaled", {ctx.input(0), per_channel(ctx, layout, a, "a")}),
                         per_channel(ctx, layout, b, "b")});
  std::vector<int> outputs = {y, mean, variance, mean, variance};
  if (ctx.op() == "FusedBatchNormV3") outputs.push_back(mean);
  return outputs;
}

// Training mode normalizes with the batch's own statistics over every axis but the channel one
// (the biased variance). Keras's LayerNormalization runs this way on a [1, rows, features, 1]
// NCHW reshape of its input, so it is common in inference graphs too. The statistics outputs
// are TensorFlow's: the batch mean and the Bessel-corrected variance, blended into the given
// running statistics when exponential_avg_factor is below 1.
std::vector<int> batch_norm_training(TfOpContext& ctx, const BatchNormLayout& layout) {
  const int x = ctx.input(0), scale = ctx.input(1), offset = ctx.input(2);
  std::vector<std::int64_t> reduced;
  for (std::size_t axis = 0; axis < layout.rank; ++axis) {
    if (axis != (layout.channels_first ? 1 : layout.rank - 1))
      reduced.push_back(static_cast<std::int64_t>(axis));
  }
  const int axes = ctx.int64s("reduced_axes", reduced);
  const int mean = ctx.add("ReduceMean", "batch_mean", {x, axes});
  const int centered = ctx.add("Sub", "centered", {x, mean});
  const int variance = ctx.add("ReduceMean", "batch_variance",
                               {ctx.add("Mul", "squared", {centered, centered}), axes});
  const float epsilon = ctx.attr_float("epsilon", 0.0001f);
  const int stddev = ctx.add(
      "Sqrt", "stddev",
      {ctx.add("Add", "variance_plus_epsilon", {variance, ctx.scalar("epsilon", epsilon)})});
  const int normalized = ctx.add("Div", "normalized", {centered, stddev});
  const int y =
      ctx.add("Add", "y",
              {ctx.add("Mul", "scaled", {normalized, per_channel(ctx, layout, scale, "scale")}),
               per_channel(ctx, layout, offset, "offset")});

  const int flat = ctx.int64s("flat", {-1});
  const int batch_mean = ctx.add("Reshape", "mean_out", {mean, flat});
  const int biased = ctx.add("Reshape", "variance_out", {variance, flat});
  // n / (n - 1) with n the elements per channel, 1 when n is 1.
  const int count = ctx.add("Div", "count_int",
                            {ctx.add("Size", "x_size", {x}), ctx.add("Size", "c_size", {mean})});
  const int n = cast(ctx, count, DType::f32, "count");
  const int n_minus_1 = ctx.add(
      "Max", "count_minus_one",
      {ctx.add("Sub", "count_less_one", {n, ctx.scalar("one", 1.f)}), ctx.scalar("one_min", 1.f)});
  int batch_variance =
      ctx.add("Mul", "unbiased_variance", {biased, ctx.add("Div", "bessel", {n, n_minus_1})});
  int running_mean = batch_mean;
  const float factor = ctx.attr_float("exponential_avg_factor", 1.f);
  if (factor != 1.f) {
    auto blend = [&](int old, int fresh, const std::string& step) {
      return ctx.add(
          "Add", step,
          {ctx.add("Mul", step + "_old", {old, ctx.scalar(step + "_keep", 1.f - factor)}),
           ctx.add("Mul", step + "_new", {fresh, ctx.scalar(step + "_factor", factor)})});
    };
    running_mean = blend(ctx.input(3), batch_mean, "running_mean");
    batch_variance = blend(ctx.input(4), batch_variance, "running_variance");
  }
  std::vector<int> outputs = {y, running_mean, batch_variance, batch_mean, biased};
  if (ctx.op() == "FusedBatchNormV3") outputs.push_back(batch_mean);
  return outputs;
}

std::vector<int> fused_batch_norm(TfOpContext& ctx) {
  ctx.expect_inputs(5, 5);
  const BatchNormLayout layout = batch_norm_layout(ctx);
  return ctx.attr_bool("is_training", true) ? batch_norm_training(ctx, layout)
                                            : batch_norm_inference(ctx, layout);
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
