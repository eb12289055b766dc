#include <gtest/gtest.h>

#include <cmath>

#include "ops/conv/op_test_util.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::testing {
namespace {

using ops::run_op;

// numpy matmul by the book: promote 1-D operands, broadcast batch dims by index arithmetic,
// sum in double, drop the promoted axes.
template <class T>
Tensor reference(const Tensor& a, const Tensor& b, const Tensor* bias = nullptr) {
  Shape as = a.shape(), bs = b.shape();
  const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  if (a_vec) as.insert(as.begin(), 1);
  if (b_vec) bs.push_back(1);
  const std::int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
  const std::size_t rank = std::max(as.size(), bs.size());
  while (as.size() < rank) as.insert(as.begin(), 1);
  while (bs.size() < rank) bs.insert(bs.begin(), 1);
  Shape batch(rank - 2);
  for (std::size_t i = 0; i + 2 < rank; ++i) batch[i] = std::max(as[i], bs[i]);
  Shape y_shape(batch);
  if (!a_vec) y_shape.push_back(M);
  if (!b_vec) y_shape.push_back(N);
  Tensor y = Tensor::empty(dtype_of<T>(), y_shape);
  const std::int64_t batches = shape_size(batch);
  for (std::int64_t bi = 0; bi < batches; ++bi) {
    std::int64_t ao = 0, bo = 0, rest = bi, as_stride = 1, bs_stride = 1;
    for (std::size_t d = batch.size(); d-- > 0;) {
      const std::int64_t c = rest % batch[d];
      rest /= batch[d];
      ao += (as[d] == 1 ? 0 : c) * as_stride;
      bo += (bs[d] == 1 ? 0 : c) * bs_stride;
      as_stride *= as[d];
      bs_stride *= bs[d];
    }
    for (std::int64_t i = 0; i < M; ++i)
      for (std::int64_t j = 0; j < N; ++j) {
        double acc = bias ? static_cast<double>(bias->data<T>()[j]) : 0.0;
        for (std::int64_t k = 0; k < K; ++k) {
          acc += static_cast<double>(a.data<T>()[(ao * M + i) * K + k]) *
                 static_cast<double>(b.data<T>()[(bo * K + k) * N + j]);
        }
        y.mutable_data<T>()[(bi * M + i) * N + j] = static_cast<T>(acc);
      }
  }
  return y;
}

const std::vector<std::pair<Shape, Shape>> kShapes = {
    {{3, 4}, {4, 5}},
    {{4}, {4, 5}},
    {{3, 4}, {4}},
    {{4}, {4}},
    {{2, 3, 4}, {4, 5}},
    {{3, 4}, {2, 4, 5}},
    {{2, 1, 3, 4}, {1, 5, 4, 6}},
    {{4}, {2, 4, 5}},
    {{2, 3, 4}, {4}},
    {{64, 784}, {784, 512}},
    {{2, 3, 4}, {2, 4, 5}},
    {{1, 7, 33}, {3, 33, 17}},
};

TEST(MatMul, LiteralCase) {
  const Tensor y = run_op("MatMul", {make<float>({1, 2, 3, 4, 5, 6}, {2, 3}),
                                     make<float>({1, 2, 3, 4, 5, 6}, {3, 2})})[0];
  EXPECT_TRUE(tensors_close(y, make<float>({22, 28, 49, 64}, {2, 2})));
}

TEST(MatMul, NumpySemanticsOnRandomData) {
  std::uint32_t seed = 1;
  for (const auto& [as, bs] : kShapes) {
    const Tensor a = random_tensor(as, seed++), b = random_tensor(bs, seed++);
    const Tensor expected = reference<float>(a, b);
    EXPECT_TRUE(tensors_close(run_op("MatMul", {a, b})[0], expected, 1e-4, 1e-4))
        << shape_to_list(as) << " x " << shape_to_list(bs);
    const std::vector<std::size_t> runtime{1};
    EXPECT_TRUE(
        tensors_close(run_op_runtime("MatMul", {a, b}, {}, runtime)[0], expected, 1e-4, 1e-4))
        << "runtime B " << shape_to_list(as);
    const Tensor a64 = a.to(DType::f64), b64 = b.to(DType::f64);
    EXPECT_TRUE(
        tensors_close(run_op("MatMul", {a64, b64})[0], reference<double>(a64, b64), 1e-12, 1e-12))
        << "f64 " << shape_to_list(as);
  }
}

TEST(MatMul, EmptyDimensions) {
  EXPECT_EQ(
      run_op("MatMul", {Tensor::empty(DType::f32, {0, 4}), random_tensor({4, 5}, 1)})[0].shape(),
      (Shape{0, 5}));
  EXPECT_EQ(
      run_op("MatMul", {Tensor::empty(DType::f32, {0, 3, 4}), random_tensor({4, 5}, 1)})[0].shape(),
      (Shape{0, 3, 5}));
  // K = 0: a sum over nothing is zero.
  EXPECT_TRUE(tensors_close(
      run_op("MatMul", {Tensor::empty(DType::f32, {3, 0}), Tensor::empty(DType::f32, {0, 5})})[0],
      Tensor::zeros(DType::f32, {3, 5})));
}

TEST(MatMul, Errors) {
  auto expect_code = [](const std::vector<Tensor>& in, ErrorCode code,
                        const std::string& domain = "") {
    try {
      run_op("MatMul", in, {}, 1, domain, domain.empty() ? graph::kLatestOpset : 1);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
    }
  };
  expect_code({random_tensor({3, 4}, 1), random_tensor({5, 6}, 2)}, ErrorCode::shape);
  expect_code({random_tensor({2, 3, 4}, 1), random_tensor({3, 4, 5}, 2)}, ErrorCode::shape);
  expect_code({Tensor::scalar(1.0f), random_tensor({1, 2}, 2)}, ErrorCode::shape);
  expect_code({random_tensor({3, 4}, 1).to(DType::i32), random_tensor({4, 5}, 2).to(DType::i32)},
              ErrorCode::unsupported);
  expect_code({random_tensor({3, 4}, 1), random_tensor<double>({4, 5}, 2)}, ErrorCode::shape);
  expect_code({random_tensor({3, 4}, 1), random_tensor({4, 5}, 2), random_tensor({5}, 3)},
              ErrorCode::invalid_argument);  // ONNX: no bias
  expect_code({random_tensor({3, 4}, 1), random_tensor({4, 5}, 2), random_tensor({4}, 3)},
              ErrorCode::shape, "nnload");
}

Tensor relu(Tensor t) {
  float* p = t.mutable_data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = std::max(p[i], 0.0f);
  return t;
}

TEST(NnloadMatMul, DenseWithBiasAndActivation) {
  const Tensor a = random_tensor({8, 784}, 10), b = random_tensor({784, 128}, 11),
               bias = random_tensor({128}, 12);
  const Tensor expected = reference<float>(a, b, &bias);
  const auto act = attrs_of({{"activation", std::string("Relu")}});
  EXPECT_TRUE(
      tensors_close(run_op("MatMul", {a, b, bias}, {}, 1, "nnload", 1)[0], expected, 1e-4, 1e-4));
  EXPECT_TRUE(tensors_close(run_op("MatMul", {a, b, bias}, act, 1, "nnload", 1)[0],
                            relu(expected.clone()), 1e-4, 1e-4));
  const std::vector<std::size_t> runtime{1, 2};
  EXPECT_TRUE(tensors_close(run_op_runtime("MatMul", {a, b, bias}, act, runtime, "nnload")[0],
                            relu(expected.clone()), 1e-4, 1e-4));
  // Batched A, a 1-D A, and an activation oneDNN has no post-op for (Softsign).
  const Tensor a3 = random_tensor({2, 3, 784}, 13);
  EXPECT_TRUE(tensors_close(run_op("MatMul", {a3, b, bias}, {}, 1, "nnload", 1)[0],
                            reference<float>(a3, b, &bias), 1e-4, 1e-4));
  const Tensor ab = random_tensor({2, 3, 16}, 15), bb = random_tensor({2, 16, 8}, 16),
               biasb = random_tensor({8}, 17);
  EXPECT_TRUE(tensors_close(run_op("MatMul", {ab, bb, biasb}, {}, 1, "nnload", 1)[0],
                            reference<float>(ab, bb, &biasb), 1e-4, 1e-4));
  const Tensor a1 = random_tensor({784}, 14);
  EXPECT_TRUE(tensors_close(run_op("MatMul", {a1, b, bias}, {}, 1, "nnload", 1)[0],
                            reference<float>(a1, b, &bias), 1e-4, 1e-4));
  Tensor softsign = expected.clone();
  for (std::int64_t i = 0; i < softsign.numel(); ++i) {
    float& v = softsign.mutable_data<float>()[i];
    v = v / (1 + std::abs(v));
  }
  EXPECT_TRUE(
      tensors_close(run_op("MatMul", {a, b, bias},
                           attrs_of({{"activation", std::string("Softsign")}}), 1, "nnload", 1)[0],
                    softsign, 1e-5, 1e-5));
  // The ONNX-domain MatMul reads the fused activation too.
  EXPECT_TRUE(
      tensors_close(run_op("MatMul", {a, b}, act)[0], relu(reference<float>(a, b)), 1e-4, 1e-4));
  // K = 0 leaves the bias.
  EXPECT_TRUE(
      tensors_close(run_op("MatMul",
                           {Tensor::empty(DType::f32, {2, 0}), Tensor::empty(DType::f32, {0, 3}),
                            make<float>({1, -2, 3}, {3})},
                           act, 1, "nnload", 1)[0],
                    make<float>({1, 0, 3, 1, 0, 3}, {2, 3})));
}

TEST(MatMul, OneKernelRunsFromFourThreadsAtOnce) {
  const Tensor a = random_tensor({32, 256}, 20), b = random_tensor({256, 64}, 21);
  const Tensor single = run_op("MatMul", {a, b})[0];
  for (const Tensor& y : run_concurrently("MatMul", {a, b}, {}))
    EXPECT_TRUE(bitwise_equal(y, single));
  const Tensor a3 = random_tensor({4, 8, 16}, 22), b3 = random_tensor({4, 16, 8}, 23);
  const Tensor single3 = run_op("MatMul", {a3, b3})[0];
  for (const Tensor& y : run_concurrently("MatMul", {a3, b3}, {}))
    EXPECT_TRUE(bitwise_equal(y, single3));
}

}  // namespace
}  // namespace nnload::testing
