// TensorFlow convolutions and pools: Conv2D, Conv3D, DepthwiseConv2dNative,
// Conv2DBackpropInput, MaxPool (V2, 3D), AvgPool (3D). Channels-last data runs as nnload.Conv /
// MaxPool / AveragePool with channels_last=1 (no transposes around them); filters are re-laid
// out from TensorFlow's [k..., in, out] to ONNX's [out, in, k...] by Transpose nodes that fold
// at load.
#include <fmt/format.h>

#include "formats/savedmodel/ops/builder_helpers.hpp"
#include "formats/savedmodel/ops/families.hpp"

namespace nnload::formats::savedmodel {

namespace {

graph::Attributes perm(std::vector<std::int64_t> p) {
  graph::Attributes a;
  a.set("perm", std::move(p));
  return a;
}

void require_float(TfOpContext& ctx) {
  const DType t = ctx.attr_dtype("T", DType::f32);
  if (t != DType::f32 && t != DType::f64) {
    ctx.unsupported(fmt::format("{} on {} is not supported (float32 is)", ctx.op(), dtype_name(t)));
  }
}

// Strides, dilations, padding and the layout flag shared by Conv and ConvTranspose nodes.
graph::Attributes conv_attributes(TfOpContext& ctx, const DataLayout& layout, bool allow_explicit) {
  graph::Attributes a;
  a.set("strides", spatial_entries(ctx, "strides", layout, 1));
  a.set("dilations",
        spatial_entries(ctx, "dilations", layout, 1, std::vector<std::int64_t>(layout.rank(), 1)));
  set_padding(ctx, layout, a, allow_explicit);
  if (layout.channels_last) a.set("channels_last", std::int64_t{1});
  return a;
}

const char* domain(const DataLayout& layout) { return layout.channels_last ? "nnload" : ""; }

// [k..., in, out] -> [out, in, k...].
int oihw_filter(TfOpContext& ctx, int filter, std::size_t spatial) {
  std::vector<std::int64_t> p = {static_cast<std::int64_t>(spatial) + 1,
                                 static_cast<std::int64_t>(spatial)};
  for (std::size_t d = 0; d < spatial; ++d) p.push_back(static_cast<std::int64_t>(d));
  return ctx.add("Transpose", "filter_to_oihw", {filter}, perm(p));
}

// TensorFlow infers grouped convolution from the input having a multiple of the filter's
// input channels; ONNX needs `group` up front, so it is taken from the shapes when the graph
// knows them (1 otherwise).
std::int64_t conv_groups(TfOpContext& ctx, const DataLayout& layout, std::size_t spatial) {
  const std::optional<Shape> x = known_shape(ctx, 0);
  const std::optional<Shape> w = known_shape(ctx, 1);
  if (!x || !w || x->size() != layout.rank() || w->size() != spatial + 2) return 1;
  const std::int64_t channels = (*x)[layout.channel_axis()], per_group = (*w)[spatial];
  if (channels <= 0 || per_group <= 0) return 1;
  if (channels % per_group != 0) {
    ctx.corrupt(fmt::format("input has {} channels, not a multiple of the filter's {}", channels,
                            per_group));
  }
  return channels / per_group;
}

std::vector<int> conv(TfOpContext& ctx, std::size_t spatial) {
  ctx.expect_inputs(2, 2);
  require_float(ctx);
  const DataLayout layout = data_layout(ctx, spatial);
  graph::Attributes a = conv_attributes(ctx, layout, spatial == 2);
  a.set("group", conv_groups(ctx, layout, spatial));
  const int w = oihw_filter(ctx, ctx.input(1), spatial);
  return {ctx.add("Conv", "Conv", {ctx.input(0), w}, a, domain(layout))};
}

// Filter [kh, kw, in, multiplier] -> [in * multiplier, 1, kh, kw]: output channel
// c * multiplier + m, as TensorFlow orders them, one group per input channel.
std::vector<int> depthwise_conv(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  require_float(ctx);
  const DataLayout layout = data_layout(ctx, 2);
  const std::optional<Shape> f = known_shape(ctx, 1);
  if (!f || f->size() != 4 || (*f)[2] < 0 || (*f)[3] < 0) {
    ctx.unsupported(
        "the filter's shape must be known when the graph is built (a variable or "
        "constant [h, w, in, multiplier])");
  }
  graph::Attributes a = conv_attributes(ctx, layout, true);
  a.set("group", (*f)[2]);
  const int moved = ctx.add("Transpose", "filter_transposed", {ctx.input(1)}, perm({2, 3, 0, 1}));
  const int w =
      ctx.add("Reshape", "filter_to_oihw",
              {moved, ctx.int64s("filter_shape", {(*f)[2] * (*f)[3], 1, (*f)[0], (*f)[1]})});
  return {ctx.add("Conv", "Conv", {ctx.input(0), w}, a, domain(layout))};
}

// Inputs input_sizes, filter [kh, kw, in, out], out_backprop. The filter's `in` channels are the
// forward convolution's input channels, i.e. this op's output channels, so ConvTranspose's
// [C_in, C_out, k...] weight is the filter transposed to [out, in, kh, kw].
std::vector<int> conv_backprop_input(TfOpContext& ctx) {
  ctx.expect_inputs(3, 3);
  require_float(ctx);
  const DataLayout layout = data_layout(ctx, 2);
  graph::Attributes a = conv_attributes(ctx, layout, true);
  if (a.has("pads")) {
    a.set("padding", std::string("EXPLICIT"));
  } else {
    a.set("padding", std::string(a.get_string("auto_pad") == "VALID" ? "VALID" : "SAME"));
  }
  a.erase("auto_pad");
  const int sizes = ctx.input(0);
  const int w = ctx.add("Transpose", "filter_to_iohw", {ctx.input(1)}, perm({3, 2, 0, 1}));
  return {ctx.add("TfConv2DBackpropInput", "ConvTranspose", {ctx.input(2), w, sizes}, a, "nnload")};
}

std::vector<int> pool(TfOpContext& ctx, const char* onnx_op, std::size_t spatial) {
  const bool v2 = ctx.op() == "MaxPoolV2";
  ctx.expect_inputs(v2 ? 3 : 1, v2 ? 3 : 1);
  const DataLayout layout = data_layout(ctx, spatial);
  graph::Attributes a;
  if (v2) {
    auto spatial_of = [&](std::size_t input, const char* what) {
      const std::vector<std::int64_t> all = constant_ints(ctx, input, what);
      if (all.size() != layout.rank() || all[0] != 1 || all[layout.channel_axis()] != 1) {
        ctx.unsupported(fmt::format("{} [{}] must have {} entries, 1 on the batch and channel axes",
                                    what, fmt::join(all, ", "), layout.rank()));
      }
      return std::vector<std::int64_t>(
          all.begin() + static_cast<std::ptrdiff_t>(layout.first_spatial()),
          all.begin() + static_cast<std::ptrdiff_t>(layout.first_spatial() + spatial));
    };
    a.set("kernel_shape", spatial_of(1, "ksize"));
    a.set("strides", spatial_of(2, "strides"));
  } else {
    a.set("kernel_shape", spatial_entries(ctx, "ksize", layout, 1));
    a.set("strides", spatial_entries(ctx, "strides", layout, 1));
  }
  // Only MaxPool (2-D) has explicit_paddings; AvgPool's SAME averages over the pixels inside
  // the image, which is ONNX's count_include_pad=0.
  set_padding(ctx, layout, a, ctx.op() == "MaxPool");
  if (layout.channels_last) a.set("channels_last", std::int64_t{1});
  return {ctx.add(onnx_op, onnx_op, {ctx.input(0)}, a, domain(layout))};
}

}  // namespace

TfOpRows tf_conv_rows() {
  return {
      {"Conv2D", [](TfOpContext& c) { return conv(c, 2); }},
      {"Conv3D", [](TfOpContext& c) { return conv(c, 3); }},
      {"DepthwiseConv2dNative", depthwise_conv},
      {"Conv2DBackpropInput", conv_backprop_input},
      {"MaxPool", [](TfOpContext& c) { return pool(c, "MaxPool", 2); }},
      {"MaxPoolV2", [](TfOpContext& c) { return pool(c, "MaxPool", 2); }},
      {"MaxPool3D", [](TfOpContext& c) { return pool(c, "MaxPool", 3); }},
      {"AvgPool", [](TfOpContext& c) { return pool(c, "AveragePool", 2); }},
      {"AvgPool3D", [](TfOpContext& c) { return pool(c, "AveragePool", 3); }},
  };
}

}  // namespace nnload::formats::savedmodel
