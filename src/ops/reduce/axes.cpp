#include "ops/reduce/axes.hpp"

#include "core/fail.hpp"
#include "linalg/broadcast.hpp"

namespace nnload::ops {

ReduceAxes parse_axes_attribute(const graph::Node& node) {
  ReduceAxes spec;
  spec.axes = node.attrs.ints_or("axes", {});
  spec.keepdims = node.attrs.int_or("keepdims", 1) != 0;
  return spec;
}

ReduceAxes parse_axes_input(const graph::Node& node) {
  ReduceAxes spec;
  spec.from_input = true;
  // Not in the ONNX schema from 13/18 on, but some converters still write it; ONNX Runtime
  // honours it when there is no axes input, and so do we.
  spec.axes = node.attrs.ints_or("axes", {});
  spec.keepdims = node.attrs.int_or("keepdims", 1) != 0;
  spec.noop_with_empty_axes = node.attrs.int_or("noop_with_empty_axes", 0) != 0;
  return spec;
}

std::vector<bool> axes_to_flags(std::span<const std::int64_t> axes, std::int64_t rank) {
  std::vector<bool> flags(static_cast<std::size_t>(rank), false);
  for (std::int64_t axis : axes) {
    const auto a = static_cast<std::size_t>(linalg::normalize_axis(axis, rank, "axis"));
    if (flags[a]) fail(ErrorCode::invalid_argument, "axis {} is listed twice", axis);
    flags[a] = true;
  }
  return flags;
}

std::vector<bool> resolve_reduced_axes(const ReduceAxes& spec, std::span<const InputInfo> inputs) {
  if (inputs.empty() || !inputs[0].present) {
    fail(ErrorCode::invalid_argument, "the data input is missing");
  }
  const auto rank = static_cast<std::int64_t>(inputs[0].shape.size());
  std::vector<std::int64_t> axes = spec.axes;
  if (spec.from_input && inputs.size() > 1 && inputs[1].present) {
    const InputInfo& info = inputs[1];
    if (info.dtype != DType::i64) {
      fail(ErrorCode::shape, "axes has dtype {}, expected int64", dtype_name(info.dtype));
    }
    if (info.shape.size() > 1) {
      fail(ErrorCode::shape, "axes has rank {}, expected 1", info.shape.size());
    }
    if (!info.has_value()) {
      fail(ErrorCode::unsupported,
           "axes is computed while the model runs; nnload needs it known when the model is "
           "compiled");
    }
    const auto values = info.value->values<std::int64_t>();
    axes.assign(values.begin(), values.end());
  }
  if (axes.empty()) {
    return std::vector<bool>(static_cast<std::size_t>(rank), !spec.noop_with_empty_axes);
  }
  return axes_to_flags(axes, rank);
}

Shape reduced_shape(const Shape& shape, const std::vector<bool>& reduced, bool keepdims) {
  Shape out;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (!reduced[i]) {
      out.push_back(shape[i]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  return out;
}

}  // namespace nnload::ops
