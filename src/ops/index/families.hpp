// The index family's files each contribute rows; table.cpp concatenates them.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ops/op.hpp"

namespace nnload::ops {

OpTable gather_ops();   // gather.cpp
OpTable scatter_ops();  // scatter.cpp
OpTable select_ops();   // select.cpp
OpTable topk_ops();     // topk.cpp
OpTable scan_ops();     // scan.cpp

// Index tensors (int32 or int64) as int64 with negative entries wrapped by `dim`; Error(shape)
// naming the op when one is outside [-dim, dim). Runs before any parallel copy, so a bad index
// is an Error and never an out-of-bounds read.
void check_index_dtype(DType dtype, const char* op, const char* what);
std::vector<std::int64_t> index_values(const Tensor& indices, const char* op);
std::vector<std::int64_t> wrapped_indices(const Tensor& indices, std::int64_t dim, const char* op);
std::int64_t wrap_index(std::int64_t index, std::int64_t dim, const char* op);

// Element offsets into a tensor of shape `data` for every position of `sub` (a shape no larger
// than data's, same rank), taking the `axis` coordinate from idx (wrapped) instead: the
// addressing of GatherElements and ScatterElements.
std::vector<std::int64_t> element_offsets(const Shape& data, const Shape& sub, std::size_t axis,
                                          std::span<const std::int64_t> idx);

}  // namespace nnload::ops
