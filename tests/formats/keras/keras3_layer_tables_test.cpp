// nnload summary against Keras' own layer list for the nine shared Keras 3 models, in each form
// (.h5, .keras, .weights.h5 + the .keras's config): one row "name (Class)" per layer of the
// manifest, in Keras' order, and Keras' parameter total. custom_layer runs with its layer
// registered (scaled_dense.hpp).
#include <gtest/gtest.h>

#include <fstream>

#include "formats/keras/keras3_test_support.hpp"
#include "formats/keras/scaled_dense.hpp"
#include "nnload/keras.hpp"

namespace nnload {
namespace {

using testing::keras3_fixture;

std::vector<std::string> manifest_models() {
  std::vector<std::string> names;
  if (!testing::have_shared_fixtures()) return names;
  std::ifstream in(keras3_fixture("manifest.json"));
  const nlohmann::json manifest = nlohmann::json::parse(in);  // kept alive for the loop
  for (const auto& [name, entry] : manifest["models"].items()) names.push_back(name);
  return names;
}

// "Class:name" entries of the manifest, in Keras' order.
std::vector<std::pair<std::string, std::string>> manifest_layers(const std::string& model) {
  std::ifstream in(keras3_fixture("manifest.json"));
  std::vector<std::pair<std::string, std::string>> layers;
  const nlohmann::json manifest = nlohmann::json::parse(in);
  for (const auto& item : manifest["models"][model]["layers"]) {
    const std::string text = item.get<std::string>();
    const auto colon = text.find(':');
    layers.emplace_back(text.substr(0, colon), text.substr(colon + 1));
  }
  return layers;
}

class Keras3LayerTable : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    NNLOAD_REQUIRE_SHARED_FIXTURES();
    keras::register_layer("kerasgen>ScaledDense", testing::scaled_dense_factory());
  }
  void TearDown() override { keras::unregister_layer("kerasgen>ScaledDense"); }
};

::testing::AssertionResult table_matches(const Model& model, const std::string& name) {
  std::ostringstream out;
  model.summary(out);
  const std::string text = out.str();
  std::size_t from = 0;
  for (const auto& [cls, layer] : manifest_layers(name)) {
    const std::string python_class =
        cls.substr(cls.find('>') == std::string::npos ? 0 : cls.find('>') + 1);
    const std::size_t at = text.find(" " + layer + " (" + python_class + ")", from);
    if (at == std::string::npos)
      return ::testing::AssertionFailure()
             << "no row '" << layer << " (" << python_class << ")' after the previous one in\n"
             << text;
    from = at;
  }
  if (testing::printed_total(model, "Total params") != testing::manifest_params(name))
    return ::testing::AssertionFailure() << "total params differ from Keras' in\n" << text;
  return ::testing::AssertionSuccess();
}

TEST_P(Keras3LayerTable, EveryFormPrintsKerasLayers) {
  const std::string name = GetParam();
  EXPECT_TRUE(table_matches(load(keras3_fixture(name + ".h5")), name)) << ".h5";
  EXPECT_TRUE(table_matches(load(keras3_fixture(name + ".keras")), name)) << ".keras";
  EXPECT_TRUE(table_matches(
      load_keras(keras3_fixture(name + ".keras").string(), keras3_fixture(name + ".weights.h5")),
      name))
      << ".weights.h5 + config";
}

INSTANTIATE_TEST_SUITE_P(Shared, Keras3LayerTable, ::testing::ValuesIn(manifest_models()));
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Keras3LayerTable);

TEST(Keras3LayerTables, AllNineModelsAreListed) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  EXPECT_EQ(manifest_models().size(), 9U);
}

}  // namespace
}  // namespace nnload
