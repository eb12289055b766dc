#include "ops/elementwise/binary.hpp"

#include "linalg/broadcast.hpp"

namespace nnload::ops::elementwise {

BinaryAttrs parse_binary(const graph::Node& node) {
  BinaryAttrs attrs;
  attrs.fmod = node.attrs.int_or("fmod", 0) != 0;
  if (node.attrs.has("direction")) {
    const std::string& direction = node.attrs.get_string("direction");
    if (direction != "LEFT" && direction != "RIGHT") {
      fail(ErrorCode::invalid_argument, "direction is '{}', expected 'LEFT' or 'RIGHT'", direction);
    }
    attrs.shift_left = direction == "LEFT";
  }
  return attrs;
}

BinaryAttrs parse_binary_legacy(const graph::Node& node) {
  BinaryAttrs attrs = parse_binary(node);
  attrs.legacy = true;
  attrs.legacy_broadcast = node.attrs.int_or("broadcast", 0) != 0;
  if (node.attrs.has("axis")) attrs.legacy_axis = node.attrs.get_int("axis");
  return attrs;
}

Shape effective_b_shape(const BinaryAttrs& attrs, const Shape& a, const Shape& b) {
  if (!attrs.legacy) return b;
  if (!attrs.legacy_broadcast) {
    if (a != b) {
      fail(ErrorCode::shape, "inputs have shapes {} and {}; without broadcast=1 they must match",
           shape_to_list(a), shape_to_list(b));
    }
    return b;
  }
  if (shape_size(b) == 1) return Shape(a.size(), 1);
  const auto rank_a = static_cast<std::int64_t>(a.size());
  const auto rank_b = static_cast<std::int64_t>(b.size());
  std::int64_t axis = rank_a - rank_b;
  if (attrs.legacy_axis != std::numeric_limits<std::int64_t>::min()) {
    axis = linalg::normalize_axis(attrs.legacy_axis, rank_a);
  }
  // Size-1 dimensions of B stretch, as the ONNX reference and PyTorch's exports expect
  // (Add[broadcast=1, axis=0] of 2x3 and 2x1).
  const auto matches = [&] {
    for (std::int64_t i = 0; i < rank_b; ++i) {
      if (b[static_cast<std::size_t>(i)] != 1 &&
          b[static_cast<std::size_t>(i)] != a[static_cast<std::size_t>(axis + i)])
        return false;
    }
    return true;
  };
  if (rank_b > rank_a || axis < 0 || axis + rank_b > rank_a || !matches()) {
    fail(ErrorCode::shape, "input 1 of shape {} does not match input 0 of shape {} at axis {}",
         shape_to_list(b), shape_to_list(a), axis);
  }
  Shape shape(a.size(), 1);
  std::copy(b.begin(), b.end(), shape.begin() + axis);
  return shape;
}

Shape infer_binary_shape(const BinaryAttrs& attrs, std::span<const InputInfo> inputs,
                         DTypeMask allowed) {
  check_inputs(inputs, 2, 2);
  check_dtype(inputs[0].dtype, allowed, "input 0");
  check_same_dtype(inputs[0].dtype, "input 0", inputs[1].dtype, "input 1");
  if (attrs.legacy) {
    effective_b_shape(attrs, inputs[0].shape, inputs[1].shape);
    return inputs[0].shape;
  }
  return linalg::broadcast_shapes(inputs[0].shape, inputs[1].shape);
}

void check_no_zero_divisor(const Tensor& divisor) {
  visit_dtype(divisor.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T>) {
      for (const T v : divisor.values<T>()) {
        if (v == T(0)) fail(ErrorCode::invalid_argument, "integer division by zero");
      }
    }
  });
}

}  // namespace nnload::ops::elementwise
