// Keras Conv1DTranspose, Conv2DTranspose, Conv3DTranspose: ConvTranspose (nnload.ConvTranspose
// with channels_last=1 for channels-last data) with explicit pads and output_padding that give
// Keras' output size (conv_utils.deconv_output_length) and TensorFlow's placement of the result.
#include "formats/keras/layers/extra_common.hpp"

namespace nnload::formats::keras {

namespace {

// One axis of a Keras transposed convolution as ONNX ConvTranspose attributes.
struct TransposedAxis {
  int64_t pad_begin = 0, pad_end = 0, output_padding = 0;
};

// TensorFlow computes the output as the input gradient of a forward convolution (Keras 3's
// other backends match it): its length is Keras' deconv_output_length, and the forward
// convolution's SAME padding puts the odd pixel at the end. ONNX ConvTranspose reaches any length
// from the full transposed output (L-1)*s + kd by cropping pads and adding output_padding.
TransposedAxis transposed_axis(int64_t kernel, int64_t stride, int64_t dilation, bool same,
                               std::optional<int64_t> keras_output_padding) {
  const int64_t kd = (kernel - 1) * dilation + 1;
  // Keras' output length minus the full transposed length (L-1)*s + kd.
  int64_t growth;
  int64_t total = 0;  // the forward convolution's padding
  if (!keras_output_padding) {
    growth = same ? stride - kd : std::max(kd - stride, int64_t{0}) + stride - kd;
    if (same) total = std::max(kd - stride, int64_t{0});
  } else {
    const int64_t pad = same ? kd / 2 : 0;
    growth = *keras_output_padding - 2 * pad;
    total = std::max(-growth, int64_t{0});
  }
  TransposedAxis a;
  a.pad_begin = total / 2;
  a.pad_end = total - a.pad_begin;
  a.output_padding = growth + total;  // >= 0: what the crop does not account for is added
  return a;
}

template <std::size_t Spatial>
std::vector<int> conv_transpose(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const bool use_bias = ctx.get_bool({"use_bias"}, true);
  ctx.expect_weights(use_bias ? 2 : 1, use_bias ? "kernel, bias" : "kernel");
  const std::vector<int64_t> kernel = ctx.get_ints({"kernel_size"}, Spatial);
  const std::vector<int64_t> strides = ctx.get_ints({"strides"}, Spatial, 1);
  const std::vector<int64_t> dilations = ctx.get_ints({"dilation_rate"}, Spatial, 1);
  const std::string padding = ctx.get_string({"padding"}, "valid");
  if (padding != "same" && padding != "valid")
    ctx.unsupported("padding '" + padding + "' is not supported (same, valid)");
  std::vector<std::optional<int64_t>> output_padding(Spatial);
  if (ctx.find({"output_padding"})) {
    const std::vector<int64_t> given = ctx.get_ints({"output_padding"}, Spatial);
    for (std::size_t d = 0; d < Spatial; ++d) output_padding[d] = given[d];
  }
  if (ctx.get_int({"groups"}, 1) != 1) ctx.unsupported("groups other than 1 are not supported");

  std::vector<int64_t> pads(2 * Spatial), extra_output(Spatial);
  for (std::size_t d = 0; d < Spatial; ++d) {
    const TransposedAxis a =
        transposed_axis(kernel[d], strides[d], dilations[d], padding == "same", output_padding[d]);
    pads[d] = a.pad_begin;
    pads[Spatial + d] = a.pad_end;
    extra_output[d] = a.output_padding;
  }
  const Shape& kernel_shape = ctx.weight_tensor(0, "kernel").shape();
  if (kernel_shape.size() != Spatial + 2)
    ctx.corrupt("kernel has shape " + shape_to_list(kernel_shape) + ", expected [k..., out, in]");
  // Keras kernel [k..., out, in] -> ONNX [in, out, k...].
  std::vector<int64_t> perm = {static_cast<int64_t>(Spatial) + 1, static_cast<int64_t>(Spatial)};
  for (std::size_t d = 0; d < Spatial; ++d) perm.push_back(static_cast<int64_t>(d));
  std::vector<int> inputs = {
      ctx.input(), extra::transpose(ctx, ctx.weight(0, "kernel"), perm, "kernel_to_iohw")};
  if (use_bias) inputs.push_back(ctx.weight(1, "bias"));

  graph::Attributes a;
  a.set("strides", strides);
  a.set("dilations", dilations);
  a.set("pads", pads);
  a.set("output_padding", extra_output);
  const bool first = ctx.channels_first();
  if (!first) a.set("channels_last", int64_t{1});
  const int y = ctx.add("ConvTranspose", "ConvTranspose", inputs, a, first ? "" : "nnload");
  return {ctx.config_activation(y)};
}

}  // namespace

namespace extra {

LayerRows conv_transpose_layers() {
  return {
      {"Conv1DTranspose", conv_transpose<1>},        {"Conv2DTranspose", conv_transpose<2>},
      {"Conv3DTranspose", conv_transpose<3>},        {"Convolution1DTranspose", conv_transpose<1>},
      {"Convolution2DTranspose", conv_transpose<2>}, {"Convolution3DTranspose", conv_transpose<3>},
  };
}

}  // namespace extra

}  // namespace nnload::formats::keras
