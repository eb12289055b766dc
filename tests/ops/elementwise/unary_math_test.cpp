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
const float kNan = std::nanf("");

TEST(UnaryMath, Literals) {
  const Tensor x = make<float>({-1.5f, -0.5f, 0.0f, 0.3f, 0.9f}, {5});
  // Values from numpy.
  const std::vector<std::pair<const char*, std::vector<float>>> cases = {
      {"Sin", {-0.99749499f, -0.47942555f, 0.0f, 0.29552022f, 0.78332692f}},
      {"Cos", {0.07073720f, 0.87758255f, 1.0f, 0.95533651f, 0.62160999f}},
      {"Tan", {-14.1014204f, -0.54630250f, 0.0f, 0.30933627f, 1.26015806f}},
      {"Atan", {-0.98279375f, -0.46364760f, 0.0f, 0.29145682f, 0.73281509f}},
      {"Sinh", {-2.12927938f, -0.52109528f, 0.0f, 0.30452031f, 1.02651668f}},
      {"Cosh", {2.35240960f, 1.12762606f, 1.0f, 1.04533839f, 1.43308640f}},
      {"Asinh", {-1.19476318f, -0.48121181f, 0.0f, 0.29567307f, 0.80886692f}},
      {"Exp", {0.22313016f, 0.60653066f, 1.0f, 1.34985881f, 2.45960311f}},
      {"Erf", {-0.96610515f, -0.52049988f, 0.0f, 0.32862676f, 0.79690821f}},
      {"Abs", {1.5f, 0.5f, 0.0f, 0.3f, 0.9f}},
      {"Neg", {1.5f, 0.5f, -0.0f, -0.3f, -0.9f}},
      {"Sign", {-1, -1, 0, 1, 1}},
      {"Floor", {-2, -1, 0, 0, 0}},
      {"Ceil", {-1, -0.0f, 0, 1, 1}},
  };
  for (const auto& [op, want] : cases) {
    EXPECT_TRUE(tensors_close(run1(op, {x}), make<float>(want, {5}), 1e-6, 1e-6)) << op;
  }
  const Tensor unit = make<float>({-0.5f, 0.0f, 0.3f, 0.9f, 2.0f}, {5});
  EXPECT_TRUE(tensors_close(run1("Asin", {unit}),
                            make<float>({-0.52359879f, 0, 0.30469266f, 1.11976957f, kNan}, {5}),
                            1e-6));
  EXPECT_TRUE(tensors_close(
      run1("Acos", {unit}),
      make<float>({2.09439516f, 1.57079637f, 1.26610374f, 0.45102686f, kNan}, {5}), 1e-6));
  EXPECT_TRUE(tensors_close(run1("Atanh", {unit}),
                            make<float>({-0.54930615f, 0, 0.30951962f, 1.47221935f, kNan}, {5}),
                            1e-6));
  EXPECT_TRUE(tensors_close(run1("Acosh", {make<float>({1, 1.5f, 3}, {3})}),
                            make<float>({0, 0.96242362f, 1.76274717f}, {3}), 1e-6));
  EXPECT_TRUE(tensors_close(run1("Log", {make<float>({0.5f, 1, 2, 10}, {4})}),
                            make<float>({-0.69314718f, 0, 0.69314718f, 2.30258509f}, {4})));
  EXPECT_EQ(run1("Log", {make<float>({0}, {1})}).values<float>()[0], -kInf);
  EXPECT_TRUE(tensors_close(run1("Reciprocal", {make<float>({-1.5f, -0.5f, 0.3f, 0.9f}, {4})}),
                            make<float>({-0.66666667f, -2.0f, 3.33333333f, 1.11111111f}, {4})));
  EXPECT_EQ(run1("Reciprocal", {make<float>({0}, {1})}).values<float>()[0], kInf);
  EXPECT_TRUE(tensors_close(run1("Sqrt", {make<float>({0, 1, 4, 2, -1}, {5})}),
                            make<float>({0, 1, 2, 1.41421356f, kNan}, {5})));
}

TEST(UnaryMath, RoundHalfToEven) {
  // The ONNX backend test round.
  EXPECT_TRUE(
      tensors_close(run1("Round", {make<float>({0.1f, 0.5f, 0.9f, 1.2f, 1.5f, 1.8f, 2.3f, 2.5f,
                                                2.7f, -1.1f, -1.5f, -1.9f, -2.2f, -2.5f, -2.8f},
                                               {15})}),
                    make<float>({0, 0, 1, 1, 2, 2, 2, 2, 3, -1, -2, -2, -2, -2, -3}, {15}), 0, 0));
}

// Float ops against libm in double, on random data large enough to run in parallel.
TEST(UnaryMath, RandomAgainstLibm) {
  const Tensor x = random_tensor<double>({300, 70}, -0.99, 0.99, 3);
  const std::vector<std::pair<const char*, double (*)(double)>> cases = {
      {"Exp", [](double v) { return std::exp(v); }},
      {"Sin", [](double v) { return std::sin(v); }},
      {"Erf", [](double v) { return std::erf(v); }},
      {"Atanh", [](double v) { return std::atanh(v); }},
      {"Floor", [](double v) { return std::floor(v * 10); }},
  };
  for (const auto& [op, fn] : cases) {
    const Tensor input = std::string(op) == "Floor" ? testing::reference_unary<double, double>(
                                                          x, [](double v) { return v * 10; })
                                                    : x;
    EXPECT_TRUE(
        tensors_close(run1(op, {input}), testing::reference_unary<double, double>(x, fn), 0, 1e-15))
        << op;
  }
  // float32 Exp and Erf use vectorised approximations: a few ulp from libm.
  const Tensor xf = random_tensor<float>({100000}, -20, 20, 4);
  EXPECT_TRUE(tensors_close(
      run1("Exp", {xf}),
      testing::reference_unary<float, double>(xf, [](float v) { return std::exp(double(v)); }), 0,
      3e-7));
  EXPECT_TRUE(tensors_close(
      run1("Erf", {xf}),
      testing::reference_unary<float, double>(xf, [](float v) { return std::erf(double(v)); }),
      1e-7, 5e-7));
}

TEST(UnaryMath, IntegerAbsNegSign) {
  const std::int32_t min = std::numeric_limits<std::int32_t>::min();
  EXPECT_TRUE(tensors_close(run1("Abs", {make<std::int32_t>({-3, 0, 4, min}, {4})}),
                            make<std::int32_t>({3, 0, 4, min}, {4})));  // |min| wraps to min
  EXPECT_TRUE(tensors_close(run1("Neg", {make<std::int8_t>({-3, 0, 4, -128}, {4})}),
                            make<std::int8_t>({3, 0, -4, -128}, {4})));
  EXPECT_TRUE(tensors_close(run1("Sign", {make<std::int64_t>({-7, 0, 9}, {3})}),
                            make<std::int64_t>({-1, 0, 1}, {3})));
  EXPECT_TRUE(tensors_close(run1("Abs", {make<std::uint8_t>({0, 200}, {2})}),
                            make<std::uint8_t>({0, 200}, {2})));
  // Neg is for signed types.
  EXPECT_THROW(run1("Neg", {make<std::uint8_t>({1}, {1})}), Error);
}

TEST(UnaryMath, SignOfNanIsNan) {
  const Tensor y = run1("Sign", {make<double>({kNan, -0.0, 2}, {3})});
  EXPECT_TRUE(std::isnan(y.values<double>()[0]));
  EXPECT_EQ(y.values<double>()[1], 0.0);
  EXPECT_EQ(y.values<double>()[2], 1.0);
}

TEST(IsNaN, Literal) {
  const Tensor y = run1("IsNaN", {make<float>({-1.2f, kNan, kInf, 2.8f, -kNan, kInf}, {6})});
  EXPECT_EQ(y.dtype(), DType::boolean);
  EXPECT_TRUE(tensors_close(y, make<bool>({false, true, false, false, true, false}, {6})));
}

TEST(IsInf, DetectOptions) {
  const Tensor x = make<float>({-1.2f, kNan, kInf, 2.8f, -kInf, kInf}, {6});
  EXPECT_TRUE(
      tensors_close(run1("IsInf", {x}), make<bool>({false, false, true, false, true, true}, {6})));
  EXPECT_TRUE(tensors_close(run1("IsInf", {x}, attrs({{"detect_negative", std::int64_t{0}}})),
                            make<bool>({false, false, true, false, false, true}, {6})));
  EXPECT_TRUE(tensors_close(run1("IsInf", {x}, attrs({{"detect_positive", std::int64_t{0}}})),
                            make<bool>({false, false, false, false, true, false}, {6})));
  EXPECT_TRUE(tensors_close(
      run1("IsInf", {make<double>({0.0, 1.0}, {2})},
           attrs({{"detect_positive", std::int64_t{0}}, {"detect_negative", std::int64_t{0}}})),
      make<bool>({false, false}, {2})));
}

TEST(UnaryMath, ZeroSizedAndScalar) {
  EXPECT_EQ(run1("Exp", {make<float>({}, {0, 4})}).shape(), (Shape{0, 4}));
  EXPECT_TRUE(tensors_close(run1("Abs", {make<float>({-2}, {})}), make<float>({2}, {})));
}

TEST(UnaryMath, Errors) {
  EXPECT_THROW(run1("Exp", {make<std::int32_t>({1}, {1})}), Error);
  EXPECT_THROW(run1("IsNaN", {make<std::int32_t>({1}, {1})}), Error);
  EXPECT_THROW(run1("Round", {make<float>({1}, {1})}, {}, 10), Error);  // Round is opset 11+
  EXPECT_THROW(run1("Sin", {make<float>({1}, {1}), make<float>({1}, {1})}), Error);
  try {
    run1("Sqrt", {make<float>({1}, {1}).to(DType::bf16)});
    FAIL() << "bfloat16 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
  }
}

}  // namespace
}  // namespace nnload::ops
