#include "linalg/elementwise_math.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace nnload::linalg {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Largest relative error of `fast` against the double-precision `exact` on a dense grid.
template <class Fast, class Exact>
double worst_relative_error(float lo, float hi, Fast fast, Exact exact, double floor = 1e-30) {
  double worst = 0;
  for (float x = lo; x <= hi; x += (hi - lo) / 200000) {
    const double want = exact(static_cast<double>(x));
    if (std::abs(want) > std::numeric_limits<float>::max()) continue;
    const double err = std::abs(fast(x) - want) / std::max(std::abs(want), floor);
    worst = std::max(worst, err);
  }
  return worst;
}

TEST(ElementwiseMath, ExpIsWithinAFewUlp) {
  EXPECT_LT(
      worst_relative_error(
          -87, 88.7f, [](float x) { return math::exp(x); }, [](double x) { return std::exp(x); }),
      3e-7);
}

TEST(ElementwiseMath, ExpLimits) {
  EXPECT_EQ(math::exp(0.0f), 1.0f);
  EXPECT_EQ(math::exp(-kInf), 0.0f);
  EXPECT_EQ(math::exp(kInf), kInf);
  EXPECT_EQ(math::exp(100.0f), kInf);
  EXPECT_EQ(math::exp(-200.0f), 0.0f);
  EXPECT_TRUE(std::isnan(math::exp(std::nanf(""))));
  // Subnormal results, not flushed to zero (to within a subnormal's coarse spacing).
  EXPECT_NEAR(math::exp(-100.0f), std::exp(-100.0f), 3e-45);
  EXPECT_GT(math::exp(-100.0f), 0.0f);
}

TEST(ElementwiseMath, TanhIsWithinAFewUlp) {
  EXPECT_LT(
      worst_relative_error(
          -12, 12, [](float x) { return math::tanh(x); }, [](double x) { return std::tanh(x); }),
      5e-7);
  EXPECT_EQ(math::tanh(kInf), 1.0f);
  EXPECT_EQ(math::tanh(-kInf), -1.0f);
  EXPECT_EQ(math::tanh(1e-6f), 1e-6f);
  EXPECT_TRUE(std::isnan(math::tanh(std::nanf(""))));
}

TEST(ElementwiseMath, ErfIsWithinAFewUlp) {
  EXPECT_LT(worst_relative_error(
                -6, 6, [](float x) { return math::erf(x); }, [](double x) { return std::erf(x); }),
            5e-7);
  EXPECT_EQ(math::erf(kInf), 1.0f);
  EXPECT_EQ(math::erf(-kInf), -1.0f);
  EXPECT_TRUE(std::isnan(math::erf(std::nanf(""))));
}

TEST(ElementwiseMath, SoftplusDoesNotOverflow) {
  EXPECT_FLOAT_EQ(math::softplus(100.0f), 100.0f);
  EXPECT_NEAR(math::softplus(-100.0f), std::exp(-100.0), 1e-44);
  EXPECT_FLOAT_EQ(math::softplus(0.0f), std::log(2.0f));
}

TEST(ElementwiseMath, DoubleUsesLibm) {
  EXPECT_EQ(math::exp(1.5), std::exp(1.5));
  EXPECT_EQ(math::tanh(0.3), std::tanh(0.3));
  EXPECT_EQ(math::erf(0.7), std::erf(0.7));
}

}  // namespace
}  // namespace nnload::linalg
