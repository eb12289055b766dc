// Bad input for the Keras readers, each with its own test: configs and weights that disagree,
// an unknown class inside a nested model, damaged .keras archives, and config keys from newer
// Keras versions (a note where harmless, an error where they may change the computation).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "formats/keras/config_keys.hpp"
#include "formats/keras/keras3_test_support.hpp"
#include "io/hdf5/hdf5.hpp"
#include "support/error_capture.hpp"
#include "support/temp_files.hpp"

namespace nnload {
namespace {

using Json = nlohmann::json;
using testing::code_of;
using testing::keras3_fixture;
using testing::message_of;

Json keras_config(const std::string& model) {
  return Json::parse(testing::zip_entries(keras3_fixture(model + ".keras"))["config.json"]);
}

Json h5_config(const std::filesystem::path& path) {
  return Json::parse(io::hdf5::open(path)->root().string_attribute("model_config"));
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// mlp: InputLayer(10) -> Dense dense(5, relu) -> Dense dense_1(2).
Json& first_dense(Json& config) { return config["config"]["layers"][1]["config"]; }

TEST(KerasBadInput, ConfigWithFewerLayersThanTheWeights) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  Json config = keras_config("mlp");
  config["config"]["layers"].erase(2);
  const auto load_it = [&] { load_keras(config.dump(), keras3_fixture("mlp.weights.h5")); };
  EXPECT_EQ(code_of(load_it), ErrorCode::corrupt);
  EXPECT_TRUE(contains(message_of(load_it), "layers/dense_1")) << message_of(load_it);
}

TEST(KerasBadInput, ConfigWithMoreLayersThanTheWeights) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  Json config = keras_config("mlp");
  Json extra = config["config"]["layers"][2];
  extra["config"]["name"] = "dense_2";
  config["config"]["layers"].push_back(extra);
  const auto load_it = [&] { load_keras(config.dump(), keras3_fixture("mlp.weights.h5")); };
  EXPECT_EQ(code_of(load_it), ErrorCode::corrupt);
  EXPECT_TRUE(contains(message_of(load_it), "dense_2")) << message_of(load_it);
  EXPECT_TRUE(contains(message_of(load_it), "holds 0")) << message_of(load_it);
}

TEST(KerasBadInput, ConfigAndWeightsWithDifferentShapes) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  Json config = keras_config("mlp");
  first_dense(config)["units"] = 4;
  const auto load_it = [&] { load_keras(config.dump(), keras3_fixture("mlp.weights.h5")); };
  EXPECT_EQ(code_of(load_it), ErrorCode::corrupt);
  EXPECT_TRUE(contains(message_of(load_it), "[10, 5]")) << message_of(load_it);
  EXPECT_TRUE(contains(message_of(load_it), "units 4")) << message_of(load_it);

  Json wider = keras_config("mlp");
  wider["config"]["layers"][0]["config"]["batch_shape"][1] = 12;  // input 12 wide, kernel 10 rows
  EXPECT_EQ(code_of([&] { load_keras(wider.dump(), keras3_fixture("mlp.weights.h5")); }),
            ErrorCode::shape);
}

TEST(KerasBadInput, WeightsOfAnotherModel) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const auto keras3 = [&] {
    load_keras(keras3_fixture("mlp.keras").string(), keras3_fixture("cnn.weights.h5"));
  };
  EXPECT_EQ(code_of(keras3), ErrorCode::corrupt);
  const auto legacy = [&] {
    load_keras(keras3_fixture("cnn.h5").string(),
               testing::project_fixture("keras/weights_only.tf2.h5"));
  };
  EXPECT_EQ(code_of(legacy), ErrorCode::corrupt);
  EXPECT_TRUE(contains(message_of(legacy), "another model")) << message_of(legacy);
}

TEST(KerasBadInput, LegacyWeightsMatchByNameOrElseByOrder) {
  const auto weights = testing::project_fixture("keras/weights_only.tf2.h5");
  const auto full = testing::project_fixture("keras/mlp_compiled.tf2.h5");
  const Model by_name = load_keras(full.string(), weights);
  EXPECT_TRUE(by_name.info().notes.empty());
  Json renamed = h5_config(full);
  for (Json& layer : renamed["config"]["layers"]) {
    if (layer["class_name"] == "Dense")
      layer["config"]["name"] = "renamed_" + layer["config"]["name"].get<std::string>();
  }
  const Model by_order = load_keras(renamed.dump(), weights);
  ASSERT_EQ(by_order.info().notes.size(), 1u);
  EXPECT_TRUE(contains(by_order.info().notes[0], "by order"));
  const Tensor x = Tensor::zeros(DType::f32, {1, by_name.inputs()[0].shape[1]});
  EXPECT_TRUE(testing::matches_keras(by_order.predict({x})[0], by_name.predict({x})[0]));
}

TEST(KerasBadInput, UnknownClassInsideANestedModel) {
  const auto path = testing::project_fixture("keras/functional_nested.k3.h5");
  Json config = h5_config(path);
  // The Sequential's second layer is the nested Functional; rename one of its inner classes.
  bool renamed = false;
  for (Json& layer : config["config"]["layers"]) {
    if (layer["class_name"] != "Functional") continue;
    for (Json& inner : layer["config"]["layers"]) {
      if (inner["class_name"] == "Dense" && !renamed) {
        inner["class_name"] = "FancyDense";
        renamed = true;
      }
    }
  }
  ASSERT_TRUE(renamed);
  const auto load_it = [&] { load_keras(config.dump(), path); };
  EXPECT_EQ(code_of(load_it), ErrorCode::custom_layer_missing);
  EXPECT_TRUE(contains(message_of(load_it), "FancyDense")) << message_of(load_it);
}

class KerasBadArchive : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_shared_fixtures()) GTEST_SKIP() << "needs ../shared/fixtures";
    entries_ = testing::zip_entries(keras3_fixture("mlp.keras"));
  }
  std::filesystem::path write(std::vector<std::pair<std::string, std::string>> entries) {
    const auto path = dir_ / "model.keras";
    testing::write_zip(path, entries);
    return path;
  }
  std::map<std::string, std::string> entries_;
  testing::TempDir dir_;
};

TEST_F(KerasBadArchive, MissingWeights) {
  const auto path = write(
      {{"metadata.json", entries_["metadata.json"]}, {"config.json", entries_["config.json"]}});
  EXPECT_EQ(code_of([&] { load(path); }), ErrorCode::corrupt);
  EXPECT_TRUE(contains(message_of([&] { load(path); }), "without model.weights.h5"));
}

TEST_F(KerasBadArchive, MissingConfig) {
  const auto path = write({{"metadata.json", entries_["metadata.json"]},
                           {"model.weights.h5", entries_["model.weights.h5"]}});
  EXPECT_EQ(code_of([&] { load(path); }), ErrorCode::corrupt);
  EXPECT_TRUE(contains(message_of([&] { load(path); }), "without config.json"));
  // Its weights still load into a config given separately.
  LoadOptions options;
  options.keras_config = keras3_fixture("mlp.keras").string();
  EXPECT_TRUE(testing::predicts_like_keras(load(path, options), "mlp"));
}

TEST_F(KerasBadArchive, ConfigThatIsNotJson) {
  const auto path = write({{"metadata.json", entries_["metadata.json"]},
                           {"config.json", "{\"class_name\": \"Sequential\", \"config\": {"},
                           {"model.weights.h5", entries_["model.weights.h5"]}});
  EXPECT_EQ(code_of([&] { load(path); }), ErrorCode::corrupt);
  EXPECT_TRUE(contains(message_of([&] { load(path); }), "config.json"))
      << message_of([&] { load(path); });
}

TEST_F(KerasBadArchive, ConfigWithoutAModel) {
  const auto path = write({{"metadata.json", entries_["metadata.json"]},
                           {"config.json", "{\"config\": {\"layers\": 3}}"},
                           {"model.weights.h5", entries_["model.weights.h5"]}});
  EXPECT_EQ(code_of([&] { load(path); }), ErrorCode::corrupt);
}

TEST_F(KerasBadArchive, WeightsThatAreNotHdf5) {
  const auto path = write({{"metadata.json", entries_["metadata.json"]},
                           {"config.json", entries_["config.json"]},
                           {"model.weights.h5", "not an HDF5 file at all"}});
  const ErrorCode code = code_of([&] { load(path); });
  EXPECT_TRUE(code == ErrorCode::corrupt || code == ErrorCode::unknown_format)
      << message_of([&] { load(path); });
}

TEST_F(KerasBadArchive, NpzWeightsThatAreNotAZip) {
  const auto path = write({{"metadata.json", entries_["metadata.json"]},
                           {"config.json", entries_["config.json"]},
                           {"model.weights.npz", "PK not really"}});
  const ErrorCode code = code_of([&] { load(path); });
  EXPECT_TRUE(code == ErrorCode::corrupt || code == ErrorCode::unknown_format)
      << message_of([&] { load(path); });
}

TEST_F(KerasBadArchive, NpzWeightsWithPlainArrays) {
  // An .npz of plain arrays where Keras writes pickled dicts.
  std::string npy = "\x93NUMPY\x01\x00";
  const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  std::string padded = header + std::string(128 - 10 - header.size() - 1, ' ') + "\n";
  npy += static_cast<char>(padded.size());
  npy += '\0';
  npy += padded + std::string(4, '\0');
  testing::TempDir inner_dir;
  testing::write_zip(inner_dir / "w.npz", {{"layers/dense.npy", npy}});
  std::ifstream in(inner_dir / "w.npz", std::ios::binary);
  const std::string npz((std::istreambuf_iterator<char>(in)), {});
  const auto path = write({{"metadata.json", entries_["metadata.json"]},
                           {"config.json", entries_["config.json"]},
                           {"model.weights.npz", npz}});
  EXPECT_EQ(code_of([&] { load(path); }), ErrorCode::corrupt) << message_of([&] { load(path); });
}

// Newer Keras versions: unknown config keys.
class KerasNewerKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_shared_fixtures()) GTEST_SKIP() << "needs ../shared/fixtures";
    config_ = keras_config("mlp");
  }
  Model load_it() const { return load_keras(config_.dump(), keras3_fixture("mlp.weights.h5")); }
  Json config_;
};

TEST_F(KerasNewerKeys, SwitchedOffUnknownKeyIsANote) {
  first_dense(config_)["future_feature"] = nullptr;
  first_dense(config_)["future_flag"] = false;
  const Model model = load_it();
  ASSERT_EQ(model.info().notes.size(), 2u);
  EXPECT_TRUE(contains(model.info().notes[0], "future_f")) << model.info().notes[0];
  EXPECT_TRUE(testing::predicts_like_keras(model, "mlp"));
}

TEST_F(KerasNewerKeys, UnknownKeyWithAValueFromANewerKerasIsRefused) {
  config_["keras_version"] = "3.99.0";
  first_dense(config_)["future_feature"] = 3;
  EXPECT_EQ(code_of([&] { load_it(); }), ErrorCode::unsupported);
  const std::string message = message_of([&] { load_it(); });
  EXPECT_TRUE(contains(message, "'future_feature' = 3")) << message;
  EXPECT_TRUE(contains(message, "layer 'dense'")) << message;
}

TEST_F(KerasNewerKeys, UnknownKeyWithAValueFromAKnownKerasIsANote) {
  config_["keras_version"] = "3.15.1";
  first_dense(config_)["builder_detail"] = 3;
  const Model model = load_it();
  ASSERT_EQ(model.info().notes.size(), 1u);
  EXPECT_TRUE(contains(model.info().notes[0], "'builder_detail' = 3")) << model.info().notes[0];
  EXPECT_TRUE(testing::predicts_like_keras(model, "mlp"));
}

TEST(KerasNewerVersion, ComparesMajorAndMinor) {
  using formats::keras::newer_than_known;
  using formats::keras::parse_keras_version;
  EXPECT_TRUE(newer_than_known(parse_keras_version("3.99.0")));
  EXPECT_TRUE(newer_than_known(parse_keras_version("4.0")));
  EXPECT_FALSE(newer_than_known(parse_keras_version("3.15.1")));
  EXPECT_FALSE(newer_than_known(parse_keras_version("2.13.1")));
  EXPECT_FALSE(newer_than_known(parse_keras_version("")));
}

TEST_F(KerasNewerKeys, QuantizationConfigIsRefused) {
  first_dense(config_)["quantization_config"] = {{"mode", "int8"}};
  EXPECT_EQ(code_of([&] { load_it(); }), ErrorCode::unsupported);
  EXPECT_TRUE(contains(message_of([&] { load_it(); }), "quantization_config"));
}

TEST_F(KerasNewerKeys, QuantizedDtypePolicyIsRefused) {
  first_dense(config_)["dtype"] = {{"module", "keras"},
                                   {"class_name", "QuantizedDTypePolicy"},
                                   {"config", {{"name", "int8_from_float32"}}}};
  EXPECT_EQ(code_of([&] { load_it(); }), ErrorCode::unsupported);
}

TEST_F(KerasNewerKeys, LoraRankIsRefused) {
  first_dense(config_)["lora_rank"] = 4;
  EXPECT_EQ(code_of([&] { load_it(); }), ErrorCode::unsupported);
  first_dense(config_)["lora_rank"] = nullptr;
  EXPECT_TRUE(load_it().info().notes.empty());
}

TEST_F(KerasNewerKeys, NewInitializerOptionsAreNeverLookedInto) {
  first_dense(config_)["kernel_initializer"]["config"]["future_option"] = 7;
  first_dense(config_)["gamma_regularizer"] = {{"l2", 0.1}};
  const Model model = load_it();
  EXPECT_TRUE(model.info().notes.empty());
  EXPECT_TRUE(testing::predicts_like_keras(model, "mlp"));
}

TEST(KerasConfigSource, MissingOrUnusableConfig) {
  const auto weights = testing::project_fixture("keras/weights_only.tf2.h5");
  EXPECT_EQ(code_of([&] { load_keras("/nonexistent/model.json", weights); }), ErrorCode::not_found);
  EXPECT_EQ(code_of([&] { load_keras("{not json", weights); }), ErrorCode::corrupt);
  EXPECT_EQ(code_of([&] { load_keras(weights.string(), weights); }),
            ErrorCode::invalid_argument);  // an HDF5 file without model_config
  EXPECT_EQ(code_of([&] { load_keras("", weights); }), ErrorCode::invalid_argument);
}

TEST(KerasConfigSource, WeightsOnlyFileWithoutConfigSaysHowToGiveOne) {
  const auto load_it = [] { load(testing::project_fixture("keras/weights_only.tf2.h5")); };
  EXPECT_EQ(code_of(load_it), ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(message_of(load_it), "--config")) << message_of(load_it);
}

}  // namespace
}  // namespace nnload
