// ../shared/fixtures/real/keras_h5/dl4j_examples: every real Keras 1.x/2.x weights-only file
// (NAME_weights.h5, save_weights' legacy layout) loaded into its architecture JSON
// (NAME_config.json, model.to_json()) must match Keras' stored predictions
// (NAME_inputs_and_outputs.h5) and the full model file. Files whose layer classes this build does
// not implement are reported and skipped (the full-model test checks their error).
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "formats/keras/config.hpp"
#include "formats/keras/layers/layers.hpp"
#include "io/hdf5/hdf5.hpp"
#include "nnload/model.hpp"
#include "support/fixtures.hpp"
#include "support/keras_fixture_check.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const std::string kWeights = "_weights.h5";

std::vector<std::string> weight_files() {
  std::vector<std::string> out;
  if (!testing::have_shared_fixtures()) return out;
  const fs::path root = testing::shared_fixtures() / "real/keras_h5/dl4j_examples";
  if (!fs::is_directory(root)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > kWeights.size() &&
        name.compare(name.size() - kWeights.size(), kWeights.size(), kWeights) == 0)
      out.push_back(fs::relative(entry.path(), testing::shared_fixtures()).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

fs::path sibling(const fs::path& weights, const std::string& suffix) {
  const std::string name = weights.filename().string();
  return weights.parent_path() / (name.substr(0, name.size() - kWeights.size()) + suffix);
}

std::set<std::string> unsupported_classes(const fs::path& config_path) {
  std::ifstream in(config_path);
  const auto config = formats::keras::parse_model_config(Json::parse(in));
  std::set<std::string> missing;
  for (const auto& layer : config.layers) {
    if (layer.class_name != "InputLayer" && !layer.nested &&
        !formats::keras::find_layer_builder(layer.class_name))
      missing.insert(layer.class_name);
  }
  return missing;
}

class SharedWeightsWithConfig : public ::testing::TestWithParam<std::string> {};

TEST_P(SharedWeightsWithConfig, MatchKerasPredictionsAndTheFullModel) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const fs::path weights = testing::shared_fixtures() / GetParam();
  const fs::path config = sibling(weights, "_config.json");
  ASSERT_TRUE(fs::exists(config)) << config;
  const std::set<std::string> missing = unsupported_classes(config);
  if (!missing.empty()) {
    std::cout << "[ out of scope ] " << GetParam() << ": " << *missing.begin() << '\n';
    return;
  }
  const Model model = load_keras(config.string(), weights);
  const Model full = load(sibling(weights, "_model.h5"));
  EXPECT_EQ(testing::printed_total(model, "Total params"),
            testing::printed_total(full, "Total params"));

  const auto file = io::hdf5::open(sibling(weights, "_inputs_and_outputs.h5"));
  const io::hdf5::Group root = file->root();
  std::vector<Tensor> inputs;
  for (const TensorInfo& input : model.inputs()) {
    const auto names = root.group("inputs").children();
    const std::string name =
        std::find(names.begin(), names.end(), input.name) != names.end() ? input.name : names.at(0);
    inputs.push_back(root.group("inputs").dataset(name).read());
  }
  const std::vector<Tensor> outputs = model.predict(inputs);
  const std::vector<Tensor> full_outputs = full.predict(inputs);
  const auto predictions = root.group("predictions").children();
  ASSERT_EQ(outputs.size(), predictions.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::string name = outputs.size() == 1 ? predictions.at(0) : model.outputs()[i].name;
    EXPECT_TRUE(testing::matches_keras(outputs[i], root.group("predictions").dataset(name).read()))
        << name;
    EXPECT_TRUE(testing::matches_keras(outputs[i], full_outputs[i])) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Shared, SharedWeightsWithConfig, ::testing::ValuesIn(weight_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SharedWeightsWithConfig);

TEST(SharedWeightsWithConfigFiles, AreFoundWhenPresent) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  EXPECT_GE(weight_files().size(), 40u);
}

}  // namespace
}  // namespace nnload
