#include "linalg/reduce.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace nnload::linalg {
namespace {

std::vector<bool> flags(std::initializer_list<int> bits) {
  std::vector<bool> out;
  for (int b : bits) out.push_back(b != 0);
  return out;
}

TEST(ReducePlan, MergesNeighboursAndDropsUnitAxes) {
  // [2, 1, 3, 4] reducing axes 2 and 3: one kept group of 2, rows of 12.
  const ReducePlan p({2, 1, 3, 4}, flags({0, 1, 1, 1}));
  EXPECT_TRUE(p.inner_reduced());
  EXPECT_EQ(p.inner(), 12);
  ASSERT_EQ(p.kept().size(), 1u);
  EXPECT_EQ(p.kept()[0].size, 2);
  EXPECT_EQ(p.kept()[0].stride, 12);
  EXPECT_TRUE(p.reduced().empty());
  EXPECT_EQ(p.outputs(), 2);
  EXPECT_EQ(p.reduced_count(), 12);
}

TEST(ReducePlan, NhwcSpatialAxesAreAColumnsCase) {
  const ReducePlan p({2, 7, 7, 64}, flags({0, 1, 1, 0}));
  EXPECT_FALSE(p.inner_reduced());
  EXPECT_EQ(p.inner(), 64);
  EXPECT_EQ(p.outer(), 2);
  EXPECT_EQ(p.rows(), 49);
  EXPECT_EQ(p.outputs(), 128);
  EXPECT_EQ(p.kept_offset(1), 49 * 64);
}

TEST(ReducePlan, NothingReducedIsOneElementPerOutput) {
  const ReducePlan p({3, 4}, flags({0, 0}));
  EXPECT_EQ(p.outputs(), 12);
  EXPECT_EQ(p.reduced_count(), 1);
  const ReducePlan ones({1, 1}, flags({1, 0}));
  EXPECT_EQ(ones.outputs(), 1);
  EXPECT_EQ(ones.reduced_count(), 1);
}

TEST(ReducePlan, ZeroSizedAxes) {
  EXPECT_EQ(ReducePlan({2, 0, 3}, flags({0, 1, 0})).reduced_count(), 0);
  EXPECT_EQ(ReducePlan({2, 0, 3}, flags({0, 1, 0})).outputs(), 6);
  EXPECT_EQ(ReducePlan({0, 3}, flags({0, 1})).outputs(), 0);
}

TEST(RowWalker, VisitsRowsInRowMajorOrderFromAnyStart) {
  const std::vector<AxisGroup> groups = {{2, 100}, {3, 10}};
  RowWalker w(groups, 2);
  std::vector<std::int64_t> seen;
  for (int i = 0; i < 4; ++i, w.next()) seen.push_back(w.offset());
  EXPECT_EQ(seen, (std::vector<std::int64_t>{20, 100, 110, 120}));
}

struct CountingSum {
  using Acc = double;
  double* y;
  double init() const { return 0; }
  double map(float v, std::int64_t) const { return v; }
  double combine(double a, double b) const { return a + b; }
  void store(std::int64_t o, double a) const { y[o] = a; }
};

TEST(LinalgReduce, SumOfIndicesOverMiddleAxis) {
  // x[i, j, k] = 100 i + 10 j + k over shape [2, 3, 4]; sum over j = 300 i + 30 + 3 k.
  std::vector<float> x(24);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) x[(i * 3 + j) * 4 + k] = 100.f * i + 10.f * j + k;
  std::vector<double> y(8, -1);
  reduce(ReducePlan({2, 3, 4}, flags({0, 1, 0})), x.data(), CountingSum{y.data()});
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 4; ++k) EXPECT_EQ(y[i * 4 + k], 300.0 * i + 30 + 3 * k);
}

TEST(LinalgReduce, ManyAlternatingGroupsMatchABruteForceSum) {
  // 18 axes of size 2, every other one reduced: 9 reduced groups, more than RowWalker keeps
  // inline.
  const Shape shape(18, 2);
  std::vector<bool> reduced(18);
  for (std::size_t i = 0; i < 18; ++i) reduced[i] = i % 2 == 0;
  const std::int64_t n = 1 << 18;
  std::vector<float> x(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) x[static_cast<std::size_t>(i)] = static_cast<float>(i % 97);
  std::vector<double> expected(1 << 9, 0), y(1 << 9, -1);
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t o = 0;
    for (int d = 0; d < 18; ++d) {
      if (d % 2 == 1) o = o * 2 + ((i >> (17 - d)) & 1);
    }
    expected[static_cast<std::size_t>(o)] += x[static_cast<std::size_t>(i)];
  }
  const ReducePlan p(shape, reduced);
  EXPECT_EQ(p.reduced().size(), 9u);
  reduce(p, x.data(), CountingSum{y.data()});
  EXPECT_EQ(y, expected);
}

TEST(MapWithOutput, PassesEachElementsOutputIndex) {
  std::vector<float> x(24, 0.f);
  std::vector<float> y(24, -1.f);
  map_with_output(ReducePlan({2, 3, 4}, flags({1, 0, 1})), x.data(), y.data(),
                  [](float, std::int64_t o) { return static_cast<float>(o); });
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) EXPECT_EQ(y[(i * 3 + j) * 4 + k], j);
}

TEST(RowMoments, TwoPassVarianceSurvivesALargeMean) {
  // E[x^2] - E[x]^2 in float loses everything here; the two-pass form is exact.
  std::vector<float> x(1000);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 10000.f + (i % 2 == 0 ? 1.f : -1.f);
  const Moments m = row_moments(x.data(), static_cast<std::int64_t>(x.size()));
  EXPECT_DOUBLE_EQ(m.mean, 10000.0);
  EXPECT_DOUBLE_EQ(m.variance, 1.0);
}

}  // namespace
}  // namespace nnload::linalg
