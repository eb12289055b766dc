// What the Keras reader and the load-time passes make of real models: channels-last
// convolutions run without transposes, BatchNormalization folds into the convolution before it,
// Dense layers become one matmul with bias and activation.
#include <gtest/gtest.h>

#include <map>

#include "formats/keras/keras_h5.hpp"
#include "graph/passes/passes.hpp"
#include "support/fixtures.hpp"

namespace nnload::formats::keras {
namespace {

std::map<std::string, int> optimized_ops(const std::filesystem::path& path) {
  LoadedModel model = load_h5(path);
  graph::passes::optimize(*model.graph);
  std::map<std::string, int> ops;
  for (const graph::Node& node : model.graph->nodes()) {
    ++ops[node.op +
          (node.attrs.has("activation") ? "+" + node.attrs.get_string("activation") : "")];
  }
  return ops;
}

TEST(KerasGraph, ExampleCnnIsThreeConvOrPoolNodesWithoutTransposes) {
  const auto ops =
      optimized_ops(std::filesystem::path(NNLOAD_SOURCE_DIR) / "examples/models/digits_cnn.h5");
  EXPECT_EQ(ops.count("Transpose"), 0u);
  EXPECT_EQ(ops.at("Conv+Relu"), 2);
  EXPECT_EQ(ops.count("Relu"), 0u);
  EXPECT_EQ(ops.at("MaxPool"), 1);
  EXPECT_EQ(ops.at("MatMul"), 1);  // Dense(softmax): bias fused, softmax stays a node
  EXPECT_EQ(ops.at("Softmax"), 1);
}

TEST(KerasGraph, SharedCnnRunsChannelsLastWithFusedActivations) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  // Conv2D(relu) -> BatchNormalization -> MaxPooling2D -> Conv2D(relu) -> Dropout -> Flatten ->
  // Dense(softmax). The BatchNormalization follows a ReLU, so it stays one Mul and one Add (a
  // Conv -> BatchNormalization pair folds: see the passes tests).
  const auto ops = optimized_ops(testing::shared_fixtures() / "keras3/cnn.h5");
  EXPECT_EQ(ops.count("Transpose"), 0u);
  EXPECT_EQ(ops.at("Conv+Relu"), 2);
  EXPECT_EQ(ops.at("Mul"), 1);
  EXPECT_EQ(ops.at("Add"), 1);
  EXPECT_EQ(ops.count("Relu"), 0u);
}

}  // namespace
}  // namespace nnload::formats::keras
