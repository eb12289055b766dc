// Keras 3 variable stores: Keras' snake_case path names, the assignment of stored variables to
// config layers (nested models, TF 2.13's doubled list, operations that are not layers), and the
// project's own archive fixtures (deflated .keras, TF 2.13 and bfloat16 .weights.h5, a nested
// model), against numpy references.
#include <gtest/gtest.h>

#include "formats/keras/keras3_weights.hpp"
#include "io/npz.hpp"
#include "nnload/model.hpp"
#include "support/error_capture.hpp"
#include "support/fixtures.hpp"
#include "support/keras_fixture_check.hpp"

namespace nnload::formats::keras {
namespace {

using testing::project_fixture;

TEST(KerasSnakeCase, FollowsKerasNamingToSnakeCase) {
  EXPECT_EQ(keras_snake_case("Dense"), "dense");
  EXPECT_EQ(keras_snake_case("Conv2D"), "conv2d");
  EXPECT_EQ(keras_snake_case("Conv2DTranspose"), "conv2d_transpose");
  EXPECT_EQ(keras_snake_case("ReLU"), "re_lu");
  EXPECT_EQ(keras_snake_case("PReLU"), "p_re_lu");
  EXPECT_EQ(keras_snake_case("LSTM"), "lstm");
  EXPECT_EQ(keras_snake_case("GlobalAveragePooling1D"), "global_average_pooling1d");
  EXPECT_EQ(keras_snake_case("MultiHeadAttention"), "multi_head_attention");
  EXPECT_EQ(keras_snake_case("UpSampling2D"), "up_sampling2d");
  EXPECT_EQ(keras_snake_case("InputLayer"), "input_layer");
  EXPECT_EQ(keras_snake_case("kerasgen>ScaledDense"), "scaled_dense");
  EXPECT_EQ(keras_snake_case("My-Layer.v2"), "my_layerv2");
}

VarNode vars(std::vector<float> first_values) {
  VarNode n;
  for (float v : first_values) n.vars.push_back(Tensor::scalar<float>(v));
  return n;
}

VarNode list_of(std::vector<std::pair<std::string, VarNode>> children) {
  VarNode n;
  n.children = std::move(children);
  return n;
}

ModelConfig config_of(const std::string& json) { return parse_model_config(Json::parse(json)); }

std::vector<float> values(const LayerWeights& w, const std::string& layer) {
  std::vector<float> out;
  const auto* list = w.find(layer);
  if (!list) return out;
  for (const LayerWeight& x : *list) out.push_back(x.value.item<float>());
  return out;
}

const char* kFunctional = R"({"class_name": "Functional", "config": {"name": "m", "layers": [
  {"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_shape": [null, 2]}},
  {"class_name": "Dense", "name": "first", "config": {"name": "first"}},
  {"class_name": "NotEqual", "module": "keras.src.ops.numpy", "name": "ne", "config": {}},
  {"class_name": "ReLU", "name": "act", "config": {"name": "act"}},
  {"class_name": "Dense", "name": "second", "config": {"name": "second"}}],
  "input_layers": [["in", 0, 0]], "output_layers": [["second", 0, 0]]}})";

TEST(Keras3Weights, PathsAreClassNamesDeduplicatedInListOrder) {
  const VarNode root = list_of({{"layers", list_of({{"input_layer", VarNode{}},
                                                    {"dense", vars({1, 2})},
                                                    {"re_lu", VarNode{}},
                                                    {"dense_1", vars({3, 4})}})}});
  const LayerWeights w = map_keras3_weights(config_of(kFunctional), root);
  EXPECT_EQ(values(w, "first"), (std::vector<float>{1, 2}));
  EXPECT_EQ(values(w, "second"), (std::vector<float>{3, 4}));
  EXPECT_TRUE(values(w, "act").empty());
  EXPECT_EQ(w.find("first")->at(1).name, "first/1");
}

TEST(Keras3Weights, Tf213ListsEveryLayerWithWeightsTwice) {
  // first -> dense (dense_1 skipped), act -> re_lu, second -> dense_2.
  const VarNode root =
      list_of({{"_layer_checkpoint_dependencies", list_of({{"input_layer", VarNode{}},
                                                           {"dense", vars({1, 2})},
                                                           {"re_lu", VarNode{}},
                                                           {"dense_2", vars({3, 4})}})}});
  const LayerWeights w = map_keras3_weights(config_of(kFunctional), root);
  EXPECT_EQ(values(w, "first"), (std::vector<float>{1, 2}));
  EXPECT_EQ(values(w, "second"), (std::vector<float>{3, 4}));
}

TEST(Keras3Weights, NestedModelsArePreSplitByTheirOwnPaths) {
  const char* json = R"({"class_name": "Sequential", "config": {"name": "outer", "layers": [
    {"class_name": "InputLayer", "config": {"name": "x", "batch_shape": [null, 2]}},
    {"class_name": "Functional", "config": {"name": "inner", "layers": [
       {"class_name": "InputLayer", "name": "i", "config": {"name": "i"}},
       {"class_name": "Dense", "name": "dense", "config": {"name": "dense"}}],
       "input_layers": [["i", 0, 0]], "output_layers": [["dense", 0, 0]]}},
    {"class_name": "Dense", "config": {"name": "dense"}}]}})";
  const VarNode root =
      list_of({{"layers",
                list_of({{"functional", list_of({{"layers", list_of({{"input_layer", VarNode{}},
                                                                     {"dense", vars({5, 6})}})}})},
                         {"dense", vars({7, 8})}})}});
  const LayerWeights w = map_keras3_weights(config_of(json), root);
  // The inner and outer layers share the name "dense": pre-split weights keep them apart.
  EXPECT_EQ(values(w, "dense"), (std::vector<float>{7, 8}));
  EXPECT_EQ(values(w, "inner"), (std::vector<float>{5, 6}));
  ASSERT_TRUE(w.nested.count("inner"));
  EXPECT_EQ(values(*w.nested.at("inner"), "dense"), (std::vector<float>{5, 6}));
}

TEST(Keras3Weights, SubLayersFollowTheLegacyWeightOrder) {
  const char* json = R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "Bidirectional", "config": {"name": "bi"}}]}})";
  // Keras walks backward_layer before forward_layer; the legacy order is forward first.
  const VarNode root = list_of(
      {{"layers", list_of({{"bidirectional",
                            list_of({{"backward_layer", list_of({{"cell", vars({4, 5})}})},
                                     {"forward_layer", list_of({{"cell", vars({1, 2})}})}})}})}});
  const LayerWeights w = map_keras3_weights(config_of(json), root);
  EXPECT_EQ(values(w, "bi"), (std::vector<float>{1, 2, 4, 5}));
  EXPECT_EQ(w.find("bi")->at(0).name, "bi/forward_layer/cell/0");
}

TEST(Keras3Weights, VariablesNoLayerClaimsMeanAnotherModel) {
  const char* json = R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "Dense", "config": {"name": "d"}}]}})";
  const VarNode root =
      list_of({{"layers", list_of({{"dense", vars({1})}, {"dense_1", vars({2})}})}});
  const std::string message =
      testing::message_of([&] { map_keras3_weights(config_of(json), root); });
  EXPECT_NE(message.find("layers/dense_1"), std::string::npos) << message;
  EXPECT_NE(message.find("different models"), std::string::npos) << message;
  EXPECT_EQ(testing::code_of([&] { map_keras3_weights(config_of(json), VarNode{}); }),
            ErrorCode::corrupt);
}

std::map<std::string, Tensor> references() {
  std::map<std::string, Tensor> out;
  for (const io::NamedTensor& t : io::load_npz(project_fixture("keras/archives/references.npz")))
    out[t.name] = t.tensor;
  return out;
}

const std::string kTinyConfig = project_fixture("keras/archives/tiny_mlp.json").string();

TEST(Keras3Archives, DeflatedEntriesLoad) {
  const auto ref = references();
  const Model model = load(project_fixture("keras/archives/tiny_mlp.deflated.keras"));
  EXPECT_TRUE(testing::matches_keras(model.predict({ref.at("x")})[0], ref.at("tiny_mlp")));
}

TEST(Keras3Archives, NpzWeights) {
  const auto ref = references();
  const Model model = load(project_fixture("keras/archives/tiny_mlp.npz_weights.keras"));
  EXPECT_EQ(model.info().metadata.at("weights"), "model.weights.npz");
  EXPECT_EQ(model.weights().size(), 4u);
  EXPECT_TRUE(testing::matches_keras(model.predict({ref.at("x")})[0], ref.at("tiny_mlp")));
}

TEST(Keras3Archives, Tf213WeightsLoadIntoTheirConfig) {
  const auto ref = references();
  const Model model =
      load_keras(kTinyConfig, project_fixture("keras/archives/tiny_mlp.tf213.weights.h5"));
  EXPECT_EQ(model.info().producer_version, "2.13");
  EXPECT_TRUE(testing::matches_keras(model.predict({ref.at("x")})[0], ref.at("tiny_mlp")));
}

TEST(Keras3Archives, Bfloat16VariablesAreWidened) {
  const auto ref = references();
  const Model model =
      load_keras(kTinyConfig, project_fixture("keras/archives/tiny_mlp.bf16.weights.h5"));
  EXPECT_EQ(model.weights()[0].dtype, DType::bf16);
  EXPECT_TRUE(testing::matches_keras(model.predict({ref.at("x")})[0], ref.at("tiny_mlp_bf16")));
}

TEST(Keras3Archives, Bfloat16AsOpaqueTypeIsRefusedClearly) {
  const auto path = project_fixture("keras/archives/tiny_mlp.bf16_opaque.weights.h5");
  const std::string message = testing::message_of([&] { load_keras(kTinyConfig, path); });
  EXPECT_EQ(testing::code_of([&] { load_keras(kTinyConfig, path); }), ErrorCode::unsupported);
  EXPECT_NE(message.find("bfloat16"), std::string::npos) << message;
  EXPECT_NE(message.find("layers/dense/vars/0"), std::string::npos) << message;
}

TEST(Keras3Archives, NestedSequentialInsideFunctional) {
  const auto ref = references();
  const Model model = load(project_fixture("keras/archives/nested.keras"));
  EXPECT_TRUE(testing::matches_keras(model.predict({ref.at("x")})[0], ref.at("nested")));
  EXPECT_EQ(testing::printed_total(model, "Total params"), 15 + 12 + 12 + 8);
}

}  // namespace
}  // namespace nnload::formats::keras
