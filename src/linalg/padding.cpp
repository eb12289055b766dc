#include "linalg/padding.hpp"

#include <algorithm>

#include "core/fail.hpp"

namespace nnload::linalg {

std::optional<AutoPad> auto_pad_from_name(std::string_view name) {
  if (name == "NOTSET" || name.empty()) return AutoPad::notset;
  if (name == "VALID") return AutoPad::valid;
  if (name == "SAME_UPPER") return AutoPad::same_upper;
  if (name == "SAME_LOWER") return AutoPad::same_lower;
  return std::nullopt;
}

namespace {

void check_window(const WindowAxis& w) {
  if (w.kernel < 1) fail(ErrorCode::invalid_argument, "kernel size {} is not positive", w.kernel);
  if (w.stride < 1) fail(ErrorCode::invalid_argument, "stride {} is not positive", w.stride);
  if (w.dilation < 1) {
    fail(ErrorCode::invalid_argument, "dilation {} is not positive", w.dilation);
  }
  if (w.pad_begin < 0 || w.pad_end < 0) {
    fail(ErrorCode::invalid_argument, "pads {} and {} must not be negative", w.pad_begin,
         w.pad_end);
  }
  // Window arithmetic multiplies these: bounded so it can't overflow (a damaged config can say
  // anything; no real window comes near 2^31).
  constexpr std::int64_t kMax = std::int64_t{1} << 31;
  for (const std::int64_t v : {w.kernel, w.stride, w.dilation, w.pad_begin, w.pad_end}) {
    if (v > kMax) {
      fail(ErrorCode::invalid_argument,
           "window value {} (kernel {}, stride {}, dilation {}, pads {}+{}) exceeds 2^31", v,
           w.kernel, w.stride, w.dilation, w.pad_begin, w.pad_end);
    }
  }
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// Splits a total padding between the two ends; `odd_at_end` puts the odd element at the end.
void split_padding(std::int64_t total, bool odd_at_end, AxisGeometry& g) {
  const std::int64_t small = total / 2;
  g.pad_begin = odd_at_end ? small : total - small;
  g.pad_end = total - g.pad_begin;
}

}  // namespace

AxisGeometry sliding_window_axis(std::int64_t input, const WindowAxis& w, AutoPad auto_pad,
                                 bool ceil_mode) {
  check_window(w);
  const std::int64_t extent = (w.kernel - 1) * w.dilation + 1;
  AxisGeometry g;
  if (auto_pad == AutoPad::same_upper || auto_pad == AutoPad::same_lower) {
    if (input < 1) fail(ErrorCode::shape, "input size {} is empty", input);
    g.output = ceil_div(input, w.stride);
    const std::int64_t total =
        std::max<std::int64_t>(0, (g.output - 1) * w.stride + extent - input);
    split_padding(total, auto_pad == AutoPad::same_upper, g);
    return g;
  }
  if (auto_pad == AutoPad::notset) {
    g.pad_begin = w.pad_begin;
    g.pad_end = w.pad_end;
  }
  const std::int64_t span = input + g.pad_begin + g.pad_end - extent;
  if (span < 0) {
    fail(ErrorCode::shape, "input size {} with pads {}+{} is smaller than the kernel extent {}",
         input, g.pad_begin, g.pad_end, extent);
  }
  g.output =
      (ceil_mode && auto_pad == AutoPad::notset ? ceil_div(span, w.stride) : span / w.stride) + 1;
  if (ceil_mode && (g.output - 1) * w.stride >= input + g.pad_begin) --g.output;
  g.extra_end = std::max<std::int64_t>(
      0, (g.output - 1) * w.stride + extent - input - g.pad_begin - g.pad_end);
  return g;
}

AxisGeometry transposed_window_axis(std::int64_t input, const WindowAxis& w,
                                    std::int64_t output_padding, AutoPad auto_pad,
                                    std::optional<std::int64_t> output_size) {
  check_window(w);
  if (output_padding < 0) {
    fail(ErrorCode::invalid_argument, "output_padding {} is negative", output_padding);
  }
  const std::int64_t extent = (w.kernel - 1) * w.dilation + 1;
  const std::int64_t full = w.stride * (input - 1) + output_padding + extent;
  AxisGeometry g;
  if (!output_size && (auto_pad == AutoPad::same_upper || auto_pad == AutoPad::same_lower)) {
    output_size = input * w.stride;
  }
  if (output_size) {
    const std::int64_t total = full - *output_size;
    if (total < 0) {
      fail(ErrorCode::unsupported,
           "output size {} is larger than the full transposed output {} (negative padding)",
           *output_size, full);
    }
    split_padding(total, auto_pad == AutoPad::same_upper, g);
    g.output = *output_size;
  } else {
    if (auto_pad == AutoPad::notset) {
      g.pad_begin = w.pad_begin;
      g.pad_end = w.pad_end;
    }
    g.output = full - g.pad_begin - g.pad_end;
  }
  if (g.output < 1) {
    fail(ErrorCode::shape, "transposed output size {} is empty (input {}, pads {}+{})", g.output,
         input, g.pad_begin, g.pad_end);
  }
  return g;
}

namespace {

std::vector<std::int64_t> per_axis(const std::vector<std::int64_t>& values, std::size_t n,
                                   std::int64_t fallback, const char* name) {
  if (values.empty()) return std::vector<std::int64_t>(n, fallback);
  if (values.size() != n) {
    fail(ErrorCode::invalid_argument, "{} has {} values, expected {} (one per spatial axis)", name,
         values.size(), n);
  }
  return values;
}

std::vector<WindowAxis> window_axes(const WindowSpec& spec, std::size_t n) {
  if (spec.kernel.size() != n) {
    fail(ErrorCode::invalid_argument, "kernel_shape has {} values, expected {} (spatial axes)",
         spec.kernel.size(), n);
  }
  const auto strides = per_axis(spec.strides, n, 1, "strides");
  const auto dilations = per_axis(spec.dilations, n, 1, "dilations");
  std::vector<std::int64_t> pads = spec.pads;
  if (pads.empty()) pads.assign(2 * n, 0);
  if (pads.size() != 2 * n) {
    fail(ErrorCode::invalid_argument, "pads has {} values, expected {} (begin and end per axis)",
         pads.size(), 2 * n);
  }
  std::vector<WindowAxis> axes(n);
  for (std::size_t i = 0; i < n; ++i) {
    axes[i] = {spec.kernel[i], strides[i], dilations[i], pads[i], pads[i + n]};
  }
  return axes;
}

void append(SpatialGeometry& s, const AxisGeometry& g) {
  s.output.push_back(g.output);
  s.pad_begin.push_back(g.pad_begin);
  s.pad_end.push_back(g.pad_end);
  s.extra_end.push_back(g.extra_end);
}

}  // namespace

SpatialGeometry sliding_window(const Shape& input_spatial, const WindowSpec& spec) {
  const std::vector<WindowAxis> axes = window_axes(spec, input_spatial.size());
  SpatialGeometry s;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    append(s, sliding_window_axis(input_spatial[i], axes[i], spec.auto_pad, spec.ceil_mode));
  }
  return s;
}

SpatialGeometry transposed_window(const Shape& input_spatial, const WindowSpec& spec,
                                  const std::vector<std::int64_t>& output_padding,
                                  const std::vector<std::int64_t>& output_shape) {
  const std::size_t n = input_spatial.size();
  const std::vector<WindowAxis> axes = window_axes(spec, n);
  const auto adjust = per_axis(output_padding, n, 0, "output_padding");
  // Some exporters write the full output shape (N, C, spatial...) instead of the spatial part.
  std::vector<std::int64_t> sizes = output_shape;
  if (sizes.size() == n + 2) sizes.erase(sizes.begin(), sizes.begin() + 2);
  if (!sizes.empty() && sizes.size() != n) {
    fail(ErrorCode::invalid_argument, "output_shape has {} values, expected {} (spatial axes)",
         output_shape.size(), n);
  }
  SpatialGeometry s;
  for (std::size_t i = 0; i < n; ++i) {
    std::optional<std::int64_t> size;
    if (!sizes.empty()) size = sizes[i];
    append(s, transposed_window_axis(input_spatial[i], axes[i], adjust[i], spec.auto_pad, size));
  }
  return s;
}

}  // namespace nnload::linalg
