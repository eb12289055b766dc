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

enum class Mode { softmax, log_softmax, hardmax };

// Reference over [outer, n, inner] in double, one column at a time.
Tensor reference(const Tensor& x, std::int64_t outer, std::int64_t n, std::int64_t inner,
                 Mode mode) {
  Tensor y = Tensor::empty(x.dtype(), x.shape());
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t j = 0; j < inner; ++j) {
      const auto at = [&](std::int64_t k) { return (o * n + k) * inner + j; };
      double max = -std::numeric_limits<double>::infinity();
      std::int64_t arg = 0;
      for (std::int64_t k = 0; k < n; ++k) {
        if (x.value_as_double(at(k)) > max) {
          max = x.value_as_double(at(k));
          arg = k;
        }
      }
      double sum = 0;
      for (std::int64_t k = 0; k < n; ++k) sum += std::exp(x.value_as_double(at(k)) - max);
      for (std::int64_t k = 0; k < n; ++k) {
        const double v = x.value_as_double(at(k));
        const double r = mode == Mode::softmax       ? std::exp(v - max) / sum
                         : mode == Mode::log_softmax ? v - max - std::log(sum)
                                                     : (k == arg ? 1.0 : 0.0);
        if (x.dtype() == DType::f32) {
          y.mutable_data<float>()[at(k)] = static_cast<float>(r);
        } else {
          y.mutable_data<double>()[at(k)] = r;
        }
      }
    }
  }
  return y;
}

const char* name(Mode mode) {
  return mode == Mode::softmax ? "Softmax" : mode == Mode::log_softmax ? "LogSoftmax" : "Hardmax";
}

TEST(Softmax, LastAxisLiteral) {
  const Tensor x = make<float>({1, 2, 3, 1, 1, 1, -1, 0, 10}, {3, 3});
  EXPECT_TRUE(tensors_close(run1("Softmax", {x}),
                            make<float>({0.090030573f, 0.24472848f, 0.66524094f, 1 / 3.0f, 1 / 3.0f,
                                         1 / 3.0f, 1.6700664e-05f, 4.5397112e-05f, 0.99993789f},
                                        {3, 3}),
                            1e-7, 1e-6));
  EXPECT_TRUE(
      tensors_close(run1("LogSoftmax", {x}),
                    make<float>({-2.4076059f, -1.4076059f, -0.40760595f, -1.0986123f, -1.0986123f,
                                 -1.0986123f, -11.000062f, -10.000062f, -6.2106112e-05f},
                                {3, 3}),
                    1e-6, 1e-6));
}

TEST(Softmax, FirstAxisLiteral) {
  EXPECT_TRUE(tensors_close(
      run1("Softmax", {make<float>({1, 2, 3, 4}, {2, 2})}, attrs({{"axis", std::int64_t{0}}})),
      make<float>({0.11920292f, 0.11920292f, 0.88079708f, 0.88079708f}, {2, 2}), 1e-7, 1e-6));
}

TEST(Softmax, LargeValuesAreStable) {
  const Tensor y = run1("Softmax", {make<float>({1000, 1001, 1002}, {1, 3})});
  EXPECT_TRUE(
      tensors_close(y, make<float>({0.09003057f, 0.24472847f, 0.66524096f}, {1, 3}), 1e-7, 1e-6));
  const Tensor z = run1("LogSoftmax", {make<float>({-1000, 0}, {2})});
  EXPECT_TRUE(tensors_close(z, make<float>({-1000, 0}, {2}), 1e-6, 1e-6));
}

TEST(Hardmax, FirstMaximumWins) {
  const Tensor x = make<float>({1, 3, 3, 2, 1, 0, 0, 0, 0}, {3, 3});
  EXPECT_TRUE(
      tensors_close(run1("Hardmax", {x}), make<float>({0, 1, 0, 1, 0, 0, 1, 0, 0}, {3, 3})));
  EXPECT_TRUE(tensors_close(run1("Hardmax", {x}, attrs({{"axis", std::int64_t{0}}})),
                            make<float>({0, 1, 1, 1, 0, 0, 0, 0, 0}, {3, 3})));
}

// Every axis (positive and negative) of 3-D and 4-D inputs, both dtypes and all three ops,
// including columns wider than one block and sizes large enough to run in parallel.
TEST(Softmax, EveryAxisAgainstReference) {
  for (const Shape& shape :
       {Shape{3, 4, 5}, Shape{2, 5, 100}, Shape{2, 3, 1, 70}, Shape{17, 2000}}) {
    const Tensor xf = random_tensor<float>(shape, -5, 5, 3);
    const Tensor xd = random_tensor<double>(shape, -5, 5, 4);
    const auto rank = static_cast<std::int64_t>(shape.size());
    for (std::int64_t axis = -rank; axis < rank; ++axis) {
      const std::int64_t a = axis < 0 ? axis + rank : axis;
      std::int64_t outer = 1, inner = 1;
      for (std::int64_t d = 0; d < a; ++d) outer *= shape[d];
      for (std::int64_t d = a + 1; d < rank; ++d) inner *= shape[d];
      for (Mode mode : {Mode::softmax, Mode::log_softmax, Mode::hardmax}) {
        SCOPED_TRACE(std::string(name(mode)) + " " + shape_to_list(shape) + " axis " +
                     std::to_string(axis));
        EXPECT_TRUE(tensors_close(run1(name(mode), {xf}, attrs({{"axis", axis}})),
                                  reference(xf, outer, shape[a], inner, mode), 1e-6, 1e-5));
        EXPECT_TRUE(tensors_close(run1(name(mode), {xd}, attrs({{"axis", axis}})),
                                  reference(xd, outer, shape[a], inner, mode), 1e-12, 1e-12));
      }
    }
  }
}

// Opset 1-12: the input is flattened to 2-D at `axis` (default 1); 13+: along axis (default -1).
TEST(Softmax, Opset12CoercesTo2D) {
  const Tensor x = random_tensor<float>({2, 3, 4}, -3, 3, 5);
  for (Mode mode : {Mode::softmax, Mode::log_softmax, Mode::hardmax}) {
    SCOPED_TRACE(name(mode));
    // Default axis 1: rows of 12.
    EXPECT_TRUE(
        tensors_close(run1(name(mode), {x}, {}, 12), reference(x, 2, 12, 1, mode), 1e-6, 1e-5));
    // axis 0: one row of 24; axis -1: rows of 4.
    EXPECT_TRUE(tensors_close(run1(name(mode), {x}, attrs({{"axis", std::int64_t{0}}}), 11),
                              reference(x, 1, 24, 1, mode), 1e-6, 1e-5));
    EXPECT_TRUE(tensors_close(run1(name(mode), {x}, attrs({{"axis", std::int64_t{-1}}}), 1),
                              reference(x, 6, 4, 1, mode), 1e-6, 1e-5));
    // Opset 13 default: along the last axis only.
    EXPECT_TRUE(
        tensors_close(run1(name(mode), {x}, {}, 13), reference(x, 6, 4, 1, mode), 1e-6, 1e-5));
  }
}

TEST(Softmax, ZeroSized) {
  EXPECT_EQ(run1("Softmax", {make<float>({}, {0, 3})}).shape(), (Shape{0, 3}));
  EXPECT_EQ(run1("LogSoftmax", {make<float>({}, {3, 0})}).shape(), (Shape{3, 0}));
  EXPECT_EQ(
      run1("Hardmax", {make<float>({}, {2, 0, 3})}, attrs({{"axis", std::int64_t{1}}})).shape(),
      (Shape{2, 0, 3}));
}

TEST(Softmax, NanRowStaysNan) {
  const Tensor y = run1("Softmax", {make<float>({1, std::nanf(""), 2, 1, 2, 3}, {2, 3})});
  EXPECT_TRUE(std::isnan(y.values<float>()[0]));
  EXPECT_FALSE(std::isnan(y.values<float>()[3]));
}

TEST(Softmax, Errors) {
  const Tensor x = make<float>({1, 2}, {1, 2});
  EXPECT_THROW(run1("Softmax", {x}, attrs({{"axis", std::int64_t{2}}})), Error);
  EXPECT_THROW(run1("LogSoftmax", {x}, attrs({{"axis", std::int64_t{-3}}})), Error);
  EXPECT_THROW(run1("Softmax", {make<float>({1}, {})}), Error);  // rank 0 has no axis
  EXPECT_THROW(run1("Hardmax", {make<std::int32_t>({1, 2}, {2})}), Error);
}

}  // namespace
}  // namespace nnload::ops
