#include "ops/conv/conv_attrs.hpp"

#include "core/fail.hpp"
#include "ops/matmul/fused_activation.hpp"

namespace nnload::ops {

ConvAttrs parse_conv_attrs(const graph::Node& node) {
  const graph::Attributes& a = node.attrs;
  ConvAttrs attrs;
  attrs.kernel_shape = a.ints_or("kernel_shape", {});
  attrs.strides = a.ints_or("strides", {});
  attrs.dilations = a.ints_or("dilations", {});
  attrs.pads = a.ints_or("pads", {});
  const std::string auto_pad = a.string_or("auto_pad", "NOTSET");
  const auto mode = linalg::auto_pad_from_name(auto_pad);
  if (!mode) fail(ErrorCode::invalid_argument, "auto_pad '{}' is not a known mode", auto_pad);
  attrs.auto_pad = *mode;
  attrs.group = a.int_or("group", 1);
  if (attrs.group < 1) fail(ErrorCode::invalid_argument, "group {} is not positive", attrs.group);
  const std::int64_t channels_last = a.int_or("channels_last", 0);
  if (channels_last != 0 && channels_last != 1) {
    fail(ErrorCode::invalid_argument, "channels_last is {}, expected 0 or 1", channels_last);
  }
  attrs.channels_last = channels_last == 1;
  attrs.activation = parse_fused_activation(a);
  attrs.output_padding = a.ints_or("output_padding", {});
  attrs.output_shape = a.ints_or("output_shape", {});
  return attrs;
}

ConvGeometry conv_geometry(const ConvAttrs& attrs, const Shape& x, const Shape& w,
                           const Shape* bias, bool transposed) {
  ConvGeometry g;
  g.group = attrs.group;
  g.x = split_spatial(x, attrs.channels_last, "X");
  const std::size_t k = g.x.spatial.size();
  if (w.size() != k + 2) {
    fail(ErrorCode::shape, "W has rank {} (shape {}), expected {} like X", w.size(),
         shape_to_list(w), k + 2);
  }
  g.kernel.assign(w.begin() + 2, w.end());
  if (!attrs.kernel_shape.empty() && attrs.kernel_shape != g.kernel) {
    fail(ErrorCode::shape, "kernel_shape {} does not match W's spatial dims {}",
         shape_to_list(attrs.kernel_shape), shape_to_list(g.kernel));
  }
  if (g.x.channels % g.group != 0) {
    fail(ErrorCode::shape, "X has {} channels, not divisible by group {}", g.x.channels, g.group);
  }
  std::int64_t out_channels = 0;
  if (transposed) {
    if (w[0] != g.x.channels) {
      fail(ErrorCode::shape, "W has {} input channels (dim 0), X has {}", w[0], g.x.channels);
    }
    out_channels = w[1] * g.group;
  } else {
    if (w[1] * g.group != g.x.channels) {
      fail(ErrorCode::shape, "W has {} channels per group (dim 1) x group {}, X has {} channels",
           w[1], g.group, g.x.channels);
    }
    if (w[0] % g.group != 0) {
      fail(ErrorCode::shape, "W has {} output channels, not divisible by group {}", w[0], g.group);
    }
    out_channels = w[0];
  }
  if (bias != nullptr && *bias != Shape{out_channels}) {
    fail(ErrorCode::shape, "B has shape {}, expected [{}]", shape_to_list(*bias), out_channels);
  }
  linalg::WindowSpec spec{g.kernel,   attrs.strides,  attrs.dilations,
                          attrs.pads, attrs.auto_pad, false};
  g.window = transposed ? linalg::transposed_window(g.x.spatial, spec, attrs.output_padding,
                                                    attrs.output_shape)
                        : linalg::sliding_window(g.x.spatial, spec);
  g.strides = attrs.strides.empty() ? std::vector<std::int64_t>(k, 1) : attrs.strides;
  g.dilations = attrs.dilations.empty() ? std::vector<std::int64_t>(k, 1) : attrs.dilations;
  g.y = {g.x.batch, out_channels, g.window.output};
  g.y_shape = join_spatial(g.y.batch, g.y.channels, g.y.spatial, attrs.channels_last);
  return g;
}

}  // namespace nnload::ops
