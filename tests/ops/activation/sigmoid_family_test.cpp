#include <gtest/gtest.h>

#include <cmath>

#include "ops/elementwise/op_test_util.hpp"

namespace nnload::ops {
namespace {

using testing::attrs;
using testing::make;
using testing::random_tensor;
using testing::run1;
using testing::tensors_close;

const Tensor kX = make<float>({-2, -1, -0.5f, 0, 0.5f, 1, 2}, {7});

// Expected values computed with numpy / torch.
TEST(SigmoidFamily, Literals) {
  const std::vector<std::pair<const char*, std::vector<float>>> cases = {
      {"Sigmoid",
       {0.11920292f, 0.26894142f, 0.37754067f, 0.5f, 0.62245933f, 0.73105858f, 0.88079708f}},
      {"Tanh",
       {-0.96402758f, -0.76159416f, -0.46211716f, 0, 0.46211716f, 0.76159416f, 0.96402758f}},
      {"Softplus",
       {0.12692801f, 0.31326169f, 0.47407698f, 0.69314718f, 0.97407698f, 1.31326169f, 2.12692801f}},
      {"Softsign", {-0.66666667f, -0.5f, -0.33333333f, 0, 0.33333333f, 0.5f, 0.66666667f}},
      {"Mish",
       {-0.25250148f, -0.30340146f, -0.22074377f, 0, 0.37524521f, 0.86509839f, 1.94395896f}},
      {"HardSwish",
       {-0.33333333f, -0.33333333f, -0.20833333f, 0, 0.29166667f, 0.66666667f, 1.66666667f}},
      {"HardSigmoid", {0.1f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.9f}},
      {"Gelu",
       {-0.04550026f, -0.15865525f, -0.15426877f, 0, 0.34573123f, 0.84134475f, 1.95449974f}},
  };
  for (const auto& [op, want] : cases) {
    EXPECT_TRUE(tensors_close(run1(op, {kX}), make<float>(want, {7}), 1e-6, 1e-6)) << op;
    EXPECT_TRUE(tensors_close(run1(op, {kX.to(DType::f64)}),
                              make<double>({want.begin(), want.end()}, {7}), 1e-7, 1e-7))
        << op << " float64";
  }
}

TEST(HardSigmoid, Attributes) {
  // hardsigmoid (the ONNX backend test): alpha 0.5, beta 0.6.
  EXPECT_TRUE(tensors_close(
      run1("HardSigmoid", {make<float>({-1, 0, 1}, {3})}, attrs({{"alpha", 0.5}, {"beta", 0.6}})),
      make<float>({0.1f, 0.6f, 1}, {3})));
}

TEST(Gelu, TanhApproximation) {
  EXPECT_TRUE(tensors_close(run1("Gelu", {kX}, attrs({{"approximate", std::string("tanh")}})),
                            make<float>({-0.04540231f, -0.15880801f, -0.15428599f, 0, 0.34571401f,
                                         0.84119199f, 1.95459769f},
                                        {7}),
                            1e-6, 1e-6));
  EXPECT_THROW(run1("Gelu", {kX}, attrs({{"approximate", std::string("fast")}})), Error);
  EXPECT_THROW(run1("Gelu", {kX}, {}, 19), Error);  // Gelu is opset 20+
}

TEST(Swish, InternalOpWithAlpha) {
  EXPECT_TRUE(tensors_close(run1("Swish", {kX}, {}, 1, "nnload"),
                            make<float>({-0.23840584f, -0.26894142f, -0.18877033f, 0, 0.31122967f,
                                         0.73105858f, 1.76159416f},
                                        {7}),
                            1e-6, 1e-6));
  EXPECT_TRUE(tensors_close(run1("Swish", {kX}, attrs({{"alpha", 2.0}}), 1, "nnload"),
                            make<float>({-0.03597242f, -0.11920292f, -0.13447071f, 0, 0.36552929f,
                                         0.88079708f, 1.96402758f},
                                        {7}),
                            1e-6, 1e-6));
}

// Large random inputs against libm in double: exercises the vectorised approximations and the
// parallel path, and the saturated tails.
TEST(SigmoidFamily, RandomAgainstLibm) {
  const Tensor x = random_tensor<float>({4, 100, 257}, -30, 30, 7);
  const std::vector<std::pair<const char*, double (*)(double)>> cases = {
      {"Sigmoid", [](double v) { return 1 / (1 + std::exp(-v)); }},
      {"Tanh", [](double v) { return std::tanh(v); }},
      {"Softplus", [](double v) { return std::log1p(std::exp(v)); }},
      {"Mish", [](double v) { return v * std::tanh(std::log1p(std::exp(v))); }},
      {"Gelu", [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }},
  };
  for (const auto& [op, reference] : cases) {
    double (*fn)(double) = reference;  // clang 14 can't capture a structured binding
    EXPECT_TRUE(tensors_close(
        run1(op, {x}), testing::reference_unary<float, double>(x, [fn](float v) { return fn(v); }),
        1e-6, 1e-6))
        << op;
  }
}

TEST(SigmoidFamily, OpsetRangesAndErrors) {
  EXPECT_THROW(run1("HardSwish", {kX}, {}, 13), Error);
  EXPECT_THROW(run1("Mish", {kX}, {}, 17), Error);
  EXPECT_THROW(run1("Sigmoid", {make<std::int32_t>({1}, {1})}), Error);
  EXPECT_THROW(run1("Tanh", {}), Error);
  EXPECT_EQ(run1("Sigmoid", {make<float>({}, {0})}).shape(), Shape{0});
  EXPECT_TRUE(tensors_close(run1("Sigmoid", {make<float>({0}, {})}), make<float>({0.5f}, {})));
}

}  // namespace
}  // namespace nnload::ops
