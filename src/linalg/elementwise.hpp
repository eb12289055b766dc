// Elementwise loops: unary maps and numpy-style broadcasting binary/variadic loops, with
// contiguous fast paths (same shape, one side a scalar, row or channel broadcast) written as
// plain loops the compiler vectorises, run in parallel over large outputs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "linalg/parallel.hpp"
#include "nnload/tensor.hpp"

namespace nnload::linalg {

// Elements per parallel chunk: below this, threading costs more than it saves.
inline constexpr std::int64_t kElementwiseGrain = 16384;

// y[i] = f(x[i]) for i < n. x and y may be the same buffer.
template <class X, class Y, class F>
void map_unary(const X* x, Y* y, std::int64_t n, F f) {
  parallel_for(n, kElementwiseGrain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) y[i] = f(x[i]);
  });
}

// How a broadcasting binary loop reads its inputs a and b for an output of shape `out`.
struct BroadcastPlan {
  enum class Kind {
    same,      // a, b and the output have the same element count and order
    a_scalar,  // a is one value, b is laid out like the output
    b_scalar,  // b is one value, a is laid out like the output
    general,   // strided: see dims and strides
  };
  Kind kind = Kind::same;
  std::int64_t size = 0;  // output elements
  // For `general`: the output's dimensions after dropping 1s and merging neighbours that every
  // input reads contiguously (or broadcasts) alike, outermost first; each input's element
  // strides there (0 where it broadcasts). The innermost stride of each input is 0 or 1.
  std::vector<std::int64_t> dims;
  std::vector<std::int64_t> a_strides;
  std::vector<std::int64_t> b_strides;
};

// Plans reading a and b (each broadcastable to `out`, e.g. out = broadcast_shapes(a, b)) at
// the output's coordinates. Throws Error(shape) when one does not broadcast to `out`.
BroadcastPlan plan_broadcast(const Shape& a, const Shape& b, const Shape& out);

namespace detail {
template <class A, class B, class R, class F>
void broadcast_rows(const BroadcastPlan& p, const A* a, const B* b, R* out, F& f) {
  const std::size_t rank = p.dims.size();
  const std::int64_t inner = p.dims[rank - 1];
  const bool a_step = p.a_strides[rank - 1] != 0;
  const bool b_step = p.b_strides[rank - 1] != 0;
  const std::int64_t rows = p.size / inner;
  parallel_for(rows, std::max<std::int64_t>(1, kElementwiseGrain / inner),
               [&](std::int64_t row_begin, std::int64_t row_end) {
                 // Coordinates of row `row_begin` in the outer dimensions, and the offsets
                 // they give into a and b; then walk rows like an odometer.
                 std::vector<std::int64_t> index(rank - 1, 0);
                 std::int64_t a_off = 0;
                 std::int64_t b_off = 0;
                 std::int64_t rest = row_begin;
                 for (std::size_t d = rank - 1; d-- > 0;) {
                   index[d] = rest % p.dims[d];
                   rest /= p.dims[d];
                   a_off += index[d] * p.a_strides[d];
                   b_off += index[d] * p.b_strides[d];
                 }
                 for (std::int64_t r = row_begin; r < row_end; ++r) {
                   R* o = out + r * inner;
                   const A* pa = a + a_off;
                   const B* pb = b + b_off;
                   if (a_step && b_step) {
                     for (std::int64_t i = 0; i < inner; ++i) o[i] = f(pa[i], pb[i]);
                   } else if (a_step) {
                     const B bv = *pb;
                     for (std::int64_t i = 0; i < inner; ++i) o[i] = f(pa[i], bv);
                   } else if (b_step) {
                     const A av = *pa;
                     for (std::int64_t i = 0; i < inner; ++i) o[i] = f(av, pb[i]);
                   } else {
                     const R v = f(*pa, *pb);
                     for (std::int64_t i = 0; i < inner; ++i) o[i] = v;
                   }
                   for (std::size_t d = rank - 1; d-- > 0;) {
                     if (++index[d] < p.dims[d]) {
                       a_off += p.a_strides[d];
                       b_off += p.b_strides[d];
                       break;
                     }
                     a_off -= (p.dims[d] - 1) * p.a_strides[d];
                     b_off -= (p.dims[d] - 1) * p.b_strides[d];
                     index[d] = 0;
                   }
                 }
               });
}
}  // namespace detail

// out[i] = f(a[...], b[...]) over the output, reading a and b as `plan` says. `out` may be the
// same buffer as a (or b) when that input has the output's shape: each element is read before
// it is written.
template <class A, class B, class R, class F>
void broadcast_binary(const BroadcastPlan& plan, const A* a, const B* b, R* out, F f) {
  const std::int64_t n = plan.size;
  if (n == 0) return;
  switch (plan.kind) {
    case BroadcastPlan::Kind::same:
      parallel_for(n, kElementwiseGrain, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) out[i] = f(a[i], b[i]);
      });
      return;
    case BroadcastPlan::Kind::a_scalar: {
      const A av = a[0];
      parallel_for(n, kElementwiseGrain, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) out[i] = f(av, b[i]);
      });
      return;
    }
    case BroadcastPlan::Kind::b_scalar: {
      const B bv = b[0];
      parallel_for(n, kElementwiseGrain, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) out[i] = f(a[i], bv);
      });
      return;
    }
    case BroadcastPlan::Kind::general:
      detail::broadcast_rows(plan, a, b, out, f);
      return;
  }
}

// Convenience: plans and runs in one call.
template <class A, class B, class R, class F>
void broadcast_binary(const A* a, const Shape& a_shape, const B* b, const Shape& b_shape, R* out,
                      const Shape& out_shape, F f) {
  broadcast_binary(plan_broadcast(a_shape, b_shape, out_shape), a, b, out, f);
}

// Folds f over several inputs broadcast to `out_shape`: out = f(...f(f(in0, in1), in2)...).
// With one input, copies it broadcast. Inputs 0 and 1 may share the output's buffer when they
// have its shape; later inputs must not (the output already holds partial results).
template <class T, class F>
void broadcast_variadic(std::span<const T* const> inputs, std::span<const Shape> shapes, T* out,
                        const Shape& out_shape, F f) {
  if (inputs.empty()) return;
  if (inputs.size() == 1) {
    broadcast_binary(inputs[0], shapes[0], inputs[0], shapes[0], out, out_shape,
                     [](T v, T) { return v; });
    return;
  }
  broadcast_binary(inputs[0], shapes[0], inputs[1], shapes[1], out, out_shape, f);
  for (std::size_t k = 2; k < inputs.size(); ++k) {
    broadcast_binary(out, out_shape, inputs[k], shapes[k], out, out_shape, f);
  }
}

}  // namespace nnload::linalg
