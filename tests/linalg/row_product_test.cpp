#include "linalg/row_product.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace nnload::linalg {
namespace {

// y[i][j] = bias[j] + sum_q a[i][q] b[j][q], in double.
std::vector<double> expected(const std::vector<double>& a, const std::vector<double>& b,
                             const std::vector<double>* bias, std::int64_t m, std::int64_t k,
                             std::int64_t n) {
  std::vector<double> y(static_cast<std::size_t>(m * n));
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      double s = bias ? (*bias)[static_cast<std::size_t>(j)] : 0;
      for (std::int64_t q = 0; q < k; ++q) s += a[i * k + q] * b[j * k + q];
      y[static_cast<std::size_t>(i * n + j)] = s;
    }
  }
  return y;
}

template <class T>
void check(std::int64_t m, std::int64_t k, std::int64_t n, bool with_bias, bool constant) {
  std::mt19937 rng(static_cast<unsigned>(m * 131 + k * 17 + n));
  std::uniform_real_distribution<double> u(-1, 1);
  auto random = [&](std::int64_t size) {
    std::vector<double> v(static_cast<std::size_t>(size));
    for (double& x : v) x = static_cast<double>(static_cast<T>(u(rng)));
    return v;
  };
  const auto a = random(m * k), b = random(n * k), bias = random(n);
  const std::vector<T> ta(a.begin(), a.end()), tb(b.begin(), b.end()),
      tbias(bias.begin(), bias.end());
  const RowProduct<T> product(m, k, n, with_bias, constant ? tb.data() : nullptr);
  std::vector<T> y(static_cast<std::size_t>(m * n), T(-7));
  // With a constant B, run() must not read its `b`: pass garbage.
  const std::vector<T> garbage(tb.size(), T(1e30));
  product.run(ta.data(), constant ? garbage.data() : tb.data(), tbias.data(), y.data());
  const auto want = expected(a, b, with_bias ? &bias : nullptr, m, k, n);
  const double tol = std::is_same_v<T, float> ? 1e-5 * static_cast<double>(k + 1) : 1e-12;
  for (std::size_t i = 0; i < y.size(); ++i) {
    ASSERT_NEAR(static_cast<double>(y[i]), want[i], tol)
        << "m " << m << " k " << k << " n " << n << " element " << i;
  }
}

TEST(RowProduct, FloatMatchesLoopsPackedAndNot) {
  // Packed panels (few rows, or a small product: groups of four rows, column tails) and
  // oneDNN (many rows of a large product, or weights given at run time).
  for (auto [m, k, n] : {std::array<std::int64_t, 3>{1, 256, 1024},
                         {3, 5, 12},
                         {7, 1, 1},
                         {64, 33, 20},
                         {1, 1, 1},
                         {6, 5, 70},
                         {16, 8, 130},
                         {64, 100, 100},
                         {5, 300, 1000}}) {
    for (bool bias : {false, true}) {
      for (bool constant : {false, true}) check<float>(m, k, n, bias, constant);
    }
  }
}

TEST(RowProduct, DoubleMatchesLoops) {
  for (bool bias : {false, true}) {
    check<double>(5, 7, 9, bias, false);
    check<double>(5, 7, 9, bias, true);
  }
}

TEST(RowProduct, EmptyShapes) {
  for (bool bias : {false, true}) {
    check<float>(4, 0, 3, bias, true);  // k = 0: the bias, or zeros
    check<float>(0, 3, 4, bias, true);
    check<float>(3, 4, 0, bias, false);
    check<double>(4, 0, 3, bias, false);
  }
}

}  // namespace
}  // namespace nnload::linalg
