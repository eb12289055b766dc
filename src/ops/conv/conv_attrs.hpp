// Conv and ConvTranspose attributes (ONNX's plus nnload's channels_last and fused activation)
// and the geometry both ops derive from them and the input shapes.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/graph.hpp"
#include "linalg/activation.hpp"
#include "linalg/padding.hpp"
#include "ops/conv/spatial.hpp"

namespace nnload::ops {

struct ConvAttrs {
  std::vector<std::int64_t> kernel_shape;  // empty: taken from the weights
  std::vector<std::int64_t> strides, dilations, pads;
  linalg::AutoPad auto_pad = linalg::AutoPad::notset;
  std::int64_t group = 1;
  bool channels_last = false;
  linalg::Activation activation;
  std::vector<std::int64_t> output_padding, output_shape;  // ConvTranspose only
};

ConvAttrs parse_conv_attrs(const graph::Node& node);

// Everything a conv kernel needs to know about its shapes, checked.
struct ConvGeometry {
  SpatialShape x;
  SpatialShape y;
  std::int64_t group = 1;
  Shape kernel;  // spatial dims of the weights
  std::vector<std::int64_t> strides, dilations;
  linalg::SpatialGeometry window;
  Shape y_shape;  // in the stored layout

  std::int64_t in_per_group() const { return x.channels / group; }
  std::int64_t out_per_group() const { return y.channels / group; }
};

// Checks X [N, C, spatial...] (or channels-last), W ([M, C/group, k...] for Conv, [C, M/group,
// k...] for ConvTranspose) and the optional bias [M]; throws Error(shape) / (invalid_argument)
// with the facts when they do not fit.
ConvGeometry conv_geometry(const ConvAttrs& attrs, const Shape& x, const Shape& w,
                           const Shape* bias, bool transposed);

}  // namespace nnload::ops
