#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "ops/index/families.hpp"

namespace nnload::ops {

void check_index_dtype(DType dtype, const char* op, const char* what) {
  if (dtype != DType::i32 && dtype != DType::i64) {
    fail(ErrorCode::shape, "{}: '{}' has dtype {}, expected int32 or int64", op, what,
         dtype_name(dtype));
  }
}

std::int64_t wrap_index(std::int64_t index, std::int64_t dim, const char* op) {
  if (index < -dim || index >= dim) {
    fail(ErrorCode::invalid_argument, "{}: index {} is out of range for a dimension of size {}", op,
         index, dim);
  }
  return index < 0 ? index + dim : index;
}

std::vector<std::int64_t> index_values(const Tensor& indices, const char* op) {
  check_index_dtype(indices.dtype(), op, "indices");
  std::vector<std::int64_t> out(static_cast<std::size_t>(indices.numel()));
  if (indices.dtype() == DType::i32) {
    const std::int32_t* p = indices.data<std::int32_t>();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = p[i];
  } else {
    const std::int64_t* p = indices.data<std::int64_t>();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = p[i];
  }
  return out;
}

std::vector<std::int64_t> wrapped_indices(const Tensor& indices, std::int64_t dim, const char* op) {
  std::vector<std::int64_t> out = index_values(indices, op);
  for (std::int64_t& i : out) i = wrap_index(i, dim, op);
  return out;
}

std::vector<std::int64_t> element_offsets(const Shape& data, const Shape& sub, std::size_t axis,
                                          std::span<const std::int64_t> idx) {
  const std::vector<std::int64_t> strides = linalg::contiguous_strides(data);
  std::vector<std::int64_t> offsets(idx.size());
  std::vector<std::int64_t> pos(sub.size(), 0);
  for (std::size_t i = 0; i < idx.size(); ++i) {
    std::int64_t off = 0;
    for (std::size_t d = 0; d < sub.size(); ++d) off += (d == axis ? idx[i] : pos[d]) * strides[d];
    offsets[i] = off;
    for (std::size_t d = sub.size(); d-- > 0;) {
      if (++pos[d] < sub[d]) break;
      pos[d] = 0;
    }
  }
  return offsets;
}

}  // namespace nnload::ops
