// Reading the small inputs that data-movement ops need as values (shapes, axes, pads, scales),
// both while inferring (from InputInfo::value) and while running (from the tensors).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ops/op.hpp"

namespace nnload::ops {

// Input i exists and is not an omitted optional input.
inline bool has_input(std::span<const InputInfo> in, std::size_t i) {
  return i < in.size() && in[i].present;
}
inline bool has_input(std::span<const Tensor> in, std::size_t i) {
  return i < in.size() && in[i].defined();
}

// Throws Error(invalid_argument) unless there are between min and max inputs, the first `min`
// of them present.
void check_input_count(std::span<const InputInfo> in, std::size_t min, std::size_t max,
                       const char* op);

// The compile-time value of input i. The executor folds shape computations to constants
// before inferring, so an unknown value here means nnload cannot plan this node:
// Error(unsupported).
const Tensor& constant_input(std::span<const InputInfo> in, std::size_t i, const char* op,
                             const char* what);

// The elements of an integer tensor (any integer dtype) as int64; Error(shape) for other dtypes.
std::vector<std::int64_t> int_values(const Tensor& t, const char* op, const char* what);
// The elements of a floating or integer tensor as double.
std::vector<double> float_values(const Tensor& t, const char* op, const char* what);
// The single element of a one-element integer tensor.
std::int64_t int_scalar(const Tensor& t, const char* op, const char* what);

// Normalises ONNX axes against `rank`, rejecting out-of-range and repeated axes.
std::vector<std::int64_t> normalize_axes(std::span<const std::int64_t> axes, std::int64_t rank,
                                         const char* op);

// Copies input to output unless they already share storage (ops registered with bind_alias).
void copy_unless_aliased(const Tensor& in, Tensor& out);

}  // namespace nnload::ops
