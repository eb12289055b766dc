#include <gtest/gtest.h>

#include <cmath>

#include "linalg/broadcast.hpp"
#include "ops/norm/norm_test_util.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::ops {
namespace {

using graph::Attributes;
using testing::make;
using testing_norm::random_tensor;
using testing_norm::run_with_runtime_inputs;

Attributes with_axis(std::int64_t axis) {
  Attributes a;
  a.set("axis", axis);
  return a;
}

TEST(LayerNormalization, LiteralRowWithStatistics) {
  const Tensor x = make<float>({1, 2, 3, 4}, {1, 4});
  const Tensor scale = make<float>({1, 1, 1, 1}, {4});
  const Tensor bias = make<float>({0, 0, 0, 0}, {4});
  const auto out = run_op("LayerNormalization", {x, scale, bias}, {}, 3, "", 17);
  // mean 2.5, variance 1.25, epsilon 1e-5.
  EXPECT_TRUE(testing::tensors_close(
      out[0], make<float>({-1.3416355f, -0.4472118f, 0.4472118f, 1.3416355f}, {1, 4})));
  EXPECT_TRUE(testing::tensors_close(out[1], make<float>({2.5f}, {1, 1})));
  EXPECT_TRUE(testing::tensors_close(out[2], make<float>({0.8944236f}, {1, 1})));
  EXPECT_EQ(out[1].dtype(), DType::f32);
}

TEST(LayerNormalization, ScaleAndBiasApplyPerElement) {
  const Tensor x = make<float>({1, 3, 10, 30}, {2, 2});
  const Tensor scale = make<float>({2, 3}, {2});
  const Tensor bias = make<float>({1, -1}, {2});
  Attributes a;
  a.set("epsilon", 0.0);
  const Tensor y = run_op("LayerNormalization", {x, scale, bias}, a, 1, "", 17)[0];
  // Each row normalises to [-1, 1].
  EXPECT_TRUE(testing::tensors_close(y, make<float>({-1, 2, -1, 2}, {2, 2})));
  const Tensor no_bias = run_op("LayerNormalization", {x, scale}, a, 1, "", 17)[0];
  EXPECT_TRUE(testing::tensors_close(no_bias, make<float>({-2, 3, -2, 3}, {2, 2})));
}

// The spec's function body, in double.
std::vector<Tensor> reference(const Tensor& x, const Tensor& scale, const Tensor* bias,
                              std::int64_t axis, double eps) {
  const std::int64_t rank = x.rank();
  const std::int64_t a = axis < 0 ? axis + rank : axis;
  std::int64_t rows = 1, cols = 1;
  for (std::int64_t i = 0; i < rank; ++i) (i < a ? rows : cols) *= x.dim(i);
  const auto s_strides = linalg::broadcast_strides(scale.shape(), x.shape());
  std::vector<std::int64_t> b_strides(s_strides.size(), 0);
  if (bias != nullptr) b_strides = linalg::broadcast_strides(bias->shape(), x.shape());
  const auto param_offset = [&](std::int64_t i, const std::vector<std::int64_t>& strides) {
    std::int64_t off = 0;
    for (std::int64_t d = rank; d-- > 0;) {
      off += (i % x.dim(d)) * strides[static_cast<std::size_t>(d)];
      i /= x.dim(d);
    }
    return off;
  };
  Shape stat_shape = x.shape();
  for (std::int64_t i = a; i < rank; ++i) stat_shape[static_cast<std::size_t>(i)] = 1;
  Tensor y = Tensor::empty(DType::f64, x.shape());
  Tensor mean_t = Tensor::empty(DType::f64, stat_shape);
  Tensor inv_t = Tensor::empty(DType::f64, stat_shape);
  for (std::int64_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (std::int64_t c = 0; c < cols; ++c) mean += x.value_as_double(r * cols + c);
    mean /= static_cast<double>(cols);
    for (std::int64_t c = 0; c < cols; ++c) {
      const double d = x.value_as_double(r * cols + c) - mean;
      var += d * d;
    }
    var /= static_cast<double>(cols);
    const double inv = 1 / std::sqrt(var + eps);
    for (std::int64_t c = 0; c < cols; ++c) {
      const std::int64_t i = r * cols + c;
      const double s = scale.value_as_double(param_offset(i, s_strides));
      const double b = bias ? bias->value_as_double(param_offset(i, b_strides)) : 0;
      y.mutable_data<double>()[i] = (x.value_as_double(i) - mean) * inv * s + b;
    }
    mean_t.mutable_data<double>()[r] = mean;
    inv_t.mutable_data<double>()[r] = inv;
  }
  return {y, mean_t, inv_t};
}

struct ParamCase {
  Shape x;
  std::int64_t axis;
  Shape scale;
  Shape bias;  // empty: no bias input
};

TEST(LayerNormalization, MatchesDoubleReferenceForAxesBroadcastsAndDtypes) {
  std::mt19937 rng(21);
  const ParamCase cases[] = {
      {{2, 3, 4}, -1, {4}, {4}},
      {{2, 3, 4}, 1, {3, 4}, {3, 4}},
      {{2, 3, 4}, 1, {4}, {1, 4}},            // broadcast over the normalised axes
      {{2, 3, 4}, 1, {3, 1}, {}},             // no bias
      {{2, 3, 4}, 0, {2, 3, 4}, {1}},         // every axis normalised
      {{2, 3, 4}, -2, {2, 1, 1}, {2, 3, 4}},  // scale varies over a leading axis
      {{16, 768}, -1, {768}, {768}},          // transformer rows
      {{3, 5000}, 1, {5000}, {5000}},         // long rows
  };
  for (DType dtype : {DType::f32, DType::f64}) {
    for (const ParamCase& c : cases) {
      const Tensor x = random_tensor(dtype, c.x, rng, -3, 5);
      const Tensor scale = random_tensor(dtype, c.scale, rng);
      const Tensor bias = c.bias.empty() ? Tensor() : random_tensor(dtype, c.bias, rng);
      std::vector<Tensor> inputs = {x, scale};
      if (!c.bias.empty()) inputs.push_back(bias);
      const std::vector<Tensor> expected =
          reference(x, scale, c.bias.empty() ? nullptr : &bias, c.axis, 1e-5);
      const double tol = dtype == DType::f32 ? 2e-5 : 1e-12;
      const std::string what = shape_to_list(c.x) + " axis " + std::to_string(c.axis) + " scale " +
                               shape_to_list(c.scale) + " " + std::string(dtype_name(dtype));
      const auto out = run_op("LayerNormalization", inputs, with_axis(c.axis), 3, "", 17);
      EXPECT_TRUE(testing::tensors_close(out[0], expected[0], tol, tol)) << what;
      EXPECT_TRUE(testing::tensors_close(out[1], expected[1], 1e-6, 1e-6)) << what;
      EXPECT_TRUE(testing::tensors_close(out[2], expected[2], 1e-6, 1e-6)) << what;
      const auto runtime =
          run_with_runtime_inputs("LayerNormalization", inputs, with_axis(c.axis), 1, 17);
      EXPECT_TRUE(testing::tensors_close(runtime[0], expected[0], tol, tol)) << what;
    }
  }
}

TEST(LayerNormalization, StashTypeDoubleGivesDoubleStatistics) {
  Attributes a;
  a.set("stash_type", std::int64_t{11});
  const Tensor x = make<float>({1, 2, 3, 4}, {2, 2});
  const Tensor s = make<float>({1, 1}, {2});
  const auto out = run_op("LayerNormalization", {x, s}, a, 3, "", 17);
  EXPECT_EQ(out[1].dtype(), DType::f64);
  EXPECT_EQ(out[2].dtype(), DType::f64);
  EXPECT_DOUBLE_EQ(out[1].values<double>()[1], 3.5);
}

TEST(LayerNormalization, ZeroRows) {
  const Tensor x = Tensor::empty(DType::f32, {0, 4});
  const auto out = run_op("LayerNormalization", {x, make<float>({1, 1, 1, 1}, {4})}, {}, 2, "", 17);
  EXPECT_EQ(out[0].shape(), (Shape{0, 4}));
  EXPECT_EQ(out[1].shape(), (Shape{0, 1}));
}

TEST(LayerNormalization, Errors) {
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor s3 = make<float>({1, 1, 1}, {3});
  const auto ln = [](const std::vector<Tensor>& in, const Attributes& a = {}) {
    return run_op("LayerNormalization", in, a, 1, "", 17);
  };
  EXPECT_THROW(ln({x, make<float>({1, 1}, {2})}), Error);           // does not broadcast
  EXPECT_THROW(ln({x, make<float>({1, 1, 1}, {1, 1, 3})}), Error);  // would grow X
  EXPECT_THROW(ln({x, s3, make<float>({1, 1, 1, 1}, {4})}), Error);
  EXPECT_THROW(ln({x, s3}, with_axis(2)), Error);
  EXPECT_THROW(ln({x, s3}, with_axis(-3)), Error);
  EXPECT_THROW(ln({x}), Error);
  EXPECT_THROW(ln({x.to(DType::i32), s3}), Error);
  Attributes half;
  half.set("stash_type", std::int64_t{10});
  EXPECT_THROW(ln({x, s3}, half), Error);
  EXPECT_EQ(find_op("", "LayerNormalization", 16), nullptr);
}

}  // namespace
}  // namespace nnload::ops
