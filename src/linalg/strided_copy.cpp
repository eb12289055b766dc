#include "linalg/strided_copy.hpp"

#include <algorithm>
#include <cstring>

#include "core/element_size_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "linalg/parallel.hpp"

namespace nnload::linalg {

namespace {

constexpr std::int64_t kGrainElements = 16384;
constexpr std::int64_t kTile = 32;

struct Dim {
  std::int64_t size;
  std::int64_t src;  // element stride in the source
  std::int64_t dst;  // element stride in the destination
};

// Drops unit dimensions and merges neighbours that are contiguous in both source and
// destination, so that e.g. a transpose that only moves unit axes becomes one flat copy.
std::vector<Dim> simplify(const Shape& shape, std::span<const std::int64_t> src,
                          std::span<const std::int64_t> dst) {
  std::vector<Dim> dims;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    const Dim d{shape[i], src[i], dst[i]};
    if (!dims.empty() && dims.back().src == d.src * d.size && dims.back().dst == d.dst * d.size) {
      dims.back() = Dim{dims.back().size * d.size, d.src, d.dst};
    } else {
      dims.push_back(d);
    }
  }
  return dims;
}

// Walks the units [begin, end) of an index space given by `dims` (outermost first), calling
// fn(unit, src_offset, dst_offset) with running offsets instead of a division per unit.
template <class Fn>
void walk(const std::vector<Dim>& dims, std::int64_t begin, std::int64_t end, Fn&& fn) {
  const std::size_t n = dims.size();
  std::vector<std::int64_t> index(n, 0);
  std::int64_t s = 0;
  std::int64_t d = 0;
  std::int64_t rest = begin;
  for (std::size_t k = n; k-- > 0;) {
    index[k] = rest % dims[k].size;
    rest /= dims[k].size;
    s += index[k] * dims[k].src;
    d += index[k] * dims[k].dst;
  }
  for (std::int64_t u = begin; u < end; ++u) {
    fn(u, s, d);
    for (std::size_t k = n; k-- > 0;) {
      s += dims[k].src;
      d += dims[k].dst;
      if (++index[k] < dims[k].size) break;
      s -= dims[k].src * dims[k].size;
      d -= dims[k].dst * dims[k].size;
      index[k] = 0;
    }
  }
}

std::int64_t units_of(const std::vector<Dim>& dims) {
  std::int64_t n = 1;
  for (const Dim& d : dims) n *= d.size;
  return n;
}

// dst[r * dst_row + c] = src[r + c * src_col] for r < rows, c < cols. Full 8 x 8 blocks go
// through a local array with fixed bounds, which the compiler turns into vector shuffles. Rows
// run innermost so the 8 source lines of a column block are reused before moving on: with a
// power-of-two src_col they all share one cache set.
template <class E>
void transpose_tile(const E* src, std::int64_t src_col, E* dst, std::int64_t dst_row,
                    std::int64_t rows, std::int64_t cols) {
  constexpr std::int64_t B = 8;
  std::int64_t c0 = 0;
  for (; c0 + B <= cols; c0 += B) {
    std::int64_t r0 = 0;
    for (; r0 + B <= rows; r0 += B) {
      E block[B][B];
      const E* s = src + r0 + c0 * src_col;
      for (std::int64_t i = 0; i < B; ++i) {
        for (std::int64_t j = 0; j < B; ++j) block[i][j] = s[i * src_col + j];
      }
      E* d = dst + r0 * dst_row + c0;
      for (std::int64_t j = 0; j < B; ++j) {
        for (std::int64_t i = 0; i < B; ++i) d[j * dst_row + i] = block[i][j];
      }
    }
    for (; r0 < rows; ++r0) {
      for (std::int64_t c = c0; c < c0 + B; ++c) dst[r0 * dst_row + c] = src[r0 + c * src_col];
    }
  }
  for (; c0 < cols; ++c0) {
    for (std::int64_t r = 0; r < rows; ++r) dst[r * dst_row + c0] = src[r + c0 * src_col];
  }
}

template <class E>
void copy_dims(const E* src, E* dst, std::vector<Dim> dims) {
  if (dims.empty()) {
    *dst = *src;
    return;
  }
  const Dim inner = dims.back();
  dims.pop_back();

  if (inner.src == 1 && inner.dst == 1) {
    if (dims.empty()) {  // one flat copy, split in chunks
      parallel_for(inner.size, kGrainElements * 4, [&](std::int64_t b, std::int64_t e) {
        std::memcpy(dst + b, src + b, static_cast<std::size_t>(e - b) * sizeof(E));
      });
      return;
    }
    const std::size_t row_bytes = static_cast<std::size_t>(inner.size) * sizeof(E);
    parallel_for(units_of(dims), std::max<std::int64_t>(1, kGrainElements / inner.size),
                 [&](std::int64_t b, std::int64_t e) {
                   walk(dims, b, e, [&](std::int64_t, std::int64_t s, std::int64_t d) {
                     std::memcpy(dst + d, src + s, row_bytes);
                   });
                 });
    return;
  }

  // A transpose: some outer dimension is contiguous in the source. Copy tiles so that both
  // the strided reads and the contiguous writes stay in cache.
  auto unit_src = std::find_if(dims.begin(), dims.end(), [](const Dim& d) { return d.src == 1; });
  if (unit_src != dims.end() && inner.dst == 1) {
    const Dim across = *unit_src;
    dims.erase(unit_src);
    const std::int64_t tiles = (across.size + kTile - 1) / kTile;
    dims.push_back(Dim{tiles, kTile * across.src, kTile * across.dst});
    const std::int64_t work = kTile * inner.size;
    parallel_for(units_of(dims), std::max<std::int64_t>(1, kGrainElements / work),
                 [&](std::int64_t b, std::int64_t e) {
                   walk(dims, b, e, [&](std::int64_t u, std::int64_t s, std::int64_t d) {
                     const std::int64_t rows = std::min(kTile, across.size - (u % tiles) * kTile);
                     for (std::int64_t c0 = 0; c0 < inner.size; c0 += 2 * kTile) {
                       const std::int64_t cols = std::min(inner.size - c0, 2 * kTile);
                       transpose_tile(src + s + c0 * inner.src, inner.src, dst + d + c0, across.dst,
                                      rows, cols);
                     }
                   });
                 });
    return;
  }

  parallel_for(units_of(dims), std::max<std::int64_t>(1, kGrainElements / inner.size),
               [&](std::int64_t b, std::int64_t e) {
                 walk(dims, b, e, [&](std::int64_t, std::int64_t s, std::int64_t d) {
                   const E* in = src + s;
                   E* out = dst + d;
                   for (std::int64_t c = 0; c < inner.size; ++c) {
                     out[c * inner.dst] = in[c * inner.src];
                   }
                 });
               });
}

}  // namespace

void strided_copy(const void* src, std::span<const std::int64_t> strides, const Shape& shape,
                  void* dst, std::size_t elem_size) {
  if (strides.size() != shape.size()) {
    fail(ErrorCode::internal, "strided_copy: {} strides for shape {}", strides.size(),
         shape_to_list(shape));
  }
  if (shape_size(shape) == 0) return;
  const std::vector<std::int64_t> dst_strides = contiguous_strides(shape);
  const std::vector<Dim> dims = simplify(shape, strides, dst_strides);
  visit_element_size(elem_size, [&](auto tag) {
    using E = decltype(tag);
    copy_dims(static_cast<const E*>(src), static_cast<E*>(dst), dims);
  });
}

void transpose(const void* src, const Shape& in_shape, std::span<const std::int64_t> perm,
               void* dst, std::size_t elem_size) {
  const std::vector<std::int64_t> in_strides = contiguous_strides(in_shape);
  Shape out_shape(perm.size());
  std::vector<std::int64_t> strides(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) {
    out_shape[i] = in_shape[static_cast<std::size_t>(perm[i])];
    strides[i] = in_strides[static_cast<std::size_t>(perm[i])];
  }
  strided_copy(src, strides, out_shape, dst, elem_size);
}

namespace {

struct Segment {
  std::int64_t dst;
  std::int64_t src;  // -1: fill
  std::int64_t len;
};

template <class E>
void gather_rows(const E* src, const Shape& in_shape,
                 std::span<const std::vector<std::int64_t>> maps, E* dst, E fill) {
  const std::size_t rank = maps.size();
  if (rank == 0) {
    *dst = *src;
    return;
  }
  const std::vector<std::int64_t> in_strides = contiguous_strides(in_shape);
  // Outer axes as element offsets into the source (-1: the whole row is fill).
  std::vector<std::vector<std::int64_t>> offsets(rank - 1);
  std::int64_t rows = 1;
  for (std::size_t k = 0; k + 1 < rank; ++k) {
    offsets[k].reserve(maps[k].size());
    for (std::int64_t m : maps[k]) offsets[k].push_back(m < 0 ? -1 : m * in_strides[k]);
    rows *= static_cast<std::int64_t>(maps[k].size());
  }
  const std::vector<std::int64_t>& inner = maps[rank - 1];
  const std::int64_t len = static_cast<std::int64_t>(inner.size());

  std::vector<Segment> segments;
  for (std::int64_t j = 0; j < len; ++j) {
    const std::int64_t m = inner[static_cast<std::size_t>(j)];
    if (!segments.empty()) {
      Segment& last = segments.back();
      const bool extends = m < 0 ? last.src < 0 : (last.src >= 0 && last.src + last.len == m);
      if (extends) {
        ++last.len;
        continue;
      }
    }
    segments.push_back(Segment{j, m < 0 ? -1 : m, 1});
  }
  const bool by_segment = static_cast<std::int64_t>(segments.size()) * 4 <= len;

  auto fill_row = [&](E* out) { std::fill(out, out + len, fill); };
  auto copy_row = [&](const E* in, E* out) {
    if (by_segment) {
      for (const Segment& sg : segments) {
        if (sg.src < 0) {
          std::fill(out + sg.dst, out + sg.dst + sg.len, fill);
        } else {
          std::memcpy(out + sg.dst, in + sg.src, static_cast<std::size_t>(sg.len) * sizeof(E));
        }
      }
    } else {
      for (std::int64_t j = 0; j < len; ++j) {
        const std::int64_t m = inner[static_cast<std::size_t>(j)];
        out[j] = m < 0 ? fill : in[m];
      }
    }
  };

  parallel_for(rows, std::max<std::int64_t>(1, kGrainElements / std::max<std::int64_t>(len, 1)),
               [&](std::int64_t begin, std::int64_t end) {
                 std::vector<std::size_t> index(rank - 1, 0);
                 std::int64_t rest = begin;
                 for (std::size_t k = rank - 1; k-- > 0;) {
                   index[k] =
                       static_cast<std::size_t>(rest % static_cast<std::int64_t>(maps[k].size()));
                   rest /= static_cast<std::int64_t>(maps[k].size());
                 }
                 std::int64_t previous = -2;  // source offset of the row before, -1 for fill
                 for (std::int64_t r = begin; r < end; ++r) {
                   std::int64_t offset = 0;
                   for (std::size_t k = 0; k + 1 < rank && offset >= 0; ++k) {
                     const std::int64_t o = offsets[k][index[k]];
                     offset = o < 0 ? -1 : offset + o;
                   }
                   E* out = dst + r * len;
                   // Repeated rows (tile, upsampling) copy the row just written, which is hot.
                   if (r > begin && offset == previous) {
                     std::memcpy(out, out - len, static_cast<std::size_t>(len) * sizeof(E));
                   } else if (offset < 0) {
                     fill_row(out);
                   } else {
                     copy_row(src + offset, out);
                   }
                   previous = offset;
                   for (std::size_t k = rank - 1; k-- > 0;) {
                     if (++index[k] < maps[k].size()) break;
                     index[k] = 0;
                   }
                 }
               });
}

}  // namespace

void gather_axes(const void* src, const Shape& in_shape,
                 std::span<const std::vector<std::int64_t>> maps, void* dst, std::size_t elem_size,
                 const void* fill) {
  if (maps.size() != in_shape.size()) {
    fail(ErrorCode::internal, "gather_axes: {} maps for shape {}", maps.size(),
         shape_to_list(in_shape));
  }
  for (const auto& m : maps) {
    if (m.empty()) return;
  }
  visit_element_size(elem_size, [&](auto tag) {
    using E = decltype(tag);
    E fill_value{};
    if (fill != nullptr) std::memcpy(&fill_value, fill, sizeof(E));
    gather_rows(static_cast<const E*>(src), in_shape, maps, static_cast<E*>(dst), fill_value);
  });
}

}  // namespace nnload::linalg
