#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "linalg/activation.hpp"
#include "linalg/elementwise_activation.hpp"
#include "ops/elementwise/op_test_util.hpp"

namespace nnload::linalg {
namespace {

// The formulas of activation.hpp, in double, written independently of the kernels.
double reference(const Activation& a, double x) {
  const double alpha = a.alpha;
  const double beta = a.beta;
  const auto sigmoid = [](double v) { return 1 / (1 + std::exp(-v)); };
  switch (a.kind) {
    case ActivationKind::none:
      return x;
    case ActivationKind::relu:
      return std::max(x, 0.0);
    case ActivationKind::leaky_relu:
      return x >= 0 ? x : alpha * x;
    case ActivationKind::clip:
      return std::min(std::max(x, alpha), beta);
    case ActivationKind::sigmoid:
      return sigmoid(x);
    case ActivationKind::hard_sigmoid:
      return std::max(0.0, std::min(1.0, alpha * x + beta));
    case ActivationKind::hard_swish:
      return x * std::max(0.0, std::min(1.0, x / 6 + 0.5));
    case ActivationKind::tanh:
      return std::tanh(x);
    case ActivationKind::elu:
      return x >= 0 ? x : alpha * (std::exp(x) - 1);
    case ActivationKind::selu:
      return beta * (x > 0 ? x : alpha * (std::exp(x) - 1));
    case ActivationKind::softplus:
      return std::log(1 + std::exp(x));
    case ActivationKind::softsign:
      return x / (1 + std::abs(x));
    case ActivationKind::swish:
      return x * sigmoid(alpha * x);
    case ActivationKind::mish:
      return x * std::tanh(std::log(1 + std::exp(x)));
    case ActivationKind::gelu_erf:
      return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case ActivationKind::gelu_tanh:
      return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    case ActivationKind::exp:
      return std::exp(x);
  }
  return NAN;
}

std::vector<Activation> every_activation() {
  return {
      {ActivationKind::none, 0, 0},          {ActivationKind::relu, 0, 0},
      {ActivationKind::leaky_relu, 0.1f, 0}, {ActivationKind::clip, -1.5f, 2.5f},
      {ActivationKind::sigmoid, 0, 0},       {ActivationKind::hard_sigmoid, 0.2f, 0.5f},
      {ActivationKind::hard_swish, 0, 0},    {ActivationKind::tanh, 0, 0},
      {ActivationKind::elu, 0.7f, 0},        {ActivationKind::selu, 1.6732632f, 1.050701f},
      {ActivationKind::softplus, 0, 0},      {ActivationKind::softsign, 0, 0},
      {ActivationKind::swish, 1.5f, 0},      {ActivationKind::mish, 0, 0},
      {ActivationKind::gelu_erf, 0, 0},      {ActivationKind::gelu_tanh, 0, 0},
      {ActivationKind::exp, 0, 0},
  };
}

TEST(ApplyActivation, EveryKindMatchesItsFormula) {
  const std::vector<Activation> all = every_activation();
  ASSERT_EQ(all.size(), static_cast<std::size_t>(ActivationKind::exp) + 1);
  // Enough values to go through the parallel path; a grid through 0 and well past the knees.
  std::vector<float> x(70000);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = -20.0f + 40.0f * i / (x.size() - 1);
  x[0] = 0.0f;
  for (const Activation& a : all) {
    SCOPED_TRACE(std::string(activation_name(a.kind)));
    std::vector<float> y = x;
    apply_activation(a, std::span<float>(y));
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double want = reference(a, x[i]);
      ASSERT_NEAR(y[i], want, 1e-6 + 2e-6 * std::abs(want)) << "x = " << x[i];
    }
  }
}

TEST(ApplyActivation, OutOfPlaceLeavesTheInput) {
  const std::vector<float> x = {-1, 0, 2};
  std::vector<float> y(3);
  apply_activation({ActivationKind::relu, 0, 0}, x.data(), y.data(), 3);
  EXPECT_EQ(y, (std::vector<float>{0, 0, 2}));
  EXPECT_EQ(x, (std::vector<float>{-1, 0, 2}));
  apply_activation({ActivationKind::none, 0, 0}, x.data(), y.data(), 3);
  EXPECT_EQ(y, x);
}

TEST(ApplyActivation, NanPropagates) {
  for (const Activation& a : every_activation()) {
    std::vector<float> y = {std::nanf("")};
    apply_activation(a, std::span<float>(y));
    EXPECT_TRUE(std::isnan(y[0])) << activation_name(a.kind);
  }
}

TEST(ApplyActivation, EmptySpanIsFine) {
  apply_activation({ActivationKind::sigmoid, 0, 0}, std::span<float>());
}

TEST(ApplyActivation, DoubleFunctorsMatchTheFormulas) {
  for (const Activation& a : every_activation()) {
    for (double x : {-3.0, -0.5, 0.0, 0.25, 4.0}) {
      const double got = visit_activation<double>(a, [&](auto f) { return double(f(x)); });
      EXPECT_NEAR(got, reference(a, x), 1e-12) << activation_name(a.kind) << " at " << x;
    }
  }
}

}  // namespace
}  // namespace nnload::linalg
