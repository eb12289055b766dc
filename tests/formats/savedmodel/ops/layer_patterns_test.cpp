// What the load-time passes make of the op patterns a Keras SavedModel is made of: NHWC
// convolutions run channels-last without transposes, BiasAdd and inference batch norm fold
// into the convolution, Dense (MatMul + BiasAdd) becomes one matmul with bias and activation.
#include <gtest/gtest.h>

#include <map>

#include "formats/savedmodel/ops/tf_graph.hpp"
#include "graph/passes/passes.hpp"
#include "ops/shape/op_test_util.hpp"

namespace nnload::formats::savedmodel {
namespace {

using namespace tftest;
namespace nt = nnload::testing;

std::vector<tf::NodeDef> keras_cnn() {
  const Attrs f32 = {{"T", type_attr(DType::f32)}};
  Attrs conv = f32;
  conv["strides"] = ints_attr({1, 1, 1, 1});
  conv["padding"] = string_attr("SAME");
  Attrs bn = f32;
  bn["is_training"] = bool_attr(false);
  Attrs pool = f32;
  pool["ksize"] = ints_attr({1, 2, 2, 1});
  pool["strides"] = ints_attr({1, 2, 2, 1});
  pool["padding"] = string_attr("VALID");
  return {
      placeholder("input", DType::f32, Shape{-1, 8, 8, 3}),
      const_node("conv/kernel", nt::random_floats({3, 3, 3, 4}, 1)),
      const_node("conv/bias", nt::random_floats({4}, 2)),
      node("conv/Conv2D", "Conv2D", {"input", "conv/kernel"}, conv),
      node("conv/BiasAdd", "BiasAdd", {"conv/Conv2D", "conv/bias"}, f32),
      const_node("bn/gamma", nt::random_floats({4}, 3, 0.5f, 1.5f)),
      const_node("bn/beta", nt::random_floats({4}, 4)),
      const_node("bn/mean", nt::random_floats({4}, 5)),
      const_node("bn/var", nt::random_floats({4}, 6, 0.5f, 1.5f)),
      node("bn/FusedBatchNormV3", "FusedBatchNormV3",
           {"conv/BiasAdd", "bn/gamma", "bn/beta", "bn/mean", "bn/var"}, bn),
      node("relu", "Relu", {"bn/FusedBatchNormV3"}, f32),
      node("pool", "MaxPool", {"relu"}, pool),
      const_node("flatten/shape", nt::make<std::int32_t>({-1, 64}, {2})),
      node("flatten/Reshape", "Reshape", {"pool", "flatten/shape"}, f32),
      const_node("dense/kernel", nt::random_floats({64, 10}, 7)),
      const_node("dense/bias", nt::random_floats({10}, 8)),
      node("dense/MatMul", "MatMul", {"flatten/Reshape", "dense/kernel"}, f32),
      node("dense/BiasAdd", "BiasAdd", {"dense/MatMul", "dense/bias"}, f32),
      node("dense/Relu", "Relu", {"dense/BiasAdd"}, f32),
  };
}

TEST(TfLayerPatterns, KerasCnnOptimizesToFusedChannelsLastNodes) {
  BuiltGraph built = build_tf_graph(keras_cnn(), {"dense/Relu"});
  graph::passes::optimize(*built.graph);
  std::map<std::string, int> ops;
  for (const graph::Node& n : built.graph->nodes()) {
    ++ops[n.op + (n.attrs.has("activation") ? "+" + n.attrs.get_string("activation") : "")];
  }
  EXPECT_EQ(ops.count("Transpose"), 0u);
  EXPECT_EQ(ops["Conv+Relu"], 1);  // bias, batch norm and relu in one convolution
  EXPECT_EQ(ops.count("Add"), 0u);
  EXPECT_EQ(ops.count("Mul"), 0u);
  EXPECT_EQ(ops["MaxPool"], 1);
  EXPECT_EQ(ops["MatMul+Relu"], 1);
  // And the graph still computes what it did before the passes (run_tf_graph compares both).
  const Tensor y =
      run_tf_graph1(keras_cnn(), {{"input", nt::random_floats({2, 8, 8, 3}, 9)}}, "dense/Relu");
  EXPECT_EQ(y.shape(), (Shape{2, 10}));
}

}  // namespace
}  // namespace nnload::formats::savedmodel
