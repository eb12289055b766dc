// The command-line tool with Keras 3 archives and weights-only files: predict/summary/inspect
// with --config and --weights, and the errors for weights of another model or wrong usage. The
// project's fixtures (tests/fixtures/keras) need no ../shared.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/npz.hpp"
#include "nnload/model.hpp"
#include "support/cli_run.hpp"
#include "support/fixtures.hpp"
#include "support/keras_fixture_check.hpp"
#include "support/temp_files.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;

using testing::CliRun;

class CliRunner : public ::testing::Test {
 protected:
  CliRun run(const std::string& args) { return testing::run_cli(args, temp_.path()); }
  testing::TempDir temp_;
};

class CliKeras : public CliRunner {
 protected:
  void SetUp() override {
    if (!testing::have_shared_fixtures()) GTEST_SKIP() << "needs ../shared/fixtures";
  }
  static std::string fixture(const std::string& name) {
    return (testing::shared_fixtures() / "keras3" / name).string();
  }
};

class CliKerasProject : public CliRunner {
 protected:
  static std::string fixture(const std::string& name) {
    return testing::project_fixture("keras/" + name).string();
  }
  static Tensor stored(const std::string& npz, const std::string& key) {
    for (const auto& t : io::load_npz(fixture(npz)))
      if (t.name == key) return t.tensor;
    return Tensor();
  }
};

// tf.keras save_weights (legacy layout) + model.to_json(), and Keras 3 .weights.h5 + to_json.
TEST_F(CliKerasProject, PredictLegacyAndKeras3WeightsWithTheirJsonConfig) {
  for (const char* flavour : {"tf2", "k3"}) {
    const std::string stem = std::string("functional_nested.") + flavour;
    const CliRun r =
        run("predict --config " + fixture(stem + ".config.json") + " --weights " +
            fixture(stem + ".weights.h5") + " --input " + fixture("functional_nested.npz") +
            " --output " + (temp_ / "y.npz").string());
    ASSERT_EQ(r.status, 0) << flavour << ": " << r.err;
    const auto written = io::load_npz(temp_ / "y.npz");
    ASSERT_EQ(written.size(), 1u);
    EXPECT_TRUE(testing::matches_keras(written[0].tensor, stored("functional_nested.npz", "y")))
        << flavour;
  }
}

TEST_F(CliKerasProject, SummaryOfWeightsWithConfig) {
  const CliRun r = run("summary --config " + fixture("split_attributes.tf2.config.json") +
                       " --weights " + fixture("split_attributes.tf2.weights.h5"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Total params: 47"), std::string::npos) << r.out;
}

// The manifest's mismatches: a config with a layer the weights lack, in both layouts.
TEST_F(CliKerasProject, LayerCountMismatchNamesTheLayer) {
  for (const char* flavour : {"tf2", "k3"}) {
    const std::string stem = std::string("bad_layer_count.") + flavour;
    const CliRun r = run("summary --config " + fixture(stem + ".config.json") + " --weights " +
                         fixture(stem + ".weights.h5"));
    EXPECT_EQ(r.status, 1) << flavour;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("dense_2"), std::string::npos) << flavour << ": " << r.err;
  }
}

TEST_F(CliKerasProject, WeightShapeMismatchAndDamagedArchives) {
  const CliRun shape = run("summary " + fixture("bad_weight_shape.k3.keras"));
  EXPECT_EQ(shape.status, 1);
  EXPECT_NE(shape.err.find("dense_1"), std::string::npos) << shape.err;
  EXPECT_NE(shape.err.find("kernel"), std::string::npos) << shape.err;
  const CliRun no_weights = run("summary " + fixture("bad_missing_weights.k3.keras"));
  EXPECT_EQ(no_weights.status, 1);
  EXPECT_NE(no_weights.err.find("model.weights.h5"), std::string::npos) << no_weights.err;
  const CliRun bad_json = run("summary " + fixture("bad_config_json.k3.keras"));
  EXPECT_EQ(bad_json.status, 1);
  EXPECT_NE(bad_json.err.find("config.json"), std::string::npos) << bad_json.err;
}

TEST_F(CliKerasProject, ConfigThatIsNotThere) {
  const CliRun r = run("summary --config " + (temp_ / "missing.json").string() + " --weights " +
                       fixture("embedding.tf2.weights.h5"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("missing.json"), std::string::npos) << r.err;
}

TEST_F(CliKeras, PredictKerasArchive) {
  const CliRun r = run("predict " + fixture("functional_multi.keras") + " --input " +
                       fixture("functional_multi.npz") + " --output " + (temp_ / "y.npz").string());
  ASSERT_EQ(r.status, 0) << r.err;
  std::map<std::string, Tensor> expected, got;
  for (const auto& t : io::load_npz(fixture("functional_multi.npz"))) expected[t.name] = t.tensor;
  for (const auto& t : io::load_npz(temp_ / "y.npz")) got[t.name] = t.tensor;
  ASSERT_EQ(got.size(), 2u);
  for (const auto& [name, tensor] : got)
    EXPECT_TRUE(testing::matches_keras(tensor, expected.at("y__" + name))) << name;
}

TEST_F(CliKeras, PredictWeightsWithConfig) {
  // The config as a .json file taken from the .keras archive's config.json.
  const Model reference = load(fixture("cnn.keras"));
  const CliRun r =
      run("predict --config " + fixture("cnn.keras") + " --weights " + fixture("cnn.weights.h5") +
          " --input " + fixture("cnn.npz") + " --output " + (temp_ / "y.npz").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto written = io::load_npz(temp_ / "y.npz");
  Tensor y;
  for (const auto& t : io::load_npz(fixture("cnn.npz")))
    if (t.name == "y") y = t.tensor;
  ASSERT_EQ(written.size(), 1u);
  EXPECT_TRUE(testing::matches_keras(written[0].tensor, y));
  // The weights may also be the positional MODEL.
  const CliRun positional = run("predict " + fixture("cnn.weights.h5") + " --config " +
                                fixture("cnn.h5") + " --input " + fixture("cnn.npz"));
  EXPECT_EQ(positional.status, 0) << positional.err;
}

TEST_F(CliKeras, SummaryAndInspectTakeConfigAndWeights) {
  const CliRun summary =
      run("summary --config " + fixture("mlp.keras") + " --weights " + fixture("mlp.weights.h5"));
  ASSERT_EQ(summary.status, 0) << summary.err;
  EXPECT_NE(summary.out.find("Total params: 67"), std::string::npos) << summary.out;
  const CliRun inspect = run("inspect --json --config " + fixture("mlp.keras") + " --weights " +
                             fixture("mlp.weights.h5"));
  ASSERT_EQ(inspect.status, 0) << inspect.err;
  const nlohmann::json j = nlohmann::json::parse(inspect.out);
  EXPECT_EQ(j["format"], "Keras 3 weights (.weights.h5) + JSON config");
  EXPECT_EQ(j["weights"].size(), 4u);
}

TEST_F(CliKeras, WeightsOfAnotherModelFailClearly) {
  const CliRun r = run("predict --config " + fixture("mlp.keras") + " --weights " +
                       fixture("cnn.weights.h5") + " --input " + fixture("mlp.npz"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("different models"), std::string::npos) << r.err;
}

TEST_F(CliKeras, WeightsOnlyFileWithoutConfigSaysSo) {
  const CliRun r = run("summary " + fixture("mlp.weights.h5"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--config"), std::string::npos) << r.err;
}

TEST_F(CliKeras, BadUsage) {
  EXPECT_EQ(run("summary --weights " + fixture("mlp.weights.h5")).status, 2);  // needs --config
  EXPECT_EQ(run("summary " + fixture("mlp.keras") + " --weights " + fixture("mlp.weights.h5") +
                " --config " + fixture("mlp.keras"))
                .status,
            2);  // two weight files
  const CliRun none = run("summary");
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.err.find("no model given"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace nnload
