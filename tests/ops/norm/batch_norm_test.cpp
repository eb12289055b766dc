#include <gtest/gtest.h>

#include <cmath>

#include "ops/norm/norm_test_util.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::ops {
namespace {

using graph::Attributes;
using testing::make;
using testing_norm::random_tensor;
using testing_norm::run_with_runtime_inputs;

Tensor bn(const std::vector<Tensor>& inputs, const Attributes& a = {}, int opset = 15) {
  return run_op("BatchNormalization", inputs, a, 1, "", opset)[0];
}

// ONNX's batchnorm example (test_batchnorm_example): x [1, 2, 1, 3].
TEST(BatchNormalization, OnnxExample) {
  const Tensor x = make<float>({-1, 0, 1, 2, 3, 4}, {1, 2, 1, 3});
  const Tensor s = make<float>({1.0f, 1.5f}, {2});
  const Tensor b = make<float>({0, 1}, {2});
  const Tensor mean = make<float>({0, 3}, {2});
  const Tensor var = make<float>({1, 1.5f}, {2});
  const Tensor expected =
      make<float>({-0.999995f, 0.f, 0.999995f, -0.22474074f, 1.f, 2.2247407f}, {1, 2, 1, 3});
  for (int opset : {7, 9, 14, 15}) {
    EXPECT_TRUE(testing::tensors_close(bn({x, s, b, mean, var}, {}, opset), expected)) << opset;
  }
  // test_batchnorm_epsilon: the same with epsilon 1e-2.
  Attributes eps;
  eps.set("epsilon", 1e-2);
  const Tensor y = bn({x, s, b, mean, var}, eps);
  EXPECT_NEAR(y.values<float>()[0], -1 / std::sqrt(1.01), 1e-6);
}

// y = scale * (x - mean) / sqrt(var + eps) + B per channel, by a plain loop.
Tensor reference(const Tensor& x, const Tensor& s, const Tensor& b, const Tensor& mean,
                 const Tensor& var, double eps, std::int64_t channel_axis) {
  Tensor y = Tensor::empty(DType::f64, x.shape());
  std::int64_t inner = 1;
  for (std::int64_t i = channel_axis + 1; i < x.rank(); ++i) inner *= x.dim(i);
  const std::int64_t c_count = x.dim(channel_axis);
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const std::int64_t c = (i / inner) % c_count;
    y.mutable_data<double>()[i] = s.value_as_double(c) *
                                      (x.value_as_double(i) - mean.value_as_double(c)) /
                                      std::sqrt(var.value_as_double(c) + eps) +
                                  b.value_as_double(c);
  }
  return y;
}

TEST(BatchNormalization, MatchesReferenceWithConstantAndRuntimeParameters) {
  std::mt19937 rng(5);
  for (DType dtype : {DType::f32, DType::f64}) {
    for (const Shape& shape :
         {Shape{2, 3}, Shape{2, 3, 5}, Shape{2, 4, 3, 5}, Shape{1, 16, 70, 70}}) {
      const std::int64_t c = shape[1];
      const Tensor x = random_tensor(dtype, shape, rng);
      const Tensor s = random_tensor(DType::f32, {c}, rng);
      const Tensor b = random_tensor(DType::f32, {c}, rng);
      const Tensor mean = random_tensor(DType::f32, {c}, rng);
      const Tensor var = random_tensor(DType::f32, {c}, rng, 0.1, 3);
      const Tensor expected = reference(x, s, b, mean, var, 1e-5, 1);
      const double tol = dtype == DType::f32 ? 1e-5 : 1e-12;
      EXPECT_TRUE(testing::tensors_close(bn({x, s, b, mean, var}), expected, tol, tol));
      const Tensor runtime =
          run_with_runtime_inputs("BatchNormalization", {x, s, b, mean, var}, {}, 1, 15)[0];
      EXPECT_TRUE(testing::tensors_close(runtime, expected, tol, tol)) << shape_to_list(shape);
    }
  }
}

TEST(BatchNormalization, ParametersMayBeDoubleForFloatData) {
  // Opset 15 lets scale/B (T1) and mean/var (T2) differ from X's type.
  const Tensor x = make<float>({1, 2}, {1, 2});
  const Tensor ones = make<double>({1, 1}, {2});
  const Tensor zeros = make<double>({0, 0}, {2});
  EXPECT_TRUE(testing::tensors_close(bn({x, ones, zeros, zeros, ones}), x, 1e-4, 1e-4));
}

TEST(BatchNormalization, NonSpatialBeforeOpset9HasOneParameterPerPosition) {
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});
  const Tensor s = make<float>({1, 2, 3, 4}, {2, 2});
  const Tensor zeros = make<float>({0, 0, 0, 0}, {2, 2});
  const Tensor ones = make<float>({1, 1, 1, 1}, {2, 2});
  Attributes a;
  a.set("spatial", std::int64_t{0});
  a.set("epsilon", 0.0);
  const Tensor y = bn({x, s, zeros, zeros, ones}, a, 7);
  EXPECT_TRUE(testing::tensors_close(y, make<float>({1, 4, 9, 16, 5, 12, 21, 32}, {2, 2, 2})));
}

TEST(BatchNormalization, ZeroSizedBatch) {
  const Tensor x = Tensor::empty(DType::f32, {0, 3, 4});
  const Tensor p = make<float>({1, 1, 1}, {3});
  EXPECT_EQ(bn({x, p, p, p, p}).shape(), (Shape{0, 3, 4}));
}

TEST(BatchNormalization, Errors) {
  const Tensor x = make<float>({1, 2, 3, 4}, {1, 2, 2});
  const Tensor p = make<float>({1, 1}, {2});
  const Tensor wrong = make<float>({1, 1, 1}, {3});
  EXPECT_THROW(bn({x, wrong, p, p, p}), Error);
  EXPECT_THROW(bn({x, p, p, p, wrong}), Error);
  EXPECT_THROW(bn({x, p, p, p}), Error);
  EXPECT_THROW(bn({make<float>({1, 2}, {2}), p, p, p, p}), Error);
  EXPECT_THROW(bn({x.to(DType::i32), p, p, p, p}), Error);
  EXPECT_THROW(bn({x.to(DType::f16), p, p, p, p}), Error);
  Attributes training;
  training.set("training_mode", std::int64_t{1});
  try {
    bn({x, p, p, p, p}, training, 15);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
    EXPECT_NE(std::string(e.what()).find("training"), std::string::npos) << e.what();
  }
  // Running mean and variance outputs exist only in training mode.
  EXPECT_THROW(run_op("BatchNormalization", {x, p, p, p, p}, {}, 3, "", 9), Error);
}

// ---- nnload Normalize ------------------------------------------------------------------------

Tensor normalize(const std::vector<Tensor>& inputs, std::int64_t axis) {
  Attributes a;
  a.set("axis", axis);
  return run_op("Normalize", inputs, a, 1, "nnload", 1)[0];
}

TEST(Normalize, ChannelsLastLiteral) {
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {1, 2, 3});
  const Tensor scale = make<float>({1, 10, 100}, {3});
  const Tensor shift = make<float>({0, 1, 2}, {3});
  const Tensor y = normalize({x, scale, shift}, -1);
  EXPECT_TRUE(testing::tensors_close(y, make<float>({1, 21, 302, 4, 51, 602}, {1, 2, 3})));
}

// Normalize is x * scale + shift along any axis: the BatchNorm loop with mean 0, var 1, eps 0.
TEST(Normalize, MatchesReferenceOnEveryAxisWithConstantAndRuntimeParameters) {
  std::mt19937 rng(9);
  const Shape shape = {2, 3, 4, 5};
  for (DType dtype : {DType::f32, DType::f64}) {
    const Tensor x = random_tensor(dtype, shape, rng);
    for (std::int64_t axis = -4; axis < 4; ++axis) {
      const std::int64_t a = axis < 0 ? axis + 4 : axis;
      const std::int64_t c = shape[static_cast<std::size_t>(a)];
      const Tensor scale = random_tensor(dtype, {c}, rng);
      const Tensor shift = random_tensor(dtype, {c}, rng);
      const Tensor zeros = Tensor::zeros(DType::f64, {c});
      const Tensor ones = Tensor::from_vector<double>(std::vector<double>(c, 1.0), {c});
      const Tensor expected = reference(x, scale, shift, zeros, ones, 0.0, a);
      EXPECT_TRUE(testing::tensors_close(normalize({x, scale, shift}, axis), expected, 1e-6, 1e-6));
      Attributes attrs;
      attrs.set("axis", axis);
      const Tensor runtime =
          run_with_runtime_inputs("Normalize", {x, scale, shift}, attrs, 1, 1, "nnload")[0];
      EXPECT_TRUE(testing::tensors_close(runtime, expected, 1e-6, 1e-6)) << axis;
    }
  }
}

TEST(Normalize, Errors) {
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor p3 = make<float>({1, 1, 1}, {3});
  EXPECT_THROW(normalize({x, p3, p3}, 0), Error);  // axis 0 has 2 channels
  EXPECT_THROW(normalize({x, p3, p3}, 2), Error);
  EXPECT_THROW(normalize({x, p3}, -1), Error);
  EXPECT_THROW(normalize({Tensor::scalar<float>(1), p3, p3}, -1), Error);
}

}  // namespace
}  // namespace nnload::ops
