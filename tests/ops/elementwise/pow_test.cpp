#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ops/elementwise/op_test_util.hpp"

namespace nnload::ops {
namespace {

using testing::attrs;
using testing::make;
using testing::random_tensor;
using testing::run1;
using testing::tensors_close;

TEST(Pow, FloatElementwise) {
  EXPECT_TRUE(tensors_close(run1("Pow", {make<float>({1, 2, 3}, {3}), make<float>({4, 5, 6}, {3})}),
                            make<float>({1, 32, 729}, {3})));
}

TEST(Pow, ScalarExponentFastPathsMatchStdPow) {
  const Tensor x = random_tensor<float>({3, 1000}, 0.01, 4, 1);
  for (float p : {1.0f, 2.0f, 3.0f, 0.5f, -1.0f, 1.7f, 0.0f}) {
    SCOPED_TRACE(p);
    const Tensor expected =
        testing::reference_unary<float, float>(x, [p](float v) { return std::pow(v, p); });
    EXPECT_TRUE(tensors_close(run1("Pow", {x, make<float>({p}, {})}), expected, 0, 1e-6));
  }
}

TEST(Pow, SqrtPathKeepsPowEdgeCases) {
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor y =
      run1("Pow", {make<float>({-0.0f, -inf, 4.0f, -4.0f}, {4}), make<float>({0.5f}, {1})});
  EXPECT_EQ(y.values<float>()[0], 0.0f);
  EXPECT_FALSE(std::signbit(y.values<float>()[0]));
  EXPECT_EQ(y.values<float>()[1], inf);
  EXPECT_EQ(y.values<float>()[2], 2.0f);
  EXPECT_TRUE(std::isnan(y.values<float>()[3]));
}

TEST(Pow, BroadcastExponent) {
  // The ONNX backend test pow_bcast_array: [2, 3] ^ [3].
  EXPECT_TRUE(tensors_close(
      run1("Pow", {make<float>({1, 2, 3, 4, 5, 6}, {2, 3}), make<float>({1, 2, 3}, {3})}),
      make<float>({1, 4, 27, 4, 25, 216}, {2, 3})));
}

TEST(Pow, ExponentOfAnotherTypeOpset12) {
  // pow_types_float32_int64 and pow_types_int64_float32.
  EXPECT_TRUE(
      tensors_close(run1("Pow", {make<float>({1, 2, 3}, {3}), make<std::int64_t>({4, 5, 6}, {3})}),
                    make<float>({1, 32, 729}, {3})));
  EXPECT_TRUE(
      tensors_close(run1("Pow", {make<std::int64_t>({1, 2, 3}, {3}), make<float>({4, 5, 6}, {3})}),
                    make<std::int64_t>({1, 32, 729}, {3})));
  EXPECT_TRUE(
      tensors_close(run1("Pow", {make<double>({1.5, 2}, {2}), make<std::int32_t>({2}, {1})}),
                    make<double>({2.25, 4}, {2})));
  EXPECT_TRUE(
      tensors_close(run1("Pow", {make<std::int32_t>({4, 9, -8}, {3}), make<double>({0.5}, {})}),
                    make<std::int32_t>({2, 3, 0}, {3})));  // sqrt(-8) is NaN, which casts to 0
}

TEST(Pow, IntegerPowers) {
  EXPECT_TRUE(tensors_close(run1("Pow", {make<std::int32_t>({2, 3, -2, 7, 0}, {5}),
                                         make<std::int32_t>({10, 3, 3, 0, 0}, {5})}),
                            make<std::int32_t>({1024, 27, -8, 1, 1}, {5})));
  // Negative exponents truncate: only 1 and -1 survive.
  EXPECT_TRUE(tensors_close(run1("Pow", {make<std::int64_t>({2, 1, -1, -1, 0}, {5}),
                                         make<std::int64_t>({-1, -3, -3, -2, -1}, {5})}),
                            make<std::int64_t>({0, 1, -1, 1, 0}, {5})));
}

TEST(Pow, RandomBroadcastAgainstReference) {
  const Tensor a = random_tensor<double>({2, 3, 4}, 0.1, 3, 2);
  const Tensor b = random_tensor<double>({3, 1}, -2, 2, 3);
  const Tensor expected = testing::reference_binary<double, double, double>(
      a, b, {2, 3, 4}, [](double x, double y) { return std::pow(x, y); });
  EXPECT_TRUE(tensors_close(run1("Pow", {a, b}), expected, 0, 1e-12));
}

TEST(Pow, LegacyOpsetNeedsBroadcastAttribute) {
  const Tensor a = make<float>({1, 2, 3, 4}, {2, 2});
  const Tensor b = make<float>({2}, {1});
  EXPECT_THROW(run1("Pow", {a, b}, {}, 6), Error);
  EXPECT_TRUE(tensors_close(run1("Pow", {a, b}, attrs({{"broadcast", std::int64_t{1}}}), 6),
                            make<float>({1, 4, 9, 16}, {2, 2})));
}

TEST(Pow, Errors) {
  EXPECT_THROW(run1("Pow", {make<bool>({true}, {1}), make<float>({1}, {1})}), Error);
  EXPECT_THROW(run1("Pow", {make<float>({1, 2}, {2}), make<float>({1, 2, 3}, {3})}), Error);
}

}  // namespace
}  // namespace nnload::ops
