// Moving elements between layouts without looking at their values: strided views (slices,
// broadcasts, transposes) and per-axis index maps (tile, pad, nearest resampling).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "nnload/tensor.hpp"

namespace nnload::linalg {

// Writes the contiguous tensor of `shape` whose element at index (i0, ..., in) is
// src[i0 * strides[0] + ... + in * strides[n]] (element strides of any sign; 0 repeats).
// `src` points at the element of index (0, ..., 0). Elements are `elem_size` bytes (1, 2, 4, 8).
// Parallel; adjacent dimensions are merged first, so no-op views become one memcpy and batched
// 2-D transposes (NCHW <-> NHWC included) take a cache-blocked path.
void strided_copy(const void* src, std::span<const std::int64_t> strides, const Shape& shape,
                  void* dst, std::size_t elem_size);

// dst = src with its axes permuted: dst axis i is src axis perm[i]. perm must be a permutation
// of 0..rank-1 (checked by the caller).
void transpose(const void* src, const Shape& in_shape, std::span<const std::int64_t> perm,
               void* dst, std::size_t elem_size);

// Per-axis index maps: dst has maps[k].size() elements along axis k, and its element at
// (i0, ..., in) is src[maps[0][i0], ..., maps[n][in]], or the `elem_size` bytes at `fill` when
// any of those map entries is -1. Every other entry must be in [0, in_shape[k]) (the caller
// builds the maps; tile, pad and nearest resize are all such maps).
void gather_axes(const void* src, const Shape& in_shape,
                 std::span<const std::vector<std::int64_t>> maps, void* dst, std::size_t elem_size,
                 const void* fill);

}  // namespace nnload::linalg
