// Helpers shared by the data-movement op tests (shape, index, resize): building attributes,
// running one op, random tensors of any dtype and a byte-exact reference gather.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/dtype_dispatch.hpp"
#include "graph/attributes.hpp"
#include "linalg/broadcast.hpp"
#include "ops/run_op.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::testing {

inline graph::Attributes attrs(
    std::initializer_list<std::pair<std::string, graph::AttrValue>> list) {
  graph::Attributes a;
  for (const auto& [name, value] : list) a.set(name, value);
  return a;
}

inline Tensor run1(const std::string& op, const std::vector<Tensor>& inputs,
                   const graph::Attributes& a = {}, int opset = graph::kLatestOpset) {
  return ops::run_op(op, inputs, a, 1, "", opset).at(0);
}

inline Tensor i64s(std::vector<std::int64_t> v) {
  const auto n = static_cast<std::int64_t>(v.size());
  return Tensor::from_vector(v, {n});
}
inline Tensor f32s(std::vector<float> v, Shape shape) {
  return Tensor::from_vector(v, std::move(shape));
}

inline const std::vector<DType>& all_dtypes() {
  static const std::vector<DType> all = {DType::f32, DType::f16,    DType::bf16, DType::f64,
                                         DType::i8,  DType::i16,    DType::i32,  DType::i64,
                                         DType::u8,  DType::boolean};
  return all;
}

// Random contents: any bit pattern for numbers (data movement never looks at values), 0/1 for bool.
inline Tensor random_tensor(DType dtype, Shape shape, unsigned seed = 1) {
  Tensor t = Tensor::empty(dtype, std::move(shape));
  std::mt19937 rng(seed);
  auto* bytes = static_cast<unsigned char*>(t.mutable_raw());
  for (std::size_t i = 0; i < t.nbytes(); ++i) {
    bytes[i] = static_cast<unsigned char>(dtype == DType::boolean ? rng() % 2 : rng() % 256);
  }
  return t;
}

// Uniform floats in [lo, hi).
inline Tensor random_floats(Shape shape, unsigned seed = 1, float lo = -1, float hi = 1) {
  Tensor t = Tensor::empty(DType::f32, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  float* p = t.mutable_data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = dist(rng);
  return t;
}

inline ::testing::AssertionResult bytes_equal(const Tensor& actual, const Tensor& expected) {
  if (actual.dtype() != expected.dtype()) {
    return ::testing::AssertionFailure() << "dtype " << dtype_name(actual.dtype())
                                         << " != expected " << dtype_name(expected.dtype());
  }
  if (actual.shape() != expected.shape()) {
    return ::testing::AssertionFailure() << "shape " << shape_to_list(actual.shape())
                                         << " != expected " << shape_to_list(expected.shape());
  }
  const std::size_t elem = dtype_size(actual.dtype());
  for (std::int64_t i = 0; i < actual.numel(); ++i) {
    const auto* a =
        static_cast<const unsigned char*>(actual.raw()) + i * static_cast<std::int64_t>(elem);
    const auto* b =
        static_cast<const unsigned char*>(expected.raw()) + i * static_cast<std::int64_t>(elem);
    if (std::memcmp(a, b, elem) != 0) {
      return ::testing::AssertionFailure()
             << "element " << i << " differs (" << actual.value_as_double(i) << " vs expected "
             << expected.value_as_double(i) << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

// Multi-index of flat position i in `shape`.
inline std::vector<std::int64_t> unravel(std::int64_t i, const Shape& shape) {
  std::vector<std::int64_t> index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = i % shape[d];
    i /= shape[d];
  }
  return index;
}

inline std::int64_t ravel(const std::vector<std::int64_t>& index, const Shape& shape) {
  std::int64_t flat = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + index[d];
  return flat;
}

// The reference for data movement: output element at index o is input element source(o), or
// the element `fill` (a 1-element tensor of the same dtype) when source returns nullopt.
using SourceFn =
    std::function<std::optional<std::vector<std::int64_t>>(const std::vector<std::int64_t>&)>;
inline Tensor reference_move(const Tensor& in, const Shape& out_shape, const SourceFn& source,
                             const Tensor* fill = nullptr) {
  Tensor out = Tensor::zeros(in.dtype(), out_shape);
  const std::size_t elem = dtype_size(in.dtype());
  for (std::int64_t i = 0; i < out.numel(); ++i) {
    const auto src = source(unravel(i, out_shape));
    const void* from = nullptr;
    if (src) {
      from = static_cast<const unsigned char*>(in.raw()) +
             ravel(*src, in.shape()) * static_cast<std::int64_t>(elem);
    } else if (fill != nullptr) {
      from = fill->raw();
    }
    if (from != nullptr)
      std::memcpy(
          static_cast<unsigned char*>(out.mutable_raw()) + i * static_cast<std::int64_t>(elem),
          from, elem);
  }
  return out;
}

}  // namespace nnload::testing
