// Helpers for the elementwise and activation op tests: random tensors, attribute lists, and
// reference computations written as plain index loops (independent of linalg's plans).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "graph/attributes.hpp"
#include "nnload/tensor.hpp"
#include "ops/run_op.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::testing {

// Uniform values in [lo, hi] (integers: inclusive), reproducible per seed.
template <class T>
Tensor random_tensor(Shape shape, double lo, double hi, unsigned seed = 1) {
  Tensor t = Tensor::empty(dtype_of<T>(), std::move(shape));
  std::mt19937 rng(seed);
  T* p = t.mutable_data<T>();
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    if constexpr (std::is_same_v<T, bool>) {
      p[i] = (rng() & 1u) != 0;
    } else if constexpr (std::is_integral_v<T>) {
      std::uniform_int_distribution<std::int64_t> dist(static_cast<std::int64_t>(lo),
                                                       static_cast<std::int64_t>(hi));
      p[i] = static_cast<T>(dist(rng));
    } else {
      std::uniform_real_distribution<double> dist(lo, hi);
      p[i] = static_cast<T>(dist(rng));
    }
  }
  return t;
}

inline graph::Attributes attrs(
    std::initializer_list<std::pair<std::string, graph::AttrValue>> list) {
  graph::Attributes a;
  for (const auto& [name, value] : list) a.set(name, value);
  return a;
}

// Runs an ONNX op with one output at `opset`.
inline Tensor run1(const std::string& op, const std::vector<Tensor>& inputs,
                   const graph::Attributes& a = {}, int opset = graph::kLatestOpset,
                   const std::string& domain = "") {
  return ops::run_op(op, inputs, a, 1, domain, opset).at(0);
}

// Element offset in `in` (right-aligned against `out`, size-1 dims broadcast) of output
// element `flat`.
inline std::int64_t broadcast_offset(const Shape& in, const Shape& out, std::int64_t flat) {
  std::int64_t offset = 0;
  std::int64_t stride = 1;
  for (std::size_t k = 0; k < out.size(); ++k) {
    const std::size_t d = out.size() - 1 - k;
    const std::int64_t coord = flat % out[d];
    flat /= out[d];
    if (k < in.size()) {
      const std::size_t id = in.size() - 1 - k;
      if (in[id] != 1) offset += coord * stride;
      stride *= in[id];
    }
  }
  return offset;
}

// out = f(a, b) by numpy broadcasting rules, one element at a time.
template <class A, class B, class R, class F>
Tensor reference_binary(const Tensor& a, const Tensor& b, const Shape& out_shape, F f) {
  Tensor out = Tensor::empty(dtype_of<R>(), out_shape);
  R* o = out.mutable_data<R>();
  for (std::int64_t i = 0; i < out.numel(); ++i) {
    o[i] = f(a.data<A>()[broadcast_offset(a.shape(), out_shape, i)],
             b.data<B>()[broadcast_offset(b.shape(), out_shape, i)]);
  }
  return out;
}

template <class X, class Y, class F>
Tensor reference_unary(const Tensor& x, F f) {
  Tensor out = Tensor::empty(dtype_of<Y>(), x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) out.mutable_data<Y>()[i] = f(x.data<X>()[i]);
  return out;
}

}  // namespace nnload::testing
