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

constexpr float kInf = std::numeric_limits<float>::infinity();
const Tensor kX = make<float>({-2, -1, 0, 1, 2}, {5});

TEST(Clip, Opset11Inputs) {
  // clip_example: min -1, max 1.
  EXPECT_TRUE(tensors_close(run1("Clip", {kX, make<float>({-1}, {}), make<float>({1}, {})}),
                            make<float>({-1, -1, 0, 1, 1}, {5})));
  // Only min, only max (an omitted input is an undefined tensor), neither.
  EXPECT_TRUE(
      tensors_close(run1("Clip", {kX, make<float>({0}, {})}), make<float>({0, 0, 0, 1, 2}, {5})));
  EXPECT_TRUE(tensors_close(run1("Clip", {kX, Tensor(), make<float>({0}, {})}),
                            make<float>({-2, -1, 0, 0, 0}, {5})));
  EXPECT_TRUE(tensors_close(run1("Clip", {kX}), kX));
}

TEST(Clip, AbsentBoundsKeepInfinities) {
  const Tensor y = run1("Clip", {make<float>({-kInf, kInf}, {2}), make<float>({0}, {})});
  EXPECT_EQ(y.values<float>()[0], 0.0f);
  EXPECT_EQ(y.values<float>()[1], kInf);
}

TEST(Clip, MinAboveMaxGivesMax) {
  EXPECT_TRUE(tensors_close(run1("Clip", {kX, make<float>({2}, {}), make<float>({1}, {})}),
                            make<float>({1, 1, 1, 1, 1}, {5})));
}

TEST(Clip, IntegerTypes) {
  EXPECT_TRUE(
      tensors_close(run1("Clip", {make<std::int32_t>({-5, 0, 5, 9}, {4}),
                                  make<std::int32_t>({-1}, {}), make<std::int32_t>({6}, {1})}),
                    make<std::int32_t>({-1, 0, 5, 6}, {4})));
  EXPECT_TRUE(tensors_close(
      run1("Clip", {make<std::uint8_t>({1, 200}, {2}), Tensor(), make<std::uint8_t>({100}, {})}),
      make<std::uint8_t>({1, 100}, {2})));
  EXPECT_TRUE(tensors_close(run1("Clip", {make<std::int64_t>({-7, 7}, {2})}),
                            make<std::int64_t>({-7, 7}, {2})));
}

TEST(Clip, NanPassesThrough) {
  EXPECT_TRUE(std::isnan(
      run1("Clip", {make<float>({std::nanf("")}, {1}), make<float>({0}, {}), make<float>({1}, {})})
          .values<float>()[0]));
}

TEST(Clip, RandomAgainstReference) {
  const Tensor x = random_tensor<double>({3, 50, 200}, -10, 10, 1);
  EXPECT_TRUE(tensors_close(run1("Clip", {x, make<double>({-2.5}, {}), make<double>({4}, {})}),
                            testing::reference_unary<double, double>(
                                x, [](double v) { return v < -2.5 ? -2.5
                                                         : v > 4  ? 4
                                                                  : v; }),
                            0, 0));
}

TEST(Clip, Opset6Attributes) {
  EXPECT_TRUE(tensors_close(run1("Clip", {kX}, attrs({{"min", -1.0}, {"max", 1.5}}), 6),
                            make<float>({-1, -1, 0, 1, 1.5f}, {5})));
  // The defaults are float's lowest and max, so infinities become finite, as the spec says.
  const Tensor y = run1("Clip", {make<float>({-kInf, kInf, 3}, {3})}, attrs({{"min", 0.0}}), 6);
  EXPECT_EQ(y.values<float>()[0], 0.0f);
  EXPECT_EQ(y.values<float>()[1], std::numeric_limits<float>::max());
  EXPECT_EQ(y.values<float>()[2], 3.0f);
  EXPECT_TRUE(tensors_close(run1("Clip", {kX.to(DType::f64)}, attrs({{"max", 0.0}}), 1),
                            make<double>({-2, -1, 0, 0, 0}, {5})));
}

TEST(Clip, Errors) {
  // Bounds must be one value of the input's dtype.
  EXPECT_THROW(run1("Clip", {kX, make<float>({0, 1}, {2})}), Error);
  EXPECT_THROW(run1("Clip", {kX, make<double>({0}, {})}), Error);
  EXPECT_THROW(run1("Clip", {kX, make<float>({0}, {}), make<float>({1}, {}), make<float>({1}, {})}),
               Error);
  // Opset 6-10 Clip is float only.
  EXPECT_THROW(run1("Clip", {make<std::int32_t>({1}, {1})}, {}, 6), Error);
  EXPECT_EQ(run1("Clip", {make<float>({}, {0, 2}), make<float>({0}, {})}).shape(), (Shape{0, 2}));
}

}  // namespace
}  // namespace nnload::ops
