#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ops/norm/norm_test_util.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::ops {
namespace {

using graph::Attributes;
using testing::make;
using testing_norm::random_tensor;

// For each element, the flat index of its group (the element with reduced axes zeroed).
std::vector<std::int64_t> group_of(const Shape& shape, const std::vector<bool>& reduced) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(shape_size(shape)));
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::int64_t rest = static_cast<std::int64_t>(i), g = 0, stride = 1;
    for (std::size_t d = shape.size(); d-- > 0;) {
      const std::int64_t idx = rest % shape[d];
      rest /= shape[d];
      if (!reduced[d]) g += idx * stride;
      stride *= shape[d];
    }
    out[i] = g;
  }
  return out;
}

Tensor mvn_reference(const Tensor& x, const std::vector<bool>& reduced) {
  const auto group = group_of(x.shape(), reduced);
  std::vector<double> sum(group.size(), 0), sq(group.size(), 0), count(group.size(), 0);
  for (std::size_t i = 0; i < group.size(); ++i) {
    sum[group[i]] += x.value_as_double(static_cast<std::int64_t>(i));
    sq[group[i]] += std::pow(x.value_as_double(static_cast<std::int64_t>(i)), 2);
    count[group[i]] += 1;
  }
  Tensor y = Tensor::empty(DType::f64, x.shape());
  for (std::size_t i = 0; i < group.size(); ++i) {
    const std::size_t g = static_cast<std::size_t>(group[i]);
    const double mean = sum[g] / count[g];
    const double std_dev = std::sqrt(sq[g] / count[g] - mean * mean);
    y.mutable_data<double>()[i] =
        (x.value_as_double(static_cast<std::int64_t>(i)) - mean) / (std_dev + 1e-9);
  }
  return y;
}

TEST(MeanVarianceNormalization, LiteralDefaultAxes) {
  // Default axes [0, 2, 3]: channel 0 is {1, 3} (mean 2, std 1), channel 1 is {10, 30}.
  const Tensor x = make<float>({1, 3, 10, 30}, {1, 2, 2, 1});
  const Tensor y = run_op("MeanVarianceNormalization", {x}, {}, 1, "", 13)[0];
  EXPECT_TRUE(testing::tensors_close(y, make<float>({-1, 1, -1, 1}, {1, 2, 2, 1})));
}

TEST(MeanVarianceNormalization, MatchesReferenceForAxesSets) {
  std::mt19937 rng(12);
  const Shape shape = {3, 4, 5, 6};
  for (DType dtype : {DType::f32, DType::f64}) {
    const Tensor x = random_tensor(dtype, shape, rng, -1, 4);
    const std::vector<std::vector<std::int64_t>> axes_sets = {{0, 2, 3}, {2, 3},       {1},
                                                              {-1},      {0, 1, 2, 3}, {0, 3}};
    for (const auto& axes : axes_sets) {
      std::vector<bool> reduced(4, false);
      for (std::int64_t a : axes) reduced[static_cast<std::size_t>(a < 0 ? a + 4 : a)] = true;
      Attributes a;
      a.set("axes", axes);
      const Tensor y = run_op("MeanVarianceNormalization", {x}, a, 1, "", 9)[0];
      EXPECT_TRUE(testing::tensors_close(y, mvn_reference(x, reduced), 1e-5, 1e-5))
          << fmt::format("{}", fmt::join(axes, ","));
    }
  }
}

TEST(MeanVarianceNormalization, ConstantGroupsGiveZeroNotNaN) {
  const Tensor y = run_op("MeanVarianceNormalization", {make<float>({5, 5, 5, 5}, {1, 1, 2, 2})},
                          {}, 1, "", 13)[0];
  EXPECT_TRUE(testing::tensors_close(y, make<float>({0, 0, 0, 0}, {1, 1, 2, 2})));
}

TEST(MeanVarianceNormalization, Errors) {
  const Tensor x = make<float>({1, 2, 3, 4}, {1, 1, 2, 2});
  Attributes bad;
  bad.set("axes", std::vector<std::int64_t>{4});
  EXPECT_THROW(run_op("MeanVarianceNormalization", {x}, bad, 1, "", 13), Error);
  // The default axes [0, 2, 3] need rank 4.
  EXPECT_THROW(run_op("MeanVarianceNormalization", {make<float>({1, 2}, {2})}, {}, 1, "", 13),
               Error);
  EXPECT_THROW(run_op("MeanVarianceNormalization", {x.to(DType::i64)}, {}, 1, "", 13), Error);
  EXPECT_EQ(find_op("", "MeanVarianceNormalization", 8), nullptr);
}

// ---- LpNormalization -------------------------------------------------------------------------

Attributes lp(std::int64_t axis, std::int64_t p) {
  Attributes a;
  a.set("axis", axis);
  a.set("p", p);
  return a;
}

TEST(LpNormalization, LiteralL1AndL2WithAZeroRow) {
  const Tensor x = make<float>({3, -4, 0, 0}, {2, 2});
  EXPECT_TRUE(testing::tensors_close(run_op("LpNormalization", {x}, lp(1, 2), 1, "", 1)[0],
                                     make<float>({0.6f, -0.8f, 0, 0}, {2, 2})));
  EXPECT_TRUE(testing::tensors_close(run_op("LpNormalization", {x}, lp(-1, 1), 1, "", 1)[0],
                                     make<float>({3.f / 7, -4.f / 7, 0, 0}, {2, 2})));
  EXPECT_TRUE(testing::tensors_close(run_op("LpNormalization", {x}, lp(0, 2), 1, "", 1)[0],
                                     make<float>({1, -1, 0, 0}, {2, 2})));
}

TEST(LpNormalization, MatchesReferenceOnEveryAxis) {
  std::mt19937 rng(14);
  const Shape shape = {3, 4, 70};
  for (DType dtype : {DType::f32, DType::f64}) {
    const Tensor x = random_tensor(dtype, shape, rng);
    for (std::int64_t axis = -3; axis < 3; ++axis) {
      std::vector<bool> reduced(3, false);
      reduced[static_cast<std::size_t>(axis < 0 ? axis + 3 : axis)] = true;
      const auto group = group_of(shape, reduced);
      for (std::int64_t p : {1, 2}) {
        std::vector<double> norm(group.size(), 0);
        for (std::size_t i = 0; i < group.size(); ++i) {
          norm[group[i]] += std::pow(std::abs(x.value_as_double(static_cast<std::int64_t>(i))), p);
        }
        Tensor expected = Tensor::empty(DType::f64, shape);
        for (std::size_t i = 0; i < group.size(); ++i) {
          expected.mutable_data<double>()[i] =
              x.value_as_double(static_cast<std::int64_t>(i)) /
              std::pow(norm[group[i]], 1.0 / static_cast<double>(p));
        }
        const Tensor y = run_op("LpNormalization", {x}, lp(axis, p), 1, "", 1)[0];
        EXPECT_TRUE(testing::tensors_close(y, expected, 1e-6, 1e-6)) << axis << " p" << p;
      }
    }
  }
}

TEST(LpNormalization, Errors) {
  const Tensor x = make<float>({1, 2}, {1, 2});
  EXPECT_THROW(run_op("LpNormalization", {x}, lp(1, 3), 1, "", 1), Error);
  EXPECT_THROW(run_op("LpNormalization", {x}, lp(2, 2), 1, "", 1), Error);
  EXPECT_THROW(run_op("LpNormalization", {x.to(DType::i32)}, lp(1, 2), 1, "", 1), Error);
  EXPECT_EQ(
      run_op("LpNormalization", {Tensor::empty(DType::f32, {0, 3})}, lp(1, 2), 1, "", 1)[0].shape(),
      (Shape{0, 3}));
}

}  // namespace
}  // namespace nnload::ops
