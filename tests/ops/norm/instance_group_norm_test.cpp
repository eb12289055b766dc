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

Attributes groups(std::int64_t g) {
  Attributes a;
  a.set("num_groups", g);
  return a;
}

// ONNX's instancenorm example (test_instancenorm_example).
TEST(InstanceNormalization, OnnxExample) {
  const Tensor x = make<float>({-1, 0, 1, 2, 3, 4}, {1, 2, 1, 3});
  const Tensor s = make<float>({1.0f, 1.5f}, {2});
  const Tensor b = make<float>({0, 1}, {2});
  const Tensor y = run_op("InstanceNormalization", {x, s, b}, {}, 1, "", 6)[0];
  EXPECT_TRUE(testing::tensors_close(
      y, make<float>({-1.2247357f, 0.f, 1.2247357f, -0.8371035f, 1.f, 2.8371035f}, {1, 2, 1, 3})));
}

TEST(GroupNormalization, LiteralPerGroupScaleAtOpset18) {
  // Groups {1,2,3,4} and {5,6,7,8}: both have variance 1.25.
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6, 7, 8}, {1, 4, 2});
  const Tensor s = make<float>({1, 2}, {2});
  const Tensor b = make<float>({0, 1}, {2});
  const Tensor y = run_op("GroupNormalization", {x, s, b}, groups(2), 1, "", 18)[0];
  const double k = 1 / std::sqrt(1.25 + 1e-5);
  std::vector<float> expected;
  for (int i = 0; i < 4; ++i) expected.push_back(static_cast<float>((i + 1 - 2.5) * k));
  for (int i = 0; i < 4; ++i) expected.push_back(static_cast<float>(2 * (i + 5 - 6.5) * k + 1));
  EXPECT_TRUE(testing::tensors_close(y, make<float>(expected, {1, 4, 2})));
}

// Mean and variance per (n, group); scale and bias per channel (per_channel) or per group.
Tensor reference(const Tensor& x, const Tensor& s, const Tensor& b, std::int64_t g,
                 bool per_channel, double eps) {
  const std::int64_t n = x.dim(0), c = x.dim(1);
  const std::int64_t spatial = x.numel() / std::max<std::int64_t>(1, n * c);
  const std::int64_t len = c / g * spatial;
  Tensor y = Tensor::empty(DType::f64, x.shape());
  for (std::int64_t r = 0; r < n * g; ++r) {
    double mean = 0, var = 0;
    for (std::int64_t i = 0; i < len; ++i) mean += x.value_as_double(r * len + i);
    mean /= static_cast<double>(len);
    for (std::int64_t i = 0; i < len; ++i) {
      const double d = x.value_as_double(r * len + i) - mean;
      var += d * d;
    }
    var /= static_cast<double>(len);
    for (std::int64_t i = 0; i < len; ++i) {
      const std::int64_t channel = (r % g) * (c / g) + i / spatial;
      const std::int64_t k = per_channel ? channel : r % g;
      y.mutable_data<double>()[r * len + i] =
          s.value_as_double(k) * (x.value_as_double(r * len + i) - mean) / std::sqrt(var + eps) +
          b.value_as_double(k);
    }
  }
  return y;
}

TEST(GroupNormalization, MatchesReferenceForEveryOpsetForm) {
  std::mt19937 rng(4);
  for (DType dtype : {DType::f32, DType::f64}) {
    for (const Shape& shape :
         {Shape{2, 6, 5}, Shape{1, 8, 3, 3}, Shape{3, 4}, Shape{1, 32, 20, 20}}) {
      const Tensor x = random_tensor(dtype, shape, rng, -1, 3);
      for (std::int64_t g : {std::int64_t{1}, std::int64_t{2}, shape[1]}) {
        for (int opset : {18, 21}) {
          const bool per_channel = opset >= 21;
          const std::int64_t count = per_channel ? shape[1] : g;
          const Tensor s = random_tensor(dtype, {count}, rng);
          const Tensor b = random_tensor(dtype, {count}, rng);
          const Tensor expected = reference(x, s, b, g, per_channel, 1e-5);
          const double tol = dtype == DType::f32 ? 1e-5 : 1e-12;
          const std::string what = shape_to_list(shape) + " groups " + std::to_string(g) +
                                   " opset " + std::to_string(opset);
          const Tensor y = run_op("GroupNormalization", {x, s, b}, groups(g), 1, "", opset)[0];
          EXPECT_TRUE(testing::tensors_close(y, expected, tol, tol)) << what;
          const Tensor runtime =
              run_with_runtime_inputs("GroupNormalization", {x, s, b}, groups(g), 1, opset)[0];
          EXPECT_TRUE(testing::tensors_close(runtime, expected, tol, tol)) << what;
        }
      }
    }
  }
}

TEST(InstanceNormalization, MatchesReference) {
  std::mt19937 rng(8);
  for (const Shape& shape : {Shape{2, 3, 7}, Shape{1, 4, 9, 9}, Shape{2, 3, 2, 2, 2}}) {
    const Tensor x = random_tensor(DType::f32, shape, rng, -1, 3);
    const Tensor s = random_tensor(DType::f32, {shape[1]}, rng);
    const Tensor b = random_tensor(DType::f32, {shape[1]}, rng);
    const Tensor expected = reference(x, s, b, shape[1], true, 1e-5);
    EXPECT_TRUE(testing::tensors_close(run_op("InstanceNormalization", {x, s, b}, {}, 1, "", 6)[0],
                                       expected, 1e-5, 1e-5));
    EXPECT_TRUE(testing::tensors_close(
        run_with_runtime_inputs("InstanceNormalization", {x, s, b}, {}, 1, 6)[0], expected, 1e-5,
        1e-5));
  }
}

TEST(GroupNormalization, ZeroSizedBatch) {
  const Tensor x = Tensor::empty(DType::f32, {0, 4, 3});
  const Tensor p = make<float>({1, 1}, {2});
  EXPECT_EQ(run_op("GroupNormalization", {x, p, p}, groups(2), 1, "", 18)[0].shape(),
            (Shape{0, 4, 3}));
}

TEST(GroupNormalization, Errors) {
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {1, 3, 2});
  const Tensor p3 = make<float>({1, 1, 1}, {3});
  const Tensor p1 = make<float>({1}, {1});
  EXPECT_THROW(run_op("GroupNormalization", {x, p3, p3}, groups(2), 1, "", 21), Error);
  EXPECT_THROW(run_op("GroupNormalization", {x, p3, p3}, groups(0), 1, "", 21), Error);
  EXPECT_THROW(run_op("GroupNormalization", {x, p3, p3}, {}, 1, "", 21), Error);
  // Per-group parameters at 18, per-channel at 21.
  EXPECT_THROW(run_op("GroupNormalization", {x, p1, p1}, groups(1), 1, "", 21), Error);
  EXPECT_NO_THROW(run_op("GroupNormalization", {x, p1, p1}, groups(1), 1, "", 18));
  EXPECT_THROW(run_op("GroupNormalization", {x, p3, p3}, groups(1), 1, "", 18), Error);
  EXPECT_THROW(run_op("InstanceNormalization", {x, p1, p3}, {}, 1, "", 6), Error);
  EXPECT_THROW(run_op("InstanceNormalization", {make<float>({1}, {1}), p1, p1}, {}, 1, "", 6),
               Error);
}

}  // namespace
}  // namespace nnload::ops
