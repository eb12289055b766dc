// Keras convolutions: Conv1D/2D/3D, DepthwiseConv1D/2D, SeparableConv1D/2D. Channels-last
// layers become nnload.Conv with channels_last=1, so no transposes surround them; kernels are
// re-laid out to ONNX's [out, in/groups, k...] by Transpose nodes folded at load time.
#include "core/fail.hpp"
#include "formats/keras/layers/layers.hpp"
#include "formats/keras/layers/theano.hpp"

namespace nnload::formats::keras {

namespace {

struct ConvGeometry {
  std::vector<int64_t> kernel, strides, dilations;
  std::string padding;
};

ConvGeometry geometry(LayerContext& ctx, std::size_t spatial) {
  ConvGeometry g;
  g.kernel = ctx.get_ints({"kernel_size", "filter_length"}, spatial);
  g.strides = ctx.get_ints({"strides", "subsample_length", "subsample"}, spatial, 1);
  g.dilations = ctx.get_ints({"dilation_rate"}, spatial, 1);
  g.padding = ctx.get_string({"padding", "border_mode"}, "valid");
  return g;
}

// Fills Conv attributes; the kernel shape is the weight's, so it is not repeated here.
graph::Attributes conv_attributes(LayerContext& ctx, const ConvGeometry& g, int64_t group) {
  graph::Attributes a;
  a.set("strides", g.strides);
  a.set("dilations", g.dilations);
  a.set("group", group);
  if (g.padding == "same") {
    a.set("auto_pad", std::string("SAME_UPPER"));  // TensorFlow's SAME puts the extra pixel last
  } else if (g.padding == "valid") {
    a.set("auto_pad", std::string("VALID"));
  } else if (g.padding == "causal" && g.kernel.size() == 1) {
    a.set("pads", std::vector<int64_t>{g.dilations[0] * (g.kernel[0] - 1), 0});  // all on the left
  } else {
    ctx.unsupported("padding '" + g.padding + "' is not supported");
  }
  if (!ctx.channels_first()) a.set("channels_last", int64_t{1});
  return a;
}

std::string conv_domain(LayerContext& ctx) { return ctx.channels_first() ? "" : "nnload"; }

// Keras kernel [k..., in/groups, out] -> ONNX [out, in/groups, k...].
int onnx_kernel(LayerContext& ctx, int kernel, std::size_t spatial) {
  std::vector<int64_t> perm = {static_cast<int64_t>(spatial) + 1, static_cast<int64_t>(spatial)};
  for (std::size_t d = 0; d < spatial; ++d) perm.push_back(static_cast<int64_t>(d));
  graph::Attributes a;
  a.set("perm", perm);
  return ctx.add("Transpose", "kernel_to_oihw", {kernel}, a);
}

// Keras depthwise kernel [k..., in, multiplier] -> ONNX [in * multiplier, 1, k...], output
// channel c * multiplier + m, as Keras orders them.
int onnx_depthwise_kernel(LayerContext& ctx, int kernel, const Shape& keras_shape,
                          std::size_t spatial) {
  if (keras_shape.size() != spatial + 2)
    ctx.corrupt("depthwise kernel has rank " + std::to_string(keras_shape.size()));
  std::vector<int64_t> perm = {static_cast<int64_t>(spatial), static_cast<int64_t>(spatial) + 1};
  for (std::size_t d = 0; d < spatial; ++d) perm.push_back(static_cast<int64_t>(d));
  graph::Attributes a;
  a.set("perm", perm);
  const int transposed = ctx.add("Transpose", "depthwise_kernel_transpose", {kernel}, a);
  std::vector<int64_t> shape = {keras_shape[spatial] * keras_shape[spatial + 1], 1};
  for (std::size_t d = 0; d < spatial; ++d) shape.push_back(keras_shape[d]);
  return ctx.add("Reshape", "depthwise_kernel_to_oihw",
                 {transposed, ctx.int64s("depthwise_kernel_shape", shape)});
}

// The kernel [k..., in/groups, out] must hold `filters` filters of the configured size.
void check_kernel(LayerContext& ctx, const ConvGeometry& g, std::size_t spatial) {
  const Shape& k = ctx.weight_tensor(0, "kernel").shape();
  const int64_t filters = ctx.get_int({"filters"}, k.empty() ? 0 : k.back());
  bool fits = k.size() == spatial + 2 && k.back() == filters;
  for (std::size_t d = 0; fits && d < spatial; ++d) fits = k[d] == g.kernel[d];
  if (!fits) {
    ctx.corrupt(fmt::format("kernel has shape {}, expected [{}, in, {}] (kernel_size {}, filters {})",
                            shape_to_list(k), fmt::join(g.kernel, ", "), filters,
                            shape_to_list(g.kernel), filters));
  }
}

std::vector<int64_t> leading_axes(std::size_t n) {
  std::vector<int64_t> axes;
  for (std::size_t d = 0; d < n; ++d) axes.push_back(static_cast<int64_t>(d));
  return axes;
}

template <std::size_t Spatial>
std::vector<int> conv(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const bool use_bias = ctx.get_bool({"use_bias", "bias"}, true);
  ctx.expect_weights(use_bias ? 2 : 1, use_bias ? "kernel, bias" : "kernel");
  const ConvGeometry g = geometry(ctx, Spatial);
  check_kernel(ctx, g, Spatial);
  const int64_t groups = ctx.get_int({"groups"}, 1);
  const int kernel = theano_flipped(ctx, ctx.weight(0, "kernel"), leading_axes(Spatial));
  std::vector<int> inputs = {ctx.input(), onnx_kernel(ctx, kernel, Spatial)};
  if (use_bias) inputs.push_back(ctx.weight(1, "bias"));
  const int y = ctx.add("Conv", "Conv", inputs, conv_attributes(ctx, g, groups), conv_domain(ctx));
  return {ctx.config_activation(y)};
}

template <std::size_t Spatial>
std::vector<int> depthwise_conv(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const bool use_bias = ctx.get_bool({"use_bias"}, true);
  ctx.expect_weights(use_bias ? 2 : 1, use_bias ? "depthwise_kernel, bias" : "depthwise_kernel");
  const ConvGeometry g = geometry(ctx, Spatial);
  const Shape& shape = ctx.weight_tensor(0, "depthwise_kernel").shape();
  const int kernel = onnx_depthwise_kernel(ctx, ctx.weight(0, "depthwise_kernel"), shape, Spatial);
  std::vector<int> inputs = {ctx.input(), kernel};
  if (use_bias) inputs.push_back(ctx.weight(1, "bias"));
  const int y =
      ctx.add("Conv", "Conv", inputs, conv_attributes(ctx, g, shape[Spatial]), conv_domain(ctx));
  return {ctx.config_activation(y)};
}

// Depthwise convolution (with the layer's strides, padding, dilation) then a 1x1 pointwise one.
template <std::size_t Spatial>
std::vector<int> separable_conv(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const bool use_bias = ctx.get_bool({"use_bias"}, true);
  ctx.expect_weights(use_bias ? 3 : 2, use_bias ? "depthwise_kernel, pointwise_kernel, bias"
                                                : "depthwise_kernel, pointwise_kernel");
  const ConvGeometry g = geometry(ctx, Spatial);
  const Shape& dw_shape = ctx.weight_tensor(0, "depthwise_kernel").shape();
  const int dw_kernel =
      onnx_depthwise_kernel(ctx, ctx.weight(0, "depthwise_kernel"), dw_shape, Spatial);
  const int depthwise = ctx.add("Conv", "depthwise", {ctx.input(), dw_kernel},
                                conv_attributes(ctx, g, dw_shape[Spatial]), conv_domain(ctx));
  ConvGeometry pointwise_geometry = g;
  pointwise_geometry.strides.assign(Spatial, 1);
  pointwise_geometry.dilations.assign(Spatial, 1);
  pointwise_geometry.padding = "valid";
  std::vector<int> inputs = {depthwise,
                             onnx_kernel(ctx, ctx.weight(1, "pointwise_kernel"), Spatial)};
  if (use_bias) inputs.push_back(ctx.weight(2, "bias"));
  const int y = ctx.add("Conv", "pointwise", inputs, conv_attributes(ctx, pointwise_geometry, 1),
                        conv_domain(ctx));
  return {ctx.config_activation(y)};
}

}  // namespace

LayerRows conv_layers() {
  return {
      {"Conv1D", conv<1>},
      {"Conv2D", conv<2>},
      {"Conv3D", conv<3>},
      {"DepthwiseConv1D", depthwise_conv<1>},
      {"DepthwiseConv2D", depthwise_conv<2>},
      {"SeparableConv1D", separable_conv<1>},
      {"SeparableConv2D", separable_conv<2>},
  };
}

}  // namespace nnload::formats::keras
