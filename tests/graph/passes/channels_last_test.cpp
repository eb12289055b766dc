// to_channels_last: channels-first Conv chains run channels-last with the same results, and
// Transposes appear only where a chain starts and where a consumer needs channels-first.
#include <gtest/gtest.h>

#include "graph/executor.hpp"
#include "graph/passes/passes.hpp"
#include "support/random_tensor.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::graph {
namespace {

using testing::random_normal;
using testing::tensors_close;

std::vector<Tensor> run(const Graph& g, std::vector<Tensor> inputs) {
  return Executor(std::make_shared<Graph>(g)).run(inputs);
}

int count(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node& node : g.nodes()) n += node.op == op;
  return n;
}

const Node& only(const Graph& g, const std::string& op) {
  for (const Node& node : g.nodes()) {
    if (node.op == op) return node;
  }
  throw std::runtime_error("no " + op);
}

bool all_channels_last(const Graph& g, const std::string& op) {
  for (const Node& node : g.nodes()) {
    if (node.op == op && node.attrs.int_or("channels_last", 0) != 1) return false;
  }
  return true;
}

Attributes same_padding(std::int64_t group = 1) {
  Attributes a;
  a.set("auto_pad", std::string("SAME_UPPER"));
  a.set("group", group);
  return a;
}

Attributes pool_attrs() {
  Attributes a;
  a.set("kernel_shape", std::vector<std::int64_t>{2, 2});
  a.set("strides", std::vector<std::int64_t>{2, 2});
  return a;
}

int conv(Graph& g, const std::string& name, int x, std::int64_t in, std::int64_t out,
         std::int64_t group = 1) {
  const int w = g.add_constant(name + "/w", random_normal({out, in / group, 3, 3}, 7, 0.3f));
  const int b = g.add_constant(name + "/b", random_normal({out}, 8));
  return g.add("Conv", name, {x, w, b}, same_padding(group));
}

// Checks the optimised graph gives the same outputs as the original for `inputs`.
void expect_same_results(Graph& g, const std::vector<Tensor>& inputs) {
  const std::vector<Tensor> before = run(g, inputs);
  passes::optimize(g);
  const std::vector<Tensor> after = run(g, inputs);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_TRUE(tensors_close(after[i], before[i], 1e-4, 1e-4)) << "output " << i;
  }
}

// A ResNet basic block and its head: Conv+Relu, Conv, Add of the skip, Relu, pools, Flatten.
TEST(ToChannelsLast, ResidualBlockTransposesOnlyAtTheEnds) {
  Graph g;
  const int x = g.add_input("x", DType::f32, {2, 8, 12, 12});
  const int stem = g.add("Relu", "stem_relu", {conv(g, "stem", x, 8, 16)});
  const int a = g.add("Relu", "a_relu", {conv(g, "a", stem, 16, 16)});
  const int sum = g.add("Add", "add", {conv(g, "b", a, 16, 16), stem});
  const int pooled = g.add("MaxPool", "pool", {g.add("Relu", "relu", {sum})}, pool_attrs());
  const int global = g.add("GlobalAveragePool", "gap", {pooled});
  g.add_output(g.add("Flatten", "flatten", {global}), "y");

  expect_same_results(g, {random_normal({2, 8, 12, 12}, 1)});
  EXPECT_EQ(count(g, "Transpose"), 2);  // the input, and before Flatten
  EXPECT_EQ(count(g, "Conv"), 3);
  EXPECT_TRUE(all_channels_last(g, "Conv"));
  EXPECT_TRUE(all_channels_last(g, "MaxPool"));
  EXPECT_TRUE(all_channels_last(g, "GlobalAveragePool"));
}

TEST(ToChannelsLast, ConcatAlongChannelsRenumbersItsAxis) {
  Graph g;
  const int x = g.add_input("x", DType::f32, {1, 4, 9, 9});
  Attributes axis;
  axis.set("axis", std::int64_t{1});
  const int cat =
      g.add("Concat", "cat", {conv(g, "left", x, 4, 6), conv(g, "right", x, 4, 5)}, axis);
  g.add_output(conv(g, "after", cat, 11, 3), "y");

  expect_same_results(g, {random_normal({1, 4, 9, 9}, 2)});
  EXPECT_EQ(count(g, "Transpose"), 2);
  EXPECT_EQ(only(g, "Concat").attrs.int_or("axis", -1), 3);
}

// A depthwise conv, a Clip with bound inputs (ReLU6) and a Mul by a scalar stay in the chain.
TEST(ToChannelsLast, DepthwiseClipAndScalarsStayChannelsLast) {
  Graph g;
  const int x = g.add_input("x", DType::f32, {1, 6, 10, 10});
  const int lo = g.add_constant("lo", Tensor::scalar(0.0f));
  const int hi = g.add_constant("hi", Tensor::scalar(6.0f));
  const int dw = g.add("Clip", "relu6", {conv(g, "dw", x, 6, 6, 6), lo, hi});
  const int scaled = g.add("Mul", "half", {dw, g.add_constant("k", Tensor::scalar(0.5f))});
  g.add_output(scaled, "y");

  expect_same_results(g, {random_normal({1, 6, 10, 10}, 3, 4.0f)});
  EXPECT_EQ(count(g, "Transpose"), 2);
  EXPECT_EQ(count(g, "Clip"), 0);  // fused into the Conv
}

// Whatever reads a value channels-first gets it back through one Transpose: a graph output
// that is also read on, and an op (Reshape) that cares about the layout.
TEST(ToChannelsLast, ChannelsFirstReadersGetTheValueBackOnce) {
  Graph g;
  const int x = g.add_input("x", DType::f32, {1, 3, 5, 5});
  const int c = conv(g, "c", x, 3, 4);
  g.add_output(c, "conv_out");
  const int shape = g.add_constant("shape", Tensor::from_vector<std::int64_t>({1, -1}, {2}));
  g.add_output(g.add("Reshape", "flat", {c, shape}), "flat");
  g.add_output(g.add("Relu", "relu", {conv(g, "d", c, 4, 2)}), "relu");

  expect_same_results(g, {random_normal({1, 3, 5, 5}, 4)});
  EXPECT_EQ(count(g, "Transpose"), 3);  // x in, c back (once, for two readers), relu back
}

// A factor varying along the width is not a scalar: the Mul runs channels-first.
TEST(ToChannelsLast, NonScalarOperandsEndTheChain) {
  Graph g;
  const int x = g.add_input("x", DType::f32, {1, 2, 4, 4});
  const int c = conv(g, "c", x, 2, 3);
  g.add_output(g.add("Mul", "mul", {c, g.add_constant("f", random_normal({4}, 5))}), "y");

  expect_same_results(g, {random_normal({1, 2, 4, 4}, 6)});
  EXPECT_EQ(count(g, "Transpose"), 2);
  EXPECT_EQ(count(g, "Mul"), 1);
}

// 1-D and 3-D convolutions and ConvTranspose move too; float64 and run-time weights do not.
TEST(ToChannelsLast, OtherRanksAndConvTranspose) {
  Graph g;
  const int x1 = g.add_input("x1", DType::f32, {2, 3, 16});
  const int w1 = g.add_constant("w1", random_normal({5, 3, 3}, 1));
  g.add_output(g.add("Conv", "c1", {x1, w1}, same_padding()), "y1");
  const int x3 = g.add_input("x3", DType::f32, {1, 2, 4, 5, 6});
  const int w3 = g.add_constant("w3", random_normal({3, 2, 3, 3, 3}, 2));
  g.add_output(g.add("Conv", "c3", {x3, w3}, same_padding()), "y3");
  const int xt = g.add_input("xt", DType::f32, {1, 4, 5, 5});
  Attributes up;
  up.set("strides", std::vector<std::int64_t>{2, 2});
  const int wt = g.add_constant("wt", random_normal({4, 3, 3, 3}, 3));
  g.add_output(g.add("ConvTranspose", "ct", {xt, wt}, up), "yt");

  expect_same_results(g, {random_normal({2, 3, 16}, 4), random_normal({1, 2, 4, 5, 6}, 5),
                          random_normal({1, 4, 5, 5}, 6)});
  EXPECT_TRUE(all_channels_last(g, "Conv"));
  EXPECT_TRUE(all_channels_last(g, "ConvTranspose"));
  EXPECT_EQ(count(g, "Transpose"), 6);
}

TEST(ToChannelsLast, LeavesRunTimeWeightsChannelsFirst) {
  Graph g;
  const int x = g.add_input("x", DType::f32, {1, 2, 5, 5});
  const int w = g.add_input("w", DType::f32, {3, 2, 3, 3});
  g.add_output(g.add("Conv", "c", {x, w}, same_padding()), "y");

  expect_same_results(g, {random_normal({1, 2, 5, 5}, 1), random_normal({3, 2, 3, 3}, 2)});
  EXPECT_EQ(count(g, "Transpose"), 0);
  EXPECT_EQ(only(g, "Conv").attrs.int_or("channels_last", 0), 0);
}

}  // namespace
}  // namespace nnload::graph
