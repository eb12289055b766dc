#include "linalg/recurrent_activation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace nnload::linalg {
namespace {

using Kind = RecurrentActivationKind;

double expected(const RecurrentActivation& f, double x) {
  const double a = f.alpha, b = f.beta;
  switch (f.kind) {
    case Kind::relu:
      return std::max(0.0, x);
    case Kind::tanh:
      return std::tanh(x);
    case Kind::sigmoid:
      return 1 / (1 + std::exp(-x));
    case Kind::affine:
      return a * x + b;
    case Kind::leaky_relu:
      return x >= 0 ? x : a * x;
    case Kind::thresholded_relu:
      return x >= a ? x : 0;
    case Kind::scaled_tanh:
      return a * std::tanh(b * x);
    case Kind::hard_sigmoid:
      return std::min(std::max(a * x + b, 0.0), 1.0);
    case Kind::elu:
      return x >= 0 ? x : a * (std::exp(x) - 1);
    case Kind::softsign:
      return x / (1 + std::abs(x));
    case Kind::softplus:
      return std::log1p(std::exp(x));
  }
  return 0;
}

const char* const kNames[] = {
    "Relu",       "Tanh",        "Sigmoid", "Affine",   "LeakyRelu", "ThresholdedRelu",
    "ScaledTanh", "HardSigmoid", "Elu",     "Softsign", "Softplus"};

TEST(RecurrentActivation, NamesRoundTripCaseInsensitively) {
  for (const char* name : kNames) {
    const auto kind = recurrent_activation_from_name(name);
    ASSERT_TRUE(kind) << name;
    EXPECT_EQ(recurrent_activation_name(*kind), name);
    std::string upper(name);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(recurrent_activation_from_name(upper), kind) << upper;
  }
  EXPECT_FALSE(recurrent_activation_from_name("Gelu"));
  EXPECT_FALSE(recurrent_activation_from_name(""));
  EXPECT_FALSE(recurrent_activation_from_name("Tanh "));
}

// The ONNX operators' defaults, and which functions take alpha/beta at all.
TEST(RecurrentActivation, DefaultsAndArguments) {
  EXPECT_FLOAT_EQ(default_alpha(Kind::leaky_relu), 0.01f);
  EXPECT_FLOAT_EQ(default_alpha(Kind::hard_sigmoid), 0.2f);
  EXPECT_FLOAT_EQ(default_beta(Kind::hard_sigmoid), 0.5f);
  EXPECT_FLOAT_EQ(default_alpha(Kind::elu), 1.0f);
  EXPECT_FLOAT_EQ(default_alpha(Kind::thresholded_relu), 1.0f);
  EXPECT_FLOAT_EQ(default_alpha(Kind::affine), 1.0f);
  EXPECT_FLOAT_EQ(default_beta(Kind::affine), 0.0f);
  EXPECT_FLOAT_EQ(default_alpha(Kind::scaled_tanh), 1.0f);
  EXPECT_FLOAT_EQ(default_beta(Kind::scaled_tanh), 1.0f);
  for (Kind k : {Kind::relu, Kind::tanh, Kind::sigmoid, Kind::softsign, Kind::softplus}) {
    EXPECT_FALSE(uses_alpha(k));
    EXPECT_FALSE(uses_beta(k));
  }
  for (Kind k : {Kind::leaky_relu, Kind::thresholded_relu, Kind::elu}) {
    EXPECT_TRUE(uses_alpha(k));
    EXPECT_FALSE(uses_beta(k));
  }
  for (Kind k : {Kind::affine, Kind::scaled_tanh, Kind::hard_sigmoid}) {
    EXPECT_TRUE(uses_alpha(k));
    EXPECT_TRUE(uses_beta(k));
  }
}

TEST(RecurrentActivation, EveryFunctionMatchesItsFormula) {
  std::vector<double> xs;
  for (double x = -12; x <= 12; x += 0.173) xs.push_back(x);
  xs.push_back(0.0);
  xs.push_back(0.5);  // ThresholdedRelu's threshold below: x == alpha passes
  for (const char* name : kNames) {
    const RecurrentActivation f{*recurrent_activation_from_name(name), 0.5f, -0.75f};
    std::vector<float> vf(xs.begin(), xs.end());
    std::vector<double> vd = xs;
    apply_recurrent_activation(f, vf.data(), static_cast<std::int64_t>(vf.size()));
    apply_recurrent_activation(f, vd.data(), static_cast<std::int64_t>(vd.size()));
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double want = expected(f, static_cast<double>(static_cast<float>(xs[i])));
      EXPECT_NEAR(vf[i], want, 2e-6 + 2e-6 * std::abs(want)) << name << " at " << xs[i];
      EXPECT_NEAR(vd[i], expected(f, xs[i]), 1e-14 + 1e-14 * std::abs(want))
          << name << " at " << xs[i];
    }
  }
}

TEST(RecurrentActivation, EmptyAndNaN) {
  apply_recurrent_activation({Kind::tanh, 0, 0}, static_cast<float*>(nullptr), 0);
  float v[2] = {std::nanf(""), 1.0f};
  apply_recurrent_activation({Kind::sigmoid, 0, 0}, v, 2);
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_NEAR(v[1], 1 / (1 + std::exp(-1.0)), 1e-6);
}

}  // namespace
}  // namespace nnload::linalg
