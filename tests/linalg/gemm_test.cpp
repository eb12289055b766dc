#include "linalg/gemm.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace nnload::linalg {
namespace {

std::vector<float> random_values(std::int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

// Batch dims [2, 3] for Y from A [2, 1] and B [1, 3], A and B both stored transposed, plus a
// bias row scaled by beta: the general path (no collapsing into one 2-D product).
MatMulProblem broadcast_transposed() {
  MatMulProblem p;
  p.batch_a = {2, 1};
  p.batch_b = {1, 3};
  p.batch_y = {2, 3};
  p.m = 4;
  p.k = 5;
  p.n = 6;
  p.trans_a = true;
  p.trans_b = true;
  p.addend = MatMulProblem::Addend::row;
  p.beta = 0.5f;
  return p;
}

std::vector<float> naive(const MatMulProblem& p, const std::vector<float>& a,
                         const std::vector<float>& b, const std::vector<float>& row) {
  std::vector<float> y(static_cast<std::size_t>(6 * p.m * p.n));
  for (std::int64_t i0 = 0; i0 < 2; ++i0)
    for (std::int64_t i1 = 0; i1 < 3; ++i1)
      for (std::int64_t m = 0; m < p.m; ++m)
        for (std::int64_t n = 0; n < p.n; ++n) {
          double acc = 0;
          for (std::int64_t k = 0; k < p.k; ++k) {
            acc += static_cast<double>(a[static_cast<std::size_t>((i0 * p.k + k) * p.m + m)]) *
                   b[static_cast<std::size_t>((i1 * p.n + n) * p.k + k)];
          }
          y[static_cast<std::size_t>(((i0 * 3 + i1) * p.m + m) * p.n + n)] =
              static_cast<float>(acc + p.beta * row[static_cast<std::size_t>(n)]);
        }
  return y;
}

TEST(GemmPlan, PlanAndLoopHandleBroadcastTransposedBatches) {
  const MatMulProblem p = broadcast_transposed();
  const auto a = random_values(2 * p.m * p.k, 1), b = random_values(3 * p.k * p.n, 2),
             row = random_values(p.n, 3);
  const auto expected = naive(p, a, b, row);
  std::vector<float> y(expected.size());
  for (bool constant : {false, true}) {
    const MatMulPlan plan(p, constant ? b.data() : nullptr, constant ? row.data() : nullptr);
    plan.run(a.data(), b.data(), row.data(), y.data());
    for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], expected[i], 1e-5) << i;
    EXPECT_FALSE(plan.implementation().empty());
  }
  std::fill(y.begin(), y.end(), 0.0f);
  matmul_loop(p, a.data(), b.data(), row.data(), y.data());
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], expected[i], 1e-5) << i;
}

TEST(GemmPlan, MatrixAddendBroadcastsAColumn) {
  MatMulProblem p;
  p.m = 3;
  p.k = 2;
  p.n = 2;
  p.alpha = 2;
  p.beta = 3;
  p.addend = MatMulProblem::Addend::matrix;
  p.c_shape = {3, 1};
  const std::vector<float> a{1, 2, 3, 4, 5, 6}, b{1, 0, 0, 1}, c{1, 2, 3};
  // 2 * A + 3 * c broadcast along rows.
  const std::vector<float> expected{5, 7, 12, 14, 19, 21};
  std::vector<float> y(6);
  MatMulPlan(p, b.data(), nullptr).run(a.data(), nullptr, c.data(), y.data());
  EXPECT_EQ(y, expected);
  matmul_loop(p, a.data(), b.data(), c.data(), y.data());
  EXPECT_EQ(y, expected);
}

TEST(GemmPlan, EmptyProblemsAreForTheLoop) {
  MatMulProblem p;
  p.m = 2;
  p.k = 0;
  p.n = 3;
  EXPECT_TRUE(p.empty());
  std::vector<float> y(6, 9.0f);
  matmul_loop<float>(p, nullptr, nullptr, nullptr, y.data());
  EXPECT_EQ(y, std::vector<float>(6, 0.0f));
}

}  // namespace
}  // namespace nnload::linalg
