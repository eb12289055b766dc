// How spatial ops (Conv, ConvTranspose, the pools) see a tensor: batch, channels and spatial
// axes, stored channels-first (NCHW, ONNX's layout) or channels-last (NHWC: the nnload
// `channels_last` attribute, so Keras models run without transposes).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "nnload/tensor.hpp"

namespace nnload::ops {

struct SpatialShape {
  std::int64_t batch = 0;
  std::int64_t channels = 0;
  Shape spatial;
};

// Throws Error(shape) naming `what` when the rank is below 3 or above 2 + max_spatial.
SpatialShape split_spatial(const Shape& shape, bool channels_last, const char* what,
                           std::size_t max_spatial = 3);
Shape join_spatial(std::int64_t batch, std::int64_t channels, const Shape& spatial,
                   bool channels_last);

// Element strides in logical (N, C, spatial...) order for the stored layout.
std::vector<std::int64_t> logical_strides(const SpatialShape& shape, bool channels_last);

// A tensor seen as N x C x D x H x W, absent leading spatial axes given size 1: the form the
// plain loops (f64 kernels, global pools) index with.
struct Volume {
  std::int64_t batch = 0, channels = 0;
  std::array<std::int64_t, 3> dims{1, 1, 1};
  std::int64_t stride_n = 0, stride_c = 0;
  std::array<std::int64_t, 3> stride{0, 0, 0};

  std::int64_t spatial_size() const { return dims[0] * dims[1] * dims[2]; }
  std::int64_t offset(std::int64_t n, std::int64_t c, std::int64_t d, std::int64_t h,
                      std::int64_t w) const {
    return n * stride_n + c * stride_c + d * stride[0] + h * stride[1] + w * stride[2];
  }
};
Volume volume_of(const SpatialShape& shape, bool channels_last);

// Pads a per-axis list for up to 3 spatial axes at the front, as volume_of pads the shape.
std::array<std::int64_t, 3> pad3(const std::vector<std::int64_t>& values, std::int64_t fill);

}  // namespace nnload::ops
