// Spatial geometry shared by Conv, ConvTranspose and the pools: output sizes and explicit pads
// from kernel, stride, dilation, pads, auto_pad and ceil_mode, as the ONNX spec defines them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "nnload/tensor.hpp"

namespace nnload::linalg {

enum class AutoPad { notset, valid, same_upper, same_lower };

// ONNX's auto_pad strings ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"); nullopt otherwise.
std::optional<AutoPad> auto_pad_from_name(std::string_view name);

// One spatial axis of a sliding window. pad_begin/pad_end are the explicit pads (used with
// AutoPad::notset only).
struct WindowAxis {
  std::int64_t kernel = 1;
  std::int64_t stride = 1;
  std::int64_t dilation = 1;
  std::int64_t pad_begin = 0;
  std::int64_t pad_end = 0;
};

// Where the windows of one axis lie. pad_begin/pad_end are the padding the op's semantics see
// (explicit or derived from auto_pad); extra_end is how far ceil_mode's last window reaches
// past pad_end (0 otherwise): libraries that need exact sizes pad by pad_end + extra_end.
struct AxisGeometry {
  std::int64_t output = 0;
  std::int64_t pad_begin = 0;
  std::int64_t pad_end = 0;
  std::int64_t extra_end = 0;
};

// Forward sliding window (Conv, MaxPool, AveragePool, LpPool). SAME_UPPER puts the odd pad at
// the end (TensorFlow's "SAME"), SAME_LOWER at the beginning. With ceil_mode the output is
// rounded up and a window that would start in the end padding is dropped (PyTorch's rule, which
// the ONNX spec adopts); auto_pad sizes do not depend on ceil_mode. Throws Error(shape) when the
// padded input is shorter than the dilated kernel, Error(invalid_argument) on a non-positive
// kernel, stride or dilation or a negative pad.
AxisGeometry sliding_window_axis(std::int64_t input, const WindowAxis& window, AutoPad auto_pad,
                                 bool ceil_mode);

// ConvTranspose. With `output_size` (ONNX's output_shape) or SAME_* auto_pad the pads come
// from the total padding: SAME_UPPER puts the odd pad at the end, NOTSET and SAME_LOWER at the
// beginning (the spec's formula). Throws Error(unsupported) when the requested output needs
// negative padding, Error(shape) when the output would be empty.
AxisGeometry transposed_window_axis(std::int64_t input, const WindowAxis& window,
                                    std::int64_t output_padding, AutoPad auto_pad,
                                    std::optional<std::int64_t> output_size);

// All spatial axes of an op: per-axis attributes, as ONNX lists them.
struct WindowSpec {
  std::vector<std::int64_t> kernel;
  std::vector<std::int64_t> strides;    // empty: all 1
  std::vector<std::int64_t> dilations;  // empty: all 1
  std::vector<std::int64_t> pads;       // empty: all 0; else [begin..., end...]
  AutoPad auto_pad = AutoPad::notset;
  bool ceil_mode = false;
};

struct SpatialGeometry {
  Shape output;
  std::vector<std::int64_t> pad_begin;
  std::vector<std::int64_t> pad_end;
  std::vector<std::int64_t> extra_end;
};

// Checks the attribute list lengths against the number of spatial axes (Error(invalid_argument)
// naming the attribute) and applies sliding_window_axis to each axis.
SpatialGeometry sliding_window(const Shape& input_spatial, const WindowSpec& spec);
// The same for ConvTranspose; output_padding and output_shape may be empty.
SpatialGeometry transposed_window(const Shape& input_spatial, const WindowSpec& spec,
                                  const std::vector<std::int64_t>& output_padding,
                                  const std::vector<std::int64_t>& output_shape);

}  // namespace nnload::linalg
