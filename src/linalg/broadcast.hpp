// Numpy/ONNX multidirectional broadcasting: the result shape, and each input's strides in the
// result's coordinates.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nnload/tensor.hpp"

namespace nnload::linalg {

// Broadcast shape of several shapes; throws Error(shape) naming both shapes when they conflict.
Shape broadcast_shapes(std::span<const Shape> shapes);
Shape broadcast_shapes(const Shape& a, const Shape& b);

// Element strides of a row-major tensor of shape `in` when read at the coordinates of `out`
// (rank of `out`); broadcast dimensions get stride 0.
std::vector<std::int64_t> broadcast_strides(const Shape& in, const Shape& out);

// Row-major element strides of a shape.
std::vector<std::int64_t> contiguous_strides(const Shape& shape);

// Normalises a possibly negative axis against `rank`; throws Error(invalid_argument) when out
// of range. `what` names the attribute for the message.
std::int64_t normalize_axis(std::int64_t axis, std::int64_t rank, const char* what = "axis");

}  // namespace nnload::linalg
