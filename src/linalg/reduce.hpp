// Reductions of a row-major tensor over any set of its axes. The input is viewed as alternating
// groups of kept and reduced axes, so every case runs as one of two loops over contiguous memory:
// - innermost group reduced ("rows"): each output reduces whole contiguous rows;
// - innermost group kept ("columns"): each block of outputs adds contiguous input rows into a
//   block of accumulators, which vectorises across outputs (NHWC spatial means, axis-0 sums).
// Both are parallel over independent outputs; when there are fewer outputs than threads, the
// reduced range is split and partial results are combined.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "linalg/parallel.hpp"
#include "nnload/tensor.hpp"

namespace nnload::linalg {

// A run of adjacent axes that are all kept or all reduced, merged into one dimension.
struct AxisGroup {
  std::int64_t size = 1;
  std::int64_t stride = 1;
};

class ReducePlan {
 public:
  ReducePlan() = default;
  // reduced[i] says whether axis i of `shape` is reduced (same length as shape).
  ReducePlan(const Shape& shape, const std::vector<bool>& reduced);

  std::int64_t outputs() const { return outputs_; }
  std::int64_t reduced_count() const { return reduced_count_; }
  // The innermost (contiguous) group: reduced or kept, and its size.
  bool inner_reduced() const { return inner_reduced_; }
  std::int64_t inner() const { return inner_; }
  // The other groups. In the rows case `kept` holds every kept group; in the columns case it
  // holds the kept groups outside the innermost one.
  const std::vector<AxisGroup>& kept() const { return kept_; }
  const std::vector<AxisGroup>& reduced() const { return reduced_; }
  std::int64_t outer() const { return outer_; }  // product of kept() sizes
  std::int64_t rows() const { return rows_; }    // product of reduced() sizes
  // Input offset of element `index` of the kept() groups, row-major.
  std::int64_t kept_offset(std::int64_t index) const;

 private:
  std::int64_t outputs_ = 1;
  std::int64_t reduced_count_ = 1;
  bool inner_reduced_ = false;
  std::int64_t inner_ = 1;
  std::vector<AxisGroup> kept_;
  std::vector<AxisGroup> reduced_;
  std::int64_t outer_ = 1;
  std::int64_t rows_ = 1;
};

// Input offsets of consecutive rows of a list of reduced groups, from row `start` on. One is
// made per output or tile, so its counters live inline (heap only past kInline groups).
class RowWalker {
 public:
  RowWalker(const std::vector<AxisGroup>& groups, std::int64_t start);
  RowWalker(const RowWalker&) = delete;  // counters_ may point into this object
  RowWalker& operator=(const RowWalker&) = delete;
  std::int64_t offset() const { return offset_; }
  void next() {
    for (std::size_t g = groups_->size(); g-- > 0;) {
      const AxisGroup& group = (*groups_)[g];
      offset_ += group.stride;
      if (++counters_[g] < group.size) return;
      offset_ -= group.stride * group.size;
      counters_[g] = 0;
    }
  }

 private:
  static constexpr std::size_t kInline = 8;
  const std::vector<AxisGroup>* groups_;
  std::int64_t inline_[kInline] = {};
  std::vector<std::int64_t> heap_;
  std::int64_t* counters_ = inline_;
  std::int64_t offset_ = 0;
};

// Elements of work below which a loop is not worth splitting across threads.
constexpr std::int64_t kReduceGrain = 16384;
// Outputs accumulated together in the columns case (accumulators stay in L1).
constexpr std::int64_t kColumnTile = 256;

inline std::int64_t available_threads() { return omp_in_parallel() ? 1 : omp_get_max_threads(); }

// A Reducer R over elements of type T provides
//   using Acc;                          the accumulator type
//   Acc init() const;                   the identity of combine
//   Acc map(T x, std::int64_t o) const; one element's contribution to output o
//   Acc combine(Acc a, Acc b) const;    associative
//   void store(std::int64_t o, Acc a) const;  finishes and writes output o
// run() methods call reduce() concurrently, so reducers hold only const state and the output
// pointers they write through.

// Reduces n contiguous elements. Independent lanes let the compiler vectorise any combine
// (floating-point addition is not reassociated otherwise) and shorten rounding chains; four
// vectors' worth of lanes hide the combine's latency.
template <class T, class R>
typename R::Acc reduce_contiguous(const T* x, std::int64_t n, const R& r, std::int64_t o) {
  using Acc = typename R::Acc;
  constexpr int kLanes = std::max<int>(16, static_cast<int>(256 / sizeof(Acc)));
  std::int64_t i = 0;
  Acc acc = r.init();
  if (n >= 2 * kLanes) {
    Acc lanes[kLanes];
    for (int l = 0; l < kLanes; ++l) lanes[l] = r.init();
    for (; i + kLanes <= n; i += kLanes) {
      for (int l = 0; l < kLanes; ++l) lanes[l] = r.combine(lanes[l], r.map(x[i + l], o));
    }
    for (int step = kLanes / 2; step > 0; step /= 2) {
      for (int l = 0; l < step; ++l) lanes[l] = r.combine(lanes[l], lanes[l + step]);
    }
    acc = lanes[0];
  }
  for (; i < n; ++i) acc = r.combine(acc, r.map(x[i], o));
  return acc;
}

namespace detail {

// Rows case: reduces elements [e0, e1) of output o's rows laid end to end.
template <class T, class R>
typename R::Acc reduce_row_range(const ReducePlan& p, const T* x, std::int64_t o, std::int64_t e0,
                                 std::int64_t e1, const R& r) {
  const std::int64_t len = p.inner();
  const T* base = x + p.kept_offset(o);
  typename R::Acc acc = r.init();
  std::int64_t i = e0 % len;
  RowWalker walker(p.reduced(), e0 / len);
  while (e0 < e1) {
    const std::int64_t take = std::min(len - i, e1 - e0);
    acc = r.combine(acc, reduce_contiguous(base + walker.offset() + i, take, r, o));
    e0 += take;
    i = 0;
    walker.next();
  }
  return acc;
}

template <class T, class R>
void reduce_rows(const ReducePlan& p, const T* x, const R& r) {
  using Acc = typename R::Acc;
  const std::int64_t outputs = p.outputs();
  const std::int64_t n = p.reduced_count();
  const std::int64_t threads = available_threads();
  std::int64_t splits = 1;
  if (outputs < threads && n >= 2 * kReduceGrain) {
    splits = std::min((threads + outputs - 1) / outputs, n / kReduceGrain);
  }
  if (splits <= 1) {
    parallel_for(outputs, std::max<std::int64_t>(1, kReduceGrain / n),
                 [&](std::int64_t begin, std::int64_t end) {
                   for (std::int64_t o = begin; o < end; ++o) {
                     r.store(o, reduce_row_range(p, x, o, 0, n, r));
                   }
                 });
    return;
  }
  // Not std::vector: its bool specialisation has no data() (Max/Min over bool accumulate bool).
  const auto partial = std::make_unique<Acc[]>(static_cast<std::size_t>(outputs * splits));
  parallel_for(outputs * splits, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t j = begin; j < end; ++j) {
      const std::int64_t o = j / splits;
      const std::int64_t s = j % splits;
      partial[static_cast<std::size_t>(j)] =
          reduce_row_range(p, x, o, n * s / splits, n * (s + 1) / splits, r);
    }
  });
  for (std::int64_t o = 0; o < outputs; ++o) {
    Acc acc = r.init();
    for (std::int64_t s = 0; s < splits; ++s) {
      acc = r.combine(acc, partial[static_cast<std::size_t>(o * splits + s)]);
    }
    r.store(o, acc);
  }
}

// Columns case: accumulates rows [r0, r1) of tile `item` into acc; returns the tile's width
// and its first output.
template <class T, class R>
std::int64_t reduce_column_tile(const ReducePlan& p, const T* x, std::int64_t item, std::int64_t r0,
                                std::int64_t r1, const R& r, typename R::Acc* acc,
                                std::int64_t* first_output) {
  const std::int64_t k_len = p.inner();
  const std::int64_t tiles = (k_len + kColumnTile - 1) / kColumnTile;
  const std::int64_t outer_index = item / tiles;
  const std::int64_t k0 = (item % tiles) * kColumnTile;
  const std::int64_t width = std::min(kColumnTile, k_len - k0);
  const std::int64_t o0 = outer_index * k_len + k0;
  const T* base = x + p.kept_offset(outer_index) + k0;
  for (std::int64_t k = 0; k < width; ++k) acc[k] = r.init();
  RowWalker walker(p.reduced(), r0);
  for (std::int64_t row = r0; row < r1; ++row, walker.next()) {
    const T* src = base + walker.offset();
    for (std::int64_t k = 0; k < width; ++k) acc[k] = r.combine(acc[k], r.map(src[k], o0 + k));
  }
  *first_output = o0;
  return width;
}

template <class T, class R>
void reduce_columns(const ReducePlan& p, const T* x, const R& r) {
  using Acc = typename R::Acc;
  const std::int64_t tiles = (p.inner() + kColumnTile - 1) / kColumnTile;
  const std::int64_t items = p.outer() * tiles;
  const std::int64_t rows = p.rows();
  const std::int64_t item_work = rows * std::min(p.inner(), kColumnTile);
  const std::int64_t threads = available_threads();
  std::int64_t splits = 1;
  if (items < threads && items * item_work >= 2 * kReduceGrain) {
    splits = std::min((threads + items - 1) / items,
                      std::max<std::int64_t>(1, item_work / kReduceGrain));
    splits = std::min(splits, rows);
  }
  if (splits <= 1) {
    parallel_for(items, std::max<std::int64_t>(1, kReduceGrain / item_work),
                 [&](std::int64_t begin, std::int64_t end) {
                   Acc acc[kColumnTile];
                   for (std::int64_t item = begin; item < end; ++item) {
                     std::int64_t o0 = 0;
                     const std::int64_t width =
                         reduce_column_tile(p, x, item, 0, rows, r, acc, &o0);
                     for (std::int64_t k = 0; k < width; ++k) r.store(o0 + k, acc[k]);
                   }
                 });
    return;
  }
  const auto partial =
      std::make_unique<Acc[]>(static_cast<std::size_t>(items * splits * kColumnTile));
  parallel_for(items * splits, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t j = begin; j < end; ++j) {
      const std::int64_t s = j % splits;
      std::int64_t o0 = 0;
      reduce_column_tile(p, x, j / splits, rows * s / splits, rows * (s + 1) / splits, r,
                         partial.get() + j * kColumnTile, &o0);
    }
  });
  for (std::int64_t item = 0; item < items; ++item) {
    const std::int64_t k0 = (item % tiles) * kColumnTile;
    const std::int64_t width = std::min(kColumnTile, p.inner() - k0);
    const std::int64_t o0 = (item / tiles) * p.inner() + k0;
    for (std::int64_t k = 0; k < width; ++k) {
      Acc acc = r.init();
      for (std::int64_t s = 0; s < splits; ++s) {
        acc = r.combine(acc,
                        partial[static_cast<std::size_t>((item * splits + s) * kColumnTile + k)]);
      }
      r.store(o0 + k, acc);
    }
  }
}

}  // namespace detail

// Reduces x (laid out as the plan's input) into the reducer's outputs.
template <class T, class R>
void reduce(const ReducePlan& p, const T* x, const R& r) {
  if (p.outputs() == 0) return;
  if (p.reduced_count() == 0) {
    for (std::int64_t o = 0; o < p.outputs(); ++o) r.store(o, r.init());
    return;
  }
  if (p.inner_reduced()) {
    detail::reduce_rows(p, x, r);
  } else {
    detail::reduce_columns(p, x, r);
  }
}

// y[i] = fn(x[i], o) for every input element i, where o is the output that i reduces into: the
// second half of normalisations (subtract the mean of i's group, divide by its norm). y has the
// input's layout and may be x itself.
template <class T, class U, class Fn>
void map_with_output(const ReducePlan& p, const T* x, U* y, Fn fn) {
  if (p.outputs() == 0 || p.reduced_count() == 0) return;
  const std::int64_t inner = p.inner();
  const std::int64_t rows = p.rows();
  if (p.inner_reduced()) {
    parallel_for(p.outputs(), std::max<std::int64_t>(1, kReduceGrain / p.reduced_count()),
                 [&](std::int64_t begin, std::int64_t end) {
                   for (std::int64_t o = begin; o < end; ++o) {
                     const std::int64_t base = p.kept_offset(o);
                     RowWalker walker(p.reduced(), 0);
                     for (std::int64_t row = 0; row < rows; ++row, walker.next()) {
                       const std::int64_t off = base + walker.offset();
                       for (std::int64_t i = 0; i < inner; ++i) y[off + i] = fn(x[off + i], o);
                     }
                   }
                 });
    return;
  }
  const std::int64_t tiles = (inner + kColumnTile - 1) / kColumnTile;
  const std::int64_t item_work = rows * std::min(inner, kColumnTile);
  parallel_for(p.outer() * tiles, std::max<std::int64_t>(1, kReduceGrain / item_work),
               [&](std::int64_t begin, std::int64_t end) {
                 for (std::int64_t item = begin; item < end; ++item) {
                   const std::int64_t outer_index = item / tiles;
                   const std::int64_t k0 = (item % tiles) * kColumnTile;
                   const std::int64_t width = std::min(kColumnTile, inner - k0);
                   const std::int64_t o0 = outer_index * inner + k0;
                   const std::int64_t base = p.kept_offset(outer_index) + k0;
                   RowWalker walker(p.reduced(), 0);
                   for (std::int64_t row = 0; row < rows; ++row, walker.next()) {
                     const std::int64_t off = base + walker.offset();
                     for (std::int64_t k = 0; k < width; ++k) {
                       y[off + k] = fn(x[off + k], o0 + k);
                     }
                   }
                 }
               });
}

// Mean and (biased) variance of n contiguous elements, in double, by two passes: exact enough
// for long rows where E[x^2] - E[x]^2 would cancel. n == 0 gives NaN for both.
struct Moments {
  double mean = 0;
  double variance = 0;
};

namespace detail {
template <class T>
struct SumAsDouble {
  using Acc = double;
  double init() const { return 0; }
  double map(T v, std::int64_t) const { return static_cast<double>(v); }
  double combine(double a, double b) const { return a + b; }
};
template <class T>
struct SquaredDeviation {
  using Acc = double;
  double mean;
  double init() const { return 0; }
  double map(T v, std::int64_t) const {
    const double d = static_cast<double>(v) - mean;
    return d * d;
  }
  double combine(double a, double b) const { return a + b; }
};
}  // namespace detail

template <class T>
Moments row_moments(const T* x, std::int64_t n) {
  const double count = static_cast<double>(n);
  Moments m;
  m.mean = reduce_contiguous(x, n, detail::SumAsDouble<T>{}, 0) / count;
  m.variance = reduce_contiguous(x, n, detail::SquaredDeviation<T>{m.mean}, 0) / count;
  return m;
}

}  // namespace nnload::linalg
