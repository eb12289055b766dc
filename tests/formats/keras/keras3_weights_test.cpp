// Keras 3 variable stores: Keras' snake_case path names, the assignment of stored variables to
// config layers (nested models, TF 2.13's doubled list, operations that are not layers), and the
// project's own archive fixtures (deflated .keras, TF 2.13 and bfloat16 .weights.h5, a nested
// model), against numpy references.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <string>

#include "formats/keras/keras3_weights.hpp"
#include "io/hdf5/hdf5.hpp"
#include "io/npz.hpp"
#include "nnload/model.hpp"
#include "support/error_capture.hpp"
#include "support/fixtures.hpp"
#include "support/keras_fixture_check.hpp"
#include "support/temp_files.hpp"

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

// A Keras 3 variable store written with libhdf5: "layers/x0" ... "layers/x<levels>", x<i> holding
// hard links "a" and "b" to x<i+1>, the last holding vars/0; then the groups `more_groups` and
// the hard links `more_links` ({existing path, new path}).
using Links = std::vector<std::pair<std::string, std::string>>;
std::filesystem::path hard_linked_store(const testing::TempDir& dir, int levels,
                                        const std::vector<std::string>& more_groups = {},
                                        const Links& more_links = {}) {
  const std::filesystem::path path = dir / "linked.weights.h5";
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const auto group = [&](const std::string& name) {
    H5Gclose(H5Gcreate2(file, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  };
  const auto link = [&](const std::string& existing, const std::string& name) {
    H5Lcreate_hard(file, existing.c_str(), file, name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  };
  group("layers");
  for (int i = 0; i <= levels; ++i) group("layers/x" + std::to_string(i));
  for (int i = 0; i < levels; ++i) {
    const std::string level = "layers/x" + std::to_string(i);
    link("layers/x" + std::to_string(i + 1), level + "/a");
    link("layers/x" + std::to_string(i + 1), level + "/b");
  }
  const std::string vars = "layers/x" + std::to_string(levels) + "/vars";
  group(vars);
  const hsize_t dims[1] = {4};
  const float values[4] = {1, 2, 3, 4};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t dataset = H5Dcreate2(file, (vars + "/0").c_str(), H5T_IEEE_F32LE, space, H5P_DEFAULT,
                                   H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
  H5Dclose(dataset);
  H5Sclose(space);
  for (const std::string& name : more_groups) group(name);
  for (const auto& [existing, name] : more_links) link(existing, name);
  H5Fclose(file);
  return path;
}

bool refused_as_reached_twice(const std::filesystem::path& path) {
  return testing::message_of([&] {
           read_var_tree(io::hdf5::open(path)->root());
         }).find("an object reached a second time") != std::string::npos;
}

// Two hard links at each of 30 levels reach the last group 2^30 ways: read once per path, that
// was 2^30 reads of its variables. Keras stores each object once, so a second path is refused.
TEST(Keras3Weights, ObjectsReachedByTwoPathsAreCorrupt) {
  testing::TempDir dir;
  EXPECT_TRUE(refused_as_reached_twice(hard_linked_store(dir, 30)));
  // One vars group under two layers; one variable under two indexes.
  EXPECT_TRUE(refused_as_reached_twice(
      hard_linked_store(dir, 0, {"layers/y"}, {{"layers/x0/vars", "layers/y/vars"}})));
  EXPECT_TRUE(refused_as_reached_twice(
      hard_linked_store(dir, 0, {}, {{"layers/x0/vars/0", "layers/x0/vars/1"}})));
  // With one path to everything the store reads.
  const VarNode tree = read_var_tree(io::hdf5::open(hard_linked_store(dir, 0))->root());
  ASSERT_NE(tree.child("layers"), nullptr);
  ASSERT_NE(tree.child("layers")->child("x0"), nullptr);
  EXPECT_EQ(tree.child("layers")->child("x0")->vars.size(), 1u);
}

}  // namespace
}  // namespace nnload::formats::keras
