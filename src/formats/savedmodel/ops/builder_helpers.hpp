// What the TF op builders share: typed constants, index inputs as int64 (ONNX ops take int64
// shapes and axes, TF graphs mostly hold int32), values a builder needs while it builds (axes
// that become ONNX attributes), data_format layouts, and rank-dependent shapes computed in the
// graph, which the executor folds to constants when it compiles a plan.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formats/savedmodel/tf_op_context.hpp"

namespace nnload::formats::savedmodel {

// value converted to `to` by a Cast node.
int cast(TfOpContext& ctx, int value, DType to, const std::string& step);

// Data input `input` as int64; its dtype is the node's attribute `type_attr` (int32 when absent).
int int64_input(TfOpContext& ctx, std::size_t input, const std::string& type_attr,
                const std::string& step);

// A scalar constant of `dtype`.
int typed_scalar(TfOpContext& ctx, const std::string& step, DType dtype, double value);

// The integer values of a data input that must be constant when the graph is built (an axis
// that becomes an ONNX attribute); Error(unsupported) naming the node otherwise.
std::vector<std::int64_t> constant_ints(TfOpContext& ctx, std::size_t input, const char* what);
std::int64_t constant_int(TfOpContext& ctx, std::size_t input, const char* what);

// The input's shape when the graph knows its rank (dims may be -1); nullopt otherwise.
std::optional<Shape> known_shape(TfOpContext& ctx, std::size_t input);

// `value` reshaped so that, broadcast against `like`, its axes line up with like's axes from
// `start` on: Reshape(value, Concat(Shape(value), ones(rank(like) - start - rank(value)))).
// Computed in the graph (folded when a plan is compiled): ranks are not known while building.
int align_axes(TfOpContext& ctx, int value, int like, std::int64_t start, const std::string& step);

// TensorFlow's data_format attribute: where channels are and how many spatial axes there are.
struct DataLayout {
  bool channels_last = true;
  std::size_t spatial = 2;

  std::size_t rank() const { return spatial + 2; }
  std::size_t channel_axis() const { return channels_last ? spatial + 1 : 1; }
  std::size_t first_spatial() const { return channels_last ? 1 : 2; }
};
// Reads data_format ("NHWC", "NCHW", "NDHWC", "NCDHW", "NWC", "NCW"), default NHWC-like with
// `spatial` axes; Error(unsupported) for other layouts (NCHW_VECT_C...).
DataLayout data_layout(TfOpContext& ctx, std::size_t spatial);

// The spatial entries of a per-axis attribute listed in data_format order (strides, ksize,
// dilations), checking that the batch and channel entries are `neutral`.
std::vector<std::int64_t> spatial_entries(TfOpContext& ctx, const std::string& attr,
                                          const DataLayout& layout, std::int64_t neutral,
                                          std::optional<std::vector<std::int64_t>> fallback = {});

// TensorFlow's padding attribute as ONNX attributes: SAME -> auto_pad SAME_UPPER (the odd pad
// at the end), VALID -> auto_pad VALID, EXPLICIT -> pads from explicit_paddings.
void set_padding(TfOpContext& ctx, const DataLayout& layout, graph::Attributes& attrs,
                 bool allow_explicit);

}  // namespace nnload::formats::savedmodel
