// Keras 3 .keras archives, and .weights.h5 files loaded into a config taken from the .keras's
// config.json or the .h5's model_config, against Keras' stored predictions (within
// max(1e-4, 1e-5 |y|)) and the manifest's parameter counts. The models with recurrent and
// attention layers are in keras3_recurrent_attention_forms_test.cpp; custom_layer in custom_layers_test.cpp.
#include <gtest/gtest.h>

#include "formats/keras/keras3_test_support.hpp"
#include "support/temp_files.hpp"

namespace nnload {
namespace {

using testing::keras3_fixture;

const std::vector<std::string> kModels = {"mlp", "mlp_compiled", "cnn", "functional_multi",
                                          "mobile_blocks"};

class Keras3Model : public ::testing::TestWithParam<std::string> {};

TEST_P(Keras3Model, KerasArchivePredictsLikeKeras) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Model model = load(keras3_fixture(GetParam() + ".keras"));
  EXPECT_EQ(model.info().format, "Keras 3 .keras archive");
  EXPECT_EQ(model.info().producer_version, "3.15.1");
  EXPECT_EQ(testing::printed_total(model, "Total params"), testing::manifest_params(GetParam()));
  EXPECT_TRUE(testing::predicts_like_keras(model, GetParam()));
}

TEST_P(Keras3Model, WeightsFileWithTheKerasArchivesConfig) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Model model = load_keras(keras3_fixture(GetParam() + ".keras").string(),
                                 keras3_fixture(GetParam() + ".weights.h5"));
  EXPECT_EQ(model.info().format, "Keras 3 weights (.weights.h5) + JSON config");
  EXPECT_EQ(testing::printed_total(model, "Total params"), testing::manifest_params(GetParam()));
  EXPECT_TRUE(testing::predicts_like_keras(model, GetParam()));
}

TEST_P(Keras3Model, WeightsFileWithTheH5sModelConfig) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Model model = load_keras(keras3_fixture(GetParam() + ".h5").string(),
                                 keras3_fixture(GetParam() + ".weights.h5"));
  EXPECT_TRUE(testing::predicts_like_keras(model, GetParam()));
}

TEST_P(Keras3Model, WeightsFileWithConfigJsonAsFileAndAsText) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const std::string config =
      testing::zip_entries(keras3_fixture(GetParam() + ".keras"))["config.json"];
  testing::TempDir dir;
  const auto json_path = dir / "model.json";
  testing::write_bytes(
      json_path,
      std::vector<std::byte>(reinterpret_cast<const std::byte*>(config.data()),
                             reinterpret_cast<const std::byte*>(config.data()) + config.size()));
  LoadOptions options;
  options.keras_config = json_path.string();
  EXPECT_TRUE(testing::predicts_like_keras(
      load(keras3_fixture(GetParam() + ".weights.h5"), options), GetParam()));
  options.keras_config = config;  // the JSON text itself
  EXPECT_TRUE(testing::predicts_like_keras(
      load(keras3_fixture(GetParam() + ".weights.h5"), options), GetParam()));
}

// The full .h5's legacy weights (model_weights, matched by layer name) under the .keras config.
TEST_P(Keras3Model, LegacyWeightsOfTheFullH5WithTheKerasConfig) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Model model = load_keras(keras3_fixture(GetParam() + ".keras").string(),
                                 keras3_fixture(GetParam() + ".h5"));
  EXPECT_EQ(model.info().format, "Keras HDF5 + JSON config");
  EXPECT_TRUE(testing::predicts_like_keras(model, GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Shared, Keras3Model, ::testing::ValuesIn(kModels));

TEST(KerasArchive, ReportsMetadataAndIgnoresOptimizerState) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Model model = load(keras3_fixture("mlp_compiled.keras"));
  EXPECT_EQ(model.info().producer, "Keras");
  EXPECT_EQ(model.info().name, "sequential");
  const nlohmann::json metadata = nlohmann::json::parse(
      testing::zip_entries(keras3_fixture("mlp_compiled.keras"))["metadata.json"]);
  EXPECT_EQ(model.info().metadata.at("date_saved"), metadata.at("date_saved"));
  EXPECT_EQ(model.info().producer_version, metadata.at("keras_version"));
  EXPECT_EQ(model.info().metadata.at("keras_class"), "Sequential");
  ASSERT_EQ(model.weights().size(), 4u);  // two Dense layers; the optimizer's variables are not
  EXPECT_EQ(model.weights()[0].shape, (Shape{10, 5}));
  EXPECT_EQ(model.weights()[3].shape, (Shape{2}));
}

TEST(KerasArchive, EntriesInAnotherOrderLoad) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  auto entries = testing::zip_entries(keras3_fixture("cnn.keras"));
  testing::TempDir dir;
  testing::write_zip(dir / "cnn.keras", {{"model.weights.h5", entries["model.weights.h5"]},
                                         {"config.json", entries["config.json"]},
                                         {"metadata.json", entries["metadata.json"]}});
  EXPECT_TRUE(testing::predicts_like_keras(load(dir / "cnn.keras"), "cnn"));
}

}  // namespace
}  // namespace nnload
