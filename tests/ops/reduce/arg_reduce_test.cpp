#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "ops/run_op.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::ops {
namespace {

using graph::Attributes;
using testing::make;

Tensor arg(const std::string& op, const Tensor& x, std::int64_t axis, std::int64_t keepdims,
           std::int64_t select_last = 0, int opset = 13) {
  Attributes a;
  a.set("axis", axis);
  a.set("keepdims", keepdims);
  if (select_last != 0) a.set("select_last_index", select_last);
  return run_op(op, {x}, a, 1, "", opset)[0];
}

// ONNX's argmax/argmin examples: data [[2, 1], [3, 10]] (and [[2, 2], [3, 10]] for the
// select_last_index cases).
TEST(ArgMax, OnnxExamples) {
  const Tensor x = make<float>({2, 1, 3, 10}, {2, 2});
  EXPECT_TRUE(testing::tensors_close(arg("ArgMax", x, 0, 1), make<std::int64_t>({1, 1}, {1, 2})));
  EXPECT_TRUE(testing::tensors_close(arg("ArgMax", x, 1, 1), make<std::int64_t>({0, 1}, {2, 1})));
  EXPECT_TRUE(testing::tensors_close(arg("ArgMax", x, -1, 0), make<std::int64_t>({0, 1}, {2})));
  const Tensor ties = make<float>({2, 2, 3, 10}, {2, 2});
  EXPECT_TRUE(
      testing::tensors_close(arg("ArgMax", ties, 1, 1, 1), make<std::int64_t>({1, 1}, {2, 1})));
  EXPECT_TRUE(
      testing::tensors_close(arg("ArgMax", ties, 1, 1, 0), make<std::int64_t>({0, 1}, {2, 1})));
  EXPECT_EQ(arg("ArgMax", x, 0, 1).dtype(), DType::i64);
}

TEST(ArgMin, OnnxExamples) {
  const Tensor x = make<float>({2, 1, 3, 10}, {2, 2});
  EXPECT_TRUE(testing::tensors_close(arg("ArgMin", x, 1, 1), make<std::int64_t>({1, 0}, {2, 1})));
  EXPECT_TRUE(testing::tensors_close(arg("ArgMin", x, 0, 0), make<std::int64_t>({0, 0}, {2})));
  const Tensor ties = make<float>({2, 2, 3, 10}, {2, 2});
  EXPECT_TRUE(
      testing::tensors_close(arg("ArgMin", ties, 1, 1, 1), make<std::int64_t>({1, 0}, {2, 1})));
}

TEST(ArgMax, SelectLastIndexIsIgnoredBeforeOpset12) {
  const Tensor ties = make<float>({2, 2}, {1, 2});
  EXPECT_EQ(arg("ArgMax", ties, 1, 0, 1, 11).values<std::int64_t>()[0], 0);
  EXPECT_EQ(arg("ArgMax", ties, 1, 0, 1, 12).values<std::int64_t>()[0], 1);
}

TEST(ArgMax, NaNWinsLikeNumpy) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(arg("ArgMax", make<float>({1, nan, 5}, {3}), 0, 0).item<std::int64_t>(), 1);
  EXPECT_EQ(arg("ArgMin", make<float>({1, nan, -5}, {3}), 0, 0).item<std::int64_t>(), 1);
}

template <class T>
void check_reference(const Shape& shape, std::mt19937& rng) {
  std::vector<T> values(static_cast<std::size_t>(shape_size(shape)));
  std::uniform_int_distribution<int> dist(-5, 5);  // many ties
  for (T& v : values) v = static_cast<T>(dist(rng));
  const Tensor x = Tensor::from_vector<T>(values, shape);
  const auto rank = static_cast<std::int64_t>(shape.size());
  for (std::int64_t axis = -rank; axis < rank; ++axis) {
    const std::int64_t a = axis < 0 ? axis + rank : axis;
    std::int64_t outer = 1, n = shape[static_cast<std::size_t>(a)], inner = 1;
    for (std::int64_t i = 0; i < a; ++i) outer *= shape[static_cast<std::size_t>(i)];
    for (std::int64_t i = a + 1; i < rank; ++i) inner *= shape[static_cast<std::size_t>(i)];
    for (int is_max = 0; is_max <= 1; ++is_max) {
      for (int last = 0; last <= 1; ++last) {
        std::vector<std::int64_t> expected;
        for (std::int64_t o = 0; o < outer; ++o) {
          for (std::int64_t k = 0; k < inner; ++k) {
            std::int64_t best = 0;
            for (std::int64_t i = 1; i < n; ++i) {
              const T v = values[static_cast<std::size_t>((o * n + i) * inner + k)];
              const T b = values[static_cast<std::size_t>((o * n + best) * inner + k)];
              const bool wins = is_max ? (last ? v >= b : v > b) : (last ? v <= b : v < b);
              if (wins) best = i;
            }
            expected.push_back(best);
          }
        }
        Shape out = shape;
        out[static_cast<std::size_t>(a)] = 1;
        const Tensor y = arg(is_max ? "ArgMax" : "ArgMin", x, axis, 1, last);
        EXPECT_TRUE(testing::tensors_close(y, Tensor::from_vector(expected, out), 0, 0))
            << shape_to_list(shape) << " axis " << axis << " max " << is_max << " last " << last;
      }
    }
  }
}

TEST(ArgMax, MatchesReferenceOnEveryAxisAndDtype) {
  std::mt19937 rng(3);
  for (const Shape& shape : {Shape{2, 3, 4}, Shape{17}, Shape{3, 300, 2}, Shape{2, 5, 600}}) {
    check_reference<float>(shape, rng);
    check_reference<double>(shape, rng);
    check_reference<std::int32_t>(shape, rng);
    check_reference<std::int64_t>(shape, rng);
    check_reference<std::uint8_t>(shape, rng);
  }
}

TEST(ArgMax, ZeroSizedInputs) {
  EXPECT_EQ(arg("ArgMax", Tensor::empty(DType::f32, {0, 3}), 1, 1).shape(), (Shape{0, 1}));
  EXPECT_EQ(arg("ArgMax", Tensor::empty(DType::f32, {3, 0}), 0, 0).shape(), (Shape{0}));
  // No index exists for an empty reduction with a non-empty output.
  EXPECT_THROW(arg("ArgMax", Tensor::empty(DType::f32, {3, 0}), 1, 1), Error);
}

TEST(ArgMax, Errors) {
  const Tensor x = make<float>({1, 2, 3, 4}, {2, 2});
  EXPECT_THROW(arg("ArgMax", x, 2, 1), Error);
  EXPECT_THROW(arg("ArgMin", x, -3, 1), Error);
  EXPECT_THROW(arg("ArgMax", Tensor::scalar<float>(1), 0, 1), Error);
  EXPECT_THROW(arg("ArgMax", x.to(DType::f16), 0, 1), Error);
}

}  // namespace
}  // namespace nnload::ops
