// The load-time rewrites keep every result while removing nodes: each test runs a graph before
// and after the pass and compares, and checks the node structure the pass promises.
#include <gtest/gtest.h>

#include "core/read_limits.hpp"
#include "graph/executor.hpp"
#include "graph/passes/passes.hpp"
#include "support/random_tensor.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::graph {
namespace {

using testing::make;
using testing::tensors_close;

Tensor random_tensor(Shape shape, unsigned seed, float scale = 1.0f) {
  return testing::random_normal(std::move(shape), seed, scale);
}

Tensor run(const Graph& g, const Tensor& x) {
  return Executor(std::make_shared<Graph>(g)).run(std::vector<Tensor>{x})[0];
}

int count_ops(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node& node : g.nodes()) n += node.op == op;
  return n;
}

Attributes conv_attrs(bool channels_last) {
  Attributes a;
  a.set("auto_pad", std::string("SAME_UPPER"));
  if (channels_last) a.set("channels_last", int64_t{1});
  return a;
}

// Conv -> Mul(per-channel) -> Add(per-channel) -> Relu, as a Keras Conv2D + BatchNormalization +
// ReLU lowers; in both layouts.
class ConvBatchNormRelu : public ::testing::TestWithParam<bool> {};

TEST_P(ConvBatchNormRelu, FoldsIntoOneConvWithTheSameResult) {
  const bool last = GetParam();
  Graph g;
  const Shape in_shape = last ? Shape{2, 6, 6, 3} : Shape{2, 3, 6, 6};
  const int x = g.add_input("x", DType::f32, in_shape);
  const int w = g.add_constant("w", random_tensor({4, 3, 3, 3}, 1));
  const int b = g.add_constant("b", random_tensor({4}, 2));
  const Shape per_channel = last ? Shape{4} : Shape{4, 1, 1};
  const int scale = g.add_constant("scale", random_tensor(per_channel, 3));
  const int shift = g.add_constant("shift", random_tensor(per_channel, 4));
  int y = g.add("Conv", "conv", {x, w, b}, conv_attrs(last), last ? "nnload" : "");
  y = g.add("Mul", "bn/mul", {y, scale});
  y = g.add("Add", "bn/add", {y, shift});
  y = g.add("Relu", "relu", {y});
  g.add_output(y, "y");

  const Tensor input = random_tensor(in_shape, 5);
  const Tensor before = run(g, input);
  passes::optimize(g);
  // Channels-first: the Conv runs channels-last between two Transposes (to_channels_last).
  ASSERT_EQ(g.nodes().size(), last ? 1u : 3u);
  const Node& conv = g.nodes()[last ? 0 : 1];
  EXPECT_EQ(conv.op, "Conv");
  EXPECT_EQ(conv.attrs.string_or("activation", ""), "Relu");
  EXPECT_TRUE(tensors_close(run(g, input), before, 1e-5, 1e-5));
}

INSTANTIATE_TEST_SUITE_P(Layouts, ConvBatchNormRelu, ::testing::Values(false, true));

TEST(FoldScaleShift, LeavesNonChannelFactorsAlone) {
  Graph g;
  const int x = g.add_input("x", DType::f32, {1, 2, 4, 4});
  const int y = g.add("Conv", "conv", {x, g.add_constant("w", random_tensor({3, 2, 1, 1}, 1))},
                      conv_attrs(false));
  // A factor varying along the width is not per-channel: folding it would be wrong.
  const int z = g.add("Mul", "mul", {y, g.add_constant("f", random_tensor({4}, 2))});
  g.add_output(z, "z");
  const Tensor input = random_tensor({1, 2, 4, 4}, 3);
  const Tensor before = run(g, input);
  passes::optimize(g);
  EXPECT_EQ(count_ops(g, "Mul"), 1);
  EXPECT_TRUE(tensors_close(run(g, input), before));
}

TEST(FuseMatMulBias, DenseBecomesOneMatMulWithBiasAndActivation) {
  Graph g;
  const int x = g.add_input("x", DType::f32, {-1, 5});
  int y = g.add("MatMul", "dense/MatMul", {x, g.add_constant("kernel", random_tensor({5, 7}, 1))});
  y = g.add("Add", "dense/bias_add", {y, g.add_constant("bias", random_tensor({7}, 2))});
  Attributes alpha;
  alpha.set("alpha", 0.1);
  y = g.add("LeakyRelu", "dense/act", {y}, alpha);
  g.add_output(y, "y");
  const Tensor input = random_tensor({3, 5}, 3);
  const Tensor before = run(g, input);
  passes::optimize(g);
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.nodes()[0].domain, "nnload");
  EXPECT_EQ(g.nodes()[0].inputs.size(), 3u);
  EXPECT_EQ(g.nodes()[0].attrs.string_or("activation", ""), "LeakyRelu");
  EXPECT_TRUE(tensors_close(run(g, input), before, 1e-5, 1e-5));
}

TEST(FuseActivation, SkipsWhenTheProducerHasOtherReaders) {
  Graph g;
  const int x = g.add_input("x", DType::f32, {2, 3});
  const int y = g.add("MatMul", "mm", {x, g.add_constant("w", random_tensor({3, 3}, 1))});
  g.add_output(g.add("Relu", "relu", {y}), "relu");
  g.add_output(y, "raw");  // the pre-activation value is needed too
  passes::optimize(g);
  EXPECT_EQ(count_ops(g, "Relu"), 1);
  const std::vector<Tensor> out =
      Executor(std::make_shared<Graph>(g)).run(std::vector<Tensor>{random_tensor({2, 3}, 4)});
  for (std::int64_t i = 0; i < 6; ++i)
    EXPECT_EQ(out[0].value_as_double(i), std::max(0.0, out[1].value_as_double(i)));
}

TEST(FoldConstants, WeightRelayoutIsComputedAtLoad) {
  Graph g;
  const int x = g.add_input("x", DType::f32, {2, 3});
  Attributes perm;
  perm.set("perm", std::vector<int64_t>{1, 0});
  const int wt = g.add("Transpose", "w_t", {g.add_constant("w", random_tensor({4, 3}, 1))}, perm);
  g.add_output(g.add("MatMul", "mm", {x, wt}), "y");
  EXPECT_EQ(passes::fold_constants(g), 1);
  EXPECT_EQ(g.nodes().size(), 1u);
  EXPECT_TRUE(g.value(g.nodes()[0].inputs[1]).is_constant());
  EXPECT_EQ(g.value(g.nodes()[0].inputs[1]).shape, (Shape{3, 4}));
}

TEST(RemoveDeadNodes, DropsWhatNoOutputNeeds) {
  Graph g;
  const int x = g.add_input("x", DType::f32, {2});
  g.add("Relu", "unused", {x});
  g.add_output(g.add("Sigmoid", "used", {x}), "y");
  EXPECT_EQ(passes::remove_dead_nodes(g), 1);
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.nodes()[0].op, "Sigmoid");
}

TEST(SortTopologically, OrdersNodesAndRejectsCyclesAndDanglingReads) {
  Graph g;
  const int x = g.add_input("x", DType::f32, {2});
  const int a = g.add("Relu", "a", {x});
  const int b = g.add("Neg", "b", {a});
  g.add_output(b, "y");
  std::swap(g.nodes()[0], g.nodes()[1]);  // consumer first
  passes::sort_topologically(g);
  EXPECT_EQ(g.nodes()[0].name, "a");

  Graph cyclic;
  const int in = cyclic.add_input("x", DType::f32, {2});
  const int p = cyclic.add("Add", "p", {in, in});
  const int q = cyclic.add("Add", "q", {p, in});
  cyclic.nodes()[0].inputs[1] = q;  // p reads q, q reads p
  cyclic.add_output(q, "y");
  EXPECT_THROW(passes::sort_topologically(cyclic), Error);
}

// Load-time folding copies within the graph's allowance, set from the constants as loaded: 100
// Transposes of one 1 MB weight (a torch Linear referenced 100 times) fold while 1 x 1 MB +
// 64 MiB lasts (max_expansion 1 here), and the folded copies do not raise it for later passes.
TEST(FoldConstants, StopsAtTheGraphsCopyAllowance) {
  ReadLimits limits;
  limits.max_expansion = 1;
  const ScopedReadLimits scope(limits);
  Graph g;
  const int w = g.add_constant("w", Tensor::zeros(DType::f32, {512, 512}));
  for (int i = 0; i < 100; ++i)
    g.add_output(g.add("Transpose", "t" + std::to_string(i), {w}), "y" + std::to_string(i));
  passes::optimize(g);
  EXPECT_EQ(count_ops(g, "Transpose"), 100 - 65);  // (1 + 64) MiB holds 65 copies of 1 MiB
  EXPECT_LT(*g.constant_copy_allowance(), std::uint64_t{1} << 20);
  // The unfolded rest still computes.
  const std::vector<Tensor> y = Executor(std::make_shared<Graph>(g)).run(std::vector<Tensor>{});
  ASSERT_EQ(y.size(), 100u);
  EXPECT_TRUE(tensors_close(y[99], Tensor::zeros(DType::f32, {512, 512})));
}

}  // namespace
}  // namespace nnload::graph
