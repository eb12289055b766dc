// Keras' channels-last convolutions run channels-last: the keras3 CNN fixtures profile with
// nnload.Conv nodes and no Transpose at all (issue 7's Keras path).
#include <gtest/gtest.h>

#include <map>

#include "formats/keras/keras3_test_support.hpp"
#include "nnload/nnload.hpp"

namespace nnload {
namespace {

using testing::keras3_fixture;

// Zeros of each input's shape (unknown dimensions as 1): the profile only needs a valid run.
std::vector<Tensor> zero_inputs(const Model& model) {
  std::vector<Tensor> inputs;
  for (const TensorInfo& info : model.inputs()) {
    Shape shape = info.shape;
    for (auto& d : shape) d = d < 0 ? 1 : d;
    inputs.push_back(Tensor::zeros(info.dtype, shape));
  }
  return inputs;
}

TEST(Keras3Layout, ConvModelsRunWithoutTransposes) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  for (const std::string name : {"cnn.h5", "mobile_blocks.h5"}) {
    const Model model = load(keras3_fixture(name));
    std::map<std::string, int> nodes;
    for (const OpProfile& row : model.profile(zero_inputs(model), 1)) nodes[row.op] = row.nodes;
    EXPECT_EQ(nodes.count("Transpose"), 0u) << name;
    EXPECT_GT(nodes["nnload.Conv"], 0) << name;
  }
}

}  // namespace
}  // namespace nnload
