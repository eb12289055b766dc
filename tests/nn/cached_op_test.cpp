// Kernel caching: modules and functional calls build a kernel once per input types and reuse
// it; loads drop kernels that packed old weights; concurrent forwards give identical results.
#include "nn/cached_op.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "core/threads.hpp"
#include "nn/nn_fixture.hpp"
#include "nnload/nn.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

using testing::make;
using testing::tensors_close;

TEST(NnCachedOp, BuildsOneKernelPerInputTypes) {
  nn::detail::CachedOp relu_op("Relu", {}, 1);
  const Tensor a = make<float>({-1, 2}, {2});
  EXPECT_TRUE(tensors_close(relu_op.run1({a}), make<float>({0, 2}, {2}), 0, 0));
  relu_op.run1({make<float>({3, -4}, {2})});
  EXPECT_EQ(relu_op.kernels_built(), 1u);
  relu_op.run1({make<float>({1, 2, 3}, {3})});  // another shape
  relu_op.run1({make<double>({1, 2}, {2})});    // another dtype
  EXPECT_EQ(relu_op.kernels_built(), 3u);
  EXPECT_EQ(relu_op.kernels_cached(), 3u);
  relu_op.clear();
  EXPECT_EQ(relu_op.kernels_cached(), 0u);
  relu_op.run1({a});
  EXPECT_EQ(relu_op.kernels_built(), 4u);
}

TEST(NnCachedOp, ConstantInputsAreKeyedByStorage) {
  nn::detail::CachedOp matmul("MatMul", {}, 2);
  const Tensor x = make<float>({1, 2}, {1, 2});
  const Tensor w1 = make<float>({1, 0, 0, 1}, {2, 2});
  const Tensor w2 = make<float>({2, 0, 0, 2}, {2, 2});
  EXPECT_TRUE(tensors_close(matmul.run1({x, w1}, 0b10), make<float>({1, 2}, {1, 2}), 0, 0));
  EXPECT_TRUE(tensors_close(matmul.run1({x, w2}, 0b10), make<float>({2, 4}, {1, 2}), 0, 0));
  EXPECT_EQ(matmul.kernels_built(), 2u);
  matmul.run1({x, w1}, 0b10);
  EXPECT_EQ(matmul.kernels_built(), 2u);
}

TEST(NnCachedOp, ErrorsNameTheOp) {
  nn::detail::CachedOp add("Add", {}, 2);
  const std::string message = testing::message_of([&] {
    add.run1({make<float>({1, 2}, {2}), make<float>({1, 2, 3}, {3})});
  });
  EXPECT_EQ(message.rfind("Add: ", 0), 0u) << message;
  EXPECT_EQ(testing::code_of([] { nn::detail::CachedOp("NoSuchOp", {}, 1); }),
            ErrorCode::unsupported);
}

TEST(NnCachedOp, EvictsTheOldestKernelsBeyondItsBound) {
  nn::detail::CachedOp relu_op("Relu", {}, 1);
  for (std::int64_t n = 1; n <= 40; ++n) relu_op.run1({Tensor::zeros(DType::f32, {n})});
  EXPECT_EQ(relu_op.kernels_built(), 40u);
  EXPECT_LE(relu_op.kernels_cached(), 32u);
}

TEST(NnCachedOp, ModuleForwardBuildsOnceThenReuses) {
  nn::Sequential net(nn::Conv2d(3, 4, 3, 1, 1), nn::BatchNorm2d(4), nn::ReLU(), nn::MaxPool2d(2),
                     nn::Flatten(), nn::Linear(48, 5));
  const testing::NnCase c = testing::load_into(net, "sequential");
  const Tensor y1 = net(c.at("input"));
  const nn::Module::CacheStats first = net.cache_stats();
  EXPECT_EQ(first.kernels_built, 4u);  // conv, batch norm, pool, gemm (relu is functional)
  const Tensor y2 = net(c.at("input"));
  EXPECT_EQ(net.cache_stats().kernels_built, first.kernels_built);
  EXPECT_TRUE(tensors_close(y1, y2, 0, 0));
  // A new batch size is a new kernel; the old one stays cached.
  const Tensor& x = c.at("input");
  net(Tensor::wrap(x.raw(), x.dtype(), {1, 3, 6, 8}));
  EXPECT_EQ(net.cache_stats().kernels_built, 2 * first.kernels_built);
  EXPECT_EQ(net.cache_stats().kernels_cached, 2 * first.kernels_built);
  net.clear_cache();
  EXPECT_EQ(net.cache_stats().kernels_cached, 0u);
}

TEST(NnCachedOp, FunctionalCallsShareOneOpPerAttributes) {
  nn::detail::CachedOp& op =
      nn::detail::shared_op("Softmax", nn::detail::attrs({{"axis", std::int64_t{1}}}));
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {1, 6});
  softmax(x, 1);
  const std::size_t built = op.kernels_built();
  softmax(x, -1);  // the same axis after wrapping
  softmax(x, 1);
  EXPECT_EQ(op.kernels_built(), built);
  EXPECT_GE(built, 1u);
}

TEST(NnCachedOp, KernelsAreKeyedByThreadCount) {
  // oneDNN partitions work for the thread count a primitive is created under.
  nn::Linear fc(8, 8);
  const Tensor x = Tensor::zeros(DType::f32, {2, 8});
  {
    ScopedThreads one(1);
    fc(x);
  }
  {
    ScopedThreads two(2);
    fc(x);
  }
  EXPECT_EQ(fc.cache_stats().kernels_built, 2u);
}

TEST(NnCachedOp, FourThreadsRunOneModuleIdentically) {
  nn::Sequential net(nn::Conv2d(3, 4, 3, 1, 1), nn::BatchNorm2d(4), nn::ReLU(), nn::MaxPool2d(2),
                     nn::Flatten(), nn::Linear(48, 5));
  const testing::NnCase c = testing::load_into(net, "sequential");
  const Tensor expected = net(c.at("input"));
  net.clear_cache();  // make the threads race to build the kernels too
  std::vector<Tensor> results(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) results[t] = net(c.at("input"));
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Tensor& r : results) EXPECT_TRUE(tensors_close(r, expected, 0, 0));
  EXPECT_TRUE(tensors_close(expected, c.at("output"), 1e-5, 1e-5));
}

}  // namespace
}  // namespace nnload
