// The command-line tool with Keras 3 archives and weights-only files: predict/summary/inspect
// with --config and --weights, and the errors for weights of another model or wrong usage.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "io/npz.hpp"
#include "nnload/model.hpp"
#include "support/fixtures.hpp"
#include "support/keras_fixture_check.hpp"
#include "support/temp_files.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int status = -1;
  std::string out;
  std::string err;
};

class CliKeras : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_shared_fixtures()) GTEST_SKIP() << "needs ../shared/fixtures";
  }
  CliRun run(const std::string& args) {
    const fs::path out = temp_ / "stdout.txt", err = temp_ / "stderr.txt";
    const std::string command =
        std::string(NNLOAD_CLI_PATH) + " " + args + " >" + out.string() + " 2>" + err.string();
    const int raw = std::system(command.c_str());
    CliRun r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static std::string fixture(const std::string& name) {
    return (testing::shared_fixtures() / "keras3" / name).string();
  }
  testing::TempDir temp_;
};

TEST_F(CliKeras, PredictKerasArchive) {
  const CliRun r = run("predict " + fixture("functional_multi.keras") + " --input " +
                       fixture("functional_multi.npz") + " --output " +
                       (temp_ / "y.npz").string());
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
  const CliRun r = run("predict --config " + fixture("cnn.keras") + " --weights " +
                       fixture("cnn.weights.h5") + " --input " + fixture("cnn.npz") +
                       " --output " + (temp_ / "y.npz").string());
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
  const CliRun summary = run("summary --config " + fixture("mlp.keras") + " --weights " +
                             fixture("mlp.weights.h5"));
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
