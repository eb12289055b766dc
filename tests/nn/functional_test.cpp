// The functional ops of nnload/functional.hpp: literal cases, a plain-loop reference on random
// data, broadcasting and dtype promotion like PyTorch's, views, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "nn/nn_fixture.hpp"
#include "nnload/functional.hpp"
#include "support/error_capture.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

using testing::code_of;
using testing::make;
using testing::message_of;
using testing::tensors_close;

Tensor random_tensor(Shape shape, unsigned seed, float scale = 3.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  Tensor t = Tensor::empty(DType::f32, std::move(shape));
  for (float& v : std::span<float>(t.mutable_data<float>(), static_cast<std::size_t>(t.numel()))) {
    v = dist(gen);
  }
  return t;
}

// Applies `f` elementwise (the reference for the activations).
template <class F>
Tensor map(const Tensor& x, F f) {
  Tensor y = Tensor::empty(DType::f32, x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    y.mutable_data<float>()[i] = static_cast<float>(f(static_cast<double>(x.data<float>()[i])));
  }
  return y;
}

TEST(NnFunctional, ActivationsMatchTheirFormulas) {
  const Tensor x = random_tensor({4, 5}, 1);
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
  EXPECT_TRUE(tensors_close(relu(x), map(x, [](double v) { return v > 0 ? v : 0; })));
  EXPECT_TRUE(
      tensors_close(leaky_relu(x, 0.1), map(x, [](double v) { return v > 0 ? v : 0.1 * v; })));
  EXPECT_TRUE(tensors_close(elu(x, 0.5),
                            map(x, [](double v) { return v > 0 ? v : 0.5 * (std::exp(v) - 1); })));
  EXPECT_TRUE(tensors_close(sigmoid(x), map(x, sig)));
  EXPECT_TRUE(tensors_close(nnload::tanh(x), map(x, [](double v) { return std::tanh(v); })));
  EXPECT_TRUE(tensors_close(silu(x), map(x, [&](double v) { return v * sig(v); })));
  EXPECT_TRUE(tensors_close(
      gelu(x), map(x, [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); })));
  EXPECT_TRUE(tensors_close(gelu(x, "tanh"), map(x, [](double v) {
                              const double c = std::sqrt(2.0 / M_PI);
                              return 0.5 * v * (1 + std::tanh(c * (v + 0.044715 * v * v * v)));
                            })));
  auto relu6 = [](double v) { return std::min(std::max(v, 0.0), 6.0); };
  EXPECT_TRUE(tensors_close(hardswish(x), map(x, [&](double v) { return v * relu6(v + 3) / 6; })));
  EXPECT_TRUE(tensors_close(hardsigmoid(x), map(x, [&](double v) { return relu6(v + 3) / 6; })));
  EXPECT_EQ(code_of([&] { gelu(x, "exact"); }), ErrorCode::invalid_argument);
}

TEST(NnFunctional, SoftmaxOverEachDim) {
  const Tensor x = random_tensor({2, 3, 4}, 2);
  for (std::int64_t dim : {0, 1, 2, -1, -3}) {
    const std::int64_t d = dim < 0 ? dim + 3 : dim;
    Tensor expected = Tensor::empty(DType::f32, x.shape());
    Tensor expected_log = Tensor::empty(DType::f32, x.shape());
    const Shape& s = x.shape();
    const std::int64_t stride = d == 2 ? 1 : d == 1 ? s[2] : s[1] * s[2];
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      const std::int64_t start = i - (i / stride % s[static_cast<std::size_t>(d)]) * stride;
      double total = 0;
      for (std::int64_t k = 0; k < s[static_cast<std::size_t>(d)]; ++k) {
        total += std::exp(static_cast<double>(x.data<float>()[start + k * stride]));
      }
      const double v = x.data<float>()[i];
      expected.mutable_data<float>()[i] = static_cast<float>(std::exp(v) / total);
      expected_log.mutable_data<float>()[i] = static_cast<float>(v - std::log(total));
    }
    EXPECT_TRUE(tensors_close(softmax(x, dim), expected)) << dim;
    EXPECT_TRUE(tensors_close(log_softmax(x, dim), expected_log, 1e-5, 1e-5)) << dim;
  }
  EXPECT_EQ(message_of([&] { softmax(x, 3); }),
            "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
}

TEST(NnFunctional, ArithmeticBroadcastsLikeTorch) {
  const Tensor a = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor row = make<float>({10, 20, 30}, {3});
  const Tensor col = make<float>({100, 200}, {2, 1});
  EXPECT_TRUE(tensors_close(a + row, make<float>({11, 22, 33, 14, 25, 36}, {2, 3}), 0, 0));
  EXPECT_TRUE(tensors_close(a - col, make<float>({-99, -98, -97, -196, -195, -194}, {2, 3}), 0, 0));
  EXPECT_TRUE(tensors_close(a * row, make<float>({10, 40, 90, 40, 100, 180}, {2, 3}), 0, 0));
  EXPECT_TRUE(tensors_close(row / a, make<float>({10, 10, 10, 2.5, 4, 5}, {2, 3})));
  EXPECT_TRUE(tensors_close(a * 2.0 + 1.0, make<float>({3, 5, 7, 9, 11, 13}, {2, 3}), 0, 0));
  EXPECT_TRUE(tensors_close(1.0 - a, make<float>({0, -1, -2, -3, -4, -5}, {2, 3}), 0, 0));
  EXPECT_TRUE(tensors_close(6.0 / a, make<float>({6, 3, 2, 1.5, 1.2f, 1}, {2, 3})));
  EXPECT_TRUE(tensors_close(-a, make<float>({-1, -2, -3, -4, -5, -6}, {2, 3}), 0, 0));
  EXPECT_TRUE(tensors_close(pow(a, 2), make<float>({1, 4, 9, 16, 25, 36}, {2, 3})));
  EXPECT_TRUE(tensors_close(sqrt(make<float>({4, 9}, {2})), make<float>({2, 3}, {2})));
  EXPECT_TRUE(tensors_close(abs(make<float>({-4, 9}, {2})), make<float>({4, 9}, {2}), 0, 0));
  EXPECT_TRUE(tensors_close(exp(make<float>({0}, {1})), make<float>({1}, {1})));
  EXPECT_TRUE(tensors_close(log(make<float>({1}, {1})), make<float>({0}, {1})));
  EXPECT_EQ(code_of([&] { a + make<float>({1, 2}, {2}); }), ErrorCode::shape);
}

TEST(NnFunctional, DtypePromotion) {
  const Tensor i = make<std::int64_t>({1, 2, 3}, {3});
  const Tensor f = make<float>({0.5, 0.5, 0.5}, {3});
  const Tensor d = make<double>({1, 1, 1}, {3});
  EXPECT_EQ((i + f).dtype(), DType::f32);
  EXPECT_EQ((f + d).dtype(), DType::f64);
  EXPECT_EQ((i * 2.0).dtype(), DType::i64);  // integral scalar keeps the integer type
  EXPECT_EQ((i * 0.5).dtype(), DType::f32);
  EXPECT_TRUE(tensors_close(i * 0.5, make<float>({0.5, 1, 1.5}, {3}), 0, 0));
  // `/` is true division, as in PyTorch: 1 / 2 = 0.5, not 0.
  EXPECT_TRUE(
      tensors_close(i / make<std::int64_t>({2, 2, 2}, {3}), make<float>({0.5, 1, 1.5}, {3})));
  EXPECT_EQ(cast(f, DType::f64).dtype(), DType::f64);
  EXPECT_TRUE(tensors_close(cast(make<float>({1.7f, -1.7f}, {2}), DType::i32),
                            make<std::int32_t>({1, -1}, {2}), 0, 0));
}

TEST(NnFunctional, Reductions) {
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(tensors_close(sum(x), Tensor::scalar<float>(21), 0, 0));
  EXPECT_TRUE(tensors_close(sum(x, {0}), make<float>({5, 7, 9}, {3}), 0, 0));
  EXPECT_TRUE(tensors_close(sum(x, {-1}, true), make<float>({6, 15}, {2, 1}), 0, 0));
  EXPECT_TRUE(tensors_close(mean(x, {1}), make<float>({2, 5}, {2})));
  EXPECT_TRUE(tensors_close(mean(x, {0, 1}), Tensor::scalar<float>(3.5)));
  EXPECT_TRUE(tensors_close(amax(x, {0}), make<float>({4, 5, 6}, {3}), 0, 0));
  EXPECT_TRUE(tensors_close(amin(x, {1}), make<float>({1, 4}, {2}), 0, 0));
  EXPECT_TRUE(tensors_close(argmax(make<float>({1, 9, 3, 7, 2, 8}, {2, 3}), 1),
                            make<std::int64_t>({1, 2}, {2}), 0, 0));
  EXPECT_EQ(code_of([&] { mean(make<std::int64_t>({1}, {1})); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { sum(x, {2}); }), ErrorCode::invalid_argument);
}

TEST(NnFunctional, MatmulAndLinear) {
  const Tensor a = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor b = make<float>({1, 0, 0, 1, 1, 1}, {3, 2});
  EXPECT_TRUE(tensors_close(matmul(a, b), make<float>({4, 5, 10, 11}, {2, 2}), 0, 0));
  EXPECT_TRUE(
      tensors_close(matmul(a, make<float>({1, 1, 1}, {3})), make<float>({6, 15}, {2}), 0, 0));
  const Tensor batch = random_tensor({4, 2, 3}, 3);
  const Tensor batched = matmul(batch, b);
  EXPECT_EQ(batched.shape(), (Shape{4, 2, 2}));
  // linear(x, W, bias) = x W^T + bias, on any number of batch dims.
  const Tensor w = make<float>({1, 0, 0, 0, 1, 0}, {2, 3});
  const Tensor bias = make<float>({10, 20}, {2});
  EXPECT_TRUE(tensors_close(linear(a, w, bias), make<float>({11, 22, 14, 25}, {2, 2}), 0, 0));
  EXPECT_TRUE(tensors_close(linear(a, w), make<float>({1, 2, 4, 5}, {2, 2}), 0, 0));
  const Tensor y3 = linear(batch, w, bias);
  EXPECT_EQ(y3.shape(), (Shape{4, 2, 2}));
  EXPECT_FLOAT_EQ(y3.data<float>()[15], batch.data<float>()[22] + 20);
  EXPECT_EQ(linear(make<float>({1, 2, 3}, {3}), w).shape(), Shape{2});
  EXPECT_EQ(code_of([&] { linear(b, w); }), ErrorCode::shape);
}

TEST(NnFunctional, ConvAndPoolsMatchTheModulesFixtures) {
  const testing::NnCase conv = testing::load_nn_case("conv2d_groups");
  const Tensor y = conv2d(conv.at("input"), conv.state[0].second, conv.state[1].second, {2, 1},
                          {1, 0}, {1, 2}, 2);
  EXPECT_TRUE(tensors_close(y, conv.at("output"), 1e-5, 1e-5));
  const testing::NnCase conv1 = testing::load_nn_case("conv1d_same_dilated");
  EXPECT_TRUE(tensors_close(conv1d(conv1.at("input"), conv1.state[0].second, {}, 1, "same", 2),
                            conv1.at("output"), 1e-5, 1e-5));
  const testing::NnCase pools = testing::load_nn_case("pools");
  const Tensor& x = pools.at("input");
  EXPECT_TRUE(tensors_close(max_pool2d(x, 3, 2, 1), pools.at("maxpool_3_2_1")));
  EXPECT_TRUE(
      tensors_close(max_pool2d(x, {3, 2}, {1, 2}, {1, 1}, {2, 1}), pools.at("maxpool_dilated")));
  EXPECT_TRUE(tensors_close(avg_pool2d(x, 3, 2, 1, true), pools.at("avgpool_ceil")));
  EXPECT_TRUE(tensors_close(adaptive_avg_pool2d(x, {3, 4}), pools.at("adaptive_uneven")));
  EXPECT_EQ(code_of([&] { max_pool2d(x, 2, 2, 2); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { conv2d(x, conv.state[0].second); }), ErrorCode::shape);
}

TEST(NnFunctional, AdaptiveAveragePoolUsesTorchsWindows) {
  // Width 5 into 3: windows [0, 2), [1, 4), [3, 5).
  const Tensor x = make<float>({1, 2, 3, 4, 5}, {1, 1, 1, 5});
  EXPECT_TRUE(
      tensors_close(adaptive_avg_pool2d(x, {1, 3}), make<float>({1.5, 3, 4.5}, {1, 1, 1, 3})));
  const Tensor d = make<double>({1, 2, 3, 4, 5}, {1, 1, 5});  // unbatched, float64
  EXPECT_TRUE(tensors_close(adaptive_avg_pool2d(d, {1, 2}), make<double>({2, 4}, {1, 1, 2})));
}

TEST(NnFunctional, ShapeFunctions) {
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {1, 2, 3});
  const Tensor r = reshape(x, {3, -1});
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  EXPECT_EQ(r.raw(), x.raw());  // a view, like torch.reshape on a contiguous tensor
  EXPECT_EQ(flatten(x).shape(), Shape{6});
  EXPECT_EQ(flatten(x, 1).shape(), (Shape{1, 6}));
  EXPECT_EQ(squeeze(x, 0).shape(), (Shape{2, 3}));
  EXPECT_EQ(squeeze(x, 1).shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(unsqueeze(x, -1).shape(), (Shape{1, 2, 3, 1}));
  EXPECT_TRUE(tensors_close(transpose(x, 1, 2), make<float>({1, 4, 2, 5, 3, 6}, {1, 3, 2}), 0, 0));
  EXPECT_TRUE(
      tensors_close(permute(x, {2, 0, 1}), make<float>({1, 4, 2, 5, 3, 6}, {3, 1, 2}), 0, 0));
  EXPECT_TRUE(tensors_close(cat({x, x}, -1),
                            make<float>({1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}, {1, 2, 6}), 0, 0));
  EXPECT_EQ(cat({x, x, x}, 0).shape(), (Shape{3, 2, 3}));
  EXPECT_EQ(message_of([&] {
              reshape(x, {4, -1});
            }),
            "shape '[4, -1]' is invalid for input of size 6");
  EXPECT_EQ(code_of([&] { reshape(x, {-1, -1}); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { permute(x, {0, 0, 1}); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { cat({x, make<float>({1}, {1, 1, 1})}, 0); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] { cat({}, 0); }), ErrorCode::invalid_argument);
}

TEST(NnFunctional, RandnIsFixedBySeed) {
  const Tensor a = randn({1000}, 7);
  EXPECT_TRUE(tensors_close(a, randn({1000}, 7), 0, 0));
  EXPECT_FALSE(tensors_close(a, randn({1000}, 8), 0, 0));
  double total = 0, squares = 0;
  const Tensor big = randn({20000}, 1);
  for (float v : big.values<float>()) {
    total += v;
    squares += static_cast<double>(v) * v;
  }
  EXPECT_NEAR(total / 20000, 0.0, 0.03);
  EXPECT_NEAR(squares / 20000, 1.0, 0.05);
  EXPECT_EQ(randn({3, 0}).numel(), 0);
  EXPECT_EQ(randn({3}).shape(), Shape{3});  // odd counts use half a pair
}

}  // namespace
}  // namespace nnload
