#include "linalg/broadcast.hpp"

#include <algorithm>

#include "core/fail.hpp"

namespace nnload::linalg {

Shape broadcast_shapes(std::span<const Shape> shapes) {
  std::size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (const Shape& s : shapes) {
    const std::size_t offset = rank - s.size();
    for (std::size_t i = 0; i < s.size(); ++i) {
      std::int64_t& o = out[offset + i];
      const std::int64_t d = s[i];
      if (d == o || d == 1) continue;
      if (o == 1) {
        o = d;
        continue;
      }
      std::vector<std::string> all;
      for (const Shape& t : shapes) all.push_back(shape_to_list(t));
      fail(ErrorCode::shape, "shapes {} cannot be broadcast together", fmt::join(all, " and "));
    }
  }
  return out;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const Shape both[] = {a, b};
  return broadcast_shapes(std::span<const Shape>(both));
}

std::vector<std::int64_t> contiguous_strides(const Shape& shape) {
  std::vector<std::int64_t> strides(shape.size(), 1);
  for (std::size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

std::vector<std::int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  if (in.size() > out.size()) {
    fail(ErrorCode::shape, "cannot broadcast {} to {}", shape_to_list(in), shape_to_list(out));
  }
  const std::vector<std::int64_t> own = contiguous_strides(in);
  std::vector<std::int64_t> strides(out.size(), 0);
  const std::size_t offset = out.size() - in.size();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == out[offset + i]) {
      strides[offset + i] = own[i];
    } else if (in[i] != 1) {
      fail(ErrorCode::shape, "cannot broadcast {} to {}", shape_to_list(in), shape_to_list(out));
    }
  }
  return strides;
}

std::int64_t normalize_axis(std::int64_t axis, std::int64_t rank, const char* what) {
  if (axis < -rank || axis >= rank) {
    fail(ErrorCode::invalid_argument, "{} {} is out of range for rank {}", what, axis, rank);
  }
  return axis < 0 ? axis + rank : axis;
}

}  // namespace nnload::linalg
