// The numeric core of Resize/Upsample: per-axis sampling positions and filter taps, applied
// separably (one pass per resized axis) so any rank and any set of resized axes work.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nnload/tensor.hpp"

namespace nnload::ops::resize {

enum class Mode { nearest, linear, cubic };
enum class Coord {
  half_pixel,
  half_pixel_symmetric,
  pytorch_half_pixel,
  align_corners,
  asymmetric,
  tf_half_pixel_for_nn,
  tf_crop_and_resize,
};
// `simple` is Upsample's and Resize-10's rule: floor when upsampling, ceil when downsampling.
enum class Nearest { round_prefer_floor, round_prefer_ceil, floor, ceil, simple };

struct Options {
  Mode mode = Mode::nearest;
  Coord coord = Coord::half_pixel;
  Nearest nearest = Nearest::round_prefer_floor;
  double cubic_coeff_a = -0.75;
  bool exclude_outside = false;
  double extrapolation_value = 0;
  bool antialias = false;
};

// One input axis: its length, the output length, the scale used by the coordinate transform
// and the region of interest (tf_crop_and_resize only).
struct AxisSpec {
  std::int64_t in = 1;
  std::int64_t out = 1;
  double scale = 1;
  double roi_start = 0;
  double roi_end = 1;
};

// Where output index x along an axis samples the input, in input coordinates.
double source_coordinate(const Options& o, const AxisSpec& a, std::int64_t x);

// One axis' filter: for each output index, `taps` (input index, weight) pairs with indices
// already clamped into [0, in), and whether the position lies outside the input
// (tf_crop_and_resize: those outputs take extrapolation_value).
struct AxisFilter {
  int taps = 1;
  std::vector<std::int64_t> index;
  std::vector<double> weight;
  std::vector<bool> outside;
  bool identity = false;  // output == input along this axis
};
AxisFilter axis_filter(const Options& o, const AxisSpec& a);

// y = x resampled; y's shape is the axes' `out` lengths. Nearest works on every dtype;
// linear and cubic on float32 and float64 (Error(unsupported) otherwise).
void resample(const Options& o, std::span<const AxisSpec> axes, const Tensor& x, Tensor& y);

}  // namespace nnload::ops::resize
