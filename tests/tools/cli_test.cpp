// The nnload command-line tool, run as a process: outputs, files it writes, exit codes
// (0 success, 1 nnload error with "error: ..." on stderr, 2 bad usage), and no partial output.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "io/npy.hpp"
#include "io/npz.hpp"
#include "nnload/model.hpp"
#include "support/cli_run.hpp"
#include "support/fixtures.hpp"
#include "support/temp_files.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;

using testing::CliRun;
using testing::read_text;

class Cli : public ::testing::Test {
 protected:
  CliRun run(const std::string& args) { return testing::run_cli(args, dir_); }
  fs::path path(const std::string& name) const { return dir_ / name; }

  const std::string model_ =
      (fs::path(NNLOAD_SOURCE_DIR) / "examples/models/digits_cnn.h5").string();
  const std::string sample_ =
      (fs::path(NNLOAD_SOURCE_DIR) / "examples/models/digits_sample.npy").string();
  testing::TempDir temp_;
  const fs::path& dir_ = temp_.path();
};

TEST_F(Cli, SummaryPrintsTheLayerTable) {
  const CliRun r = run("summary " + model_);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Model: \"digits_cnn\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("conv2d (Conv2D)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(None, 8, 8, 8)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Total params: 1,418"), std::string::npos) << r.out;
}

TEST_F(Cli, InspectJsonListsFormatInputsOutputsAndWeights) {
  const CliRun r = run("inspect --json " + model_);
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "Keras HDF5");
  EXPECT_EQ(j["producer"], "Keras");
  ASSERT_EQ(j["inputs"].size(), 1u);
  EXPECT_EQ(j["inputs"][0]["dtype"], "float32");
  EXPECT_EQ(j["inputs"][0]["shape"], nlohmann::json({-1, 8, 8, 1}));
  EXPECT_EQ(j["outputs"][0]["shape"], nlohmann::json({-1, 10}));
  std::int64_t total = 0;
  for (const auto& w : j["weights"]) total += shape_size(w["shape"].get<Shape>());
  EXPECT_EQ(total, 1418);
  const CliRun text = run("inspect " + model_);
  EXPECT_EQ(text.status, 0);
  EXPECT_NE(text.out.find("format:   Keras HDF5"), std::string::npos) << text.out;
}

TEST_F(Cli, PredictPrintsOutputsNumpyStyle) {
  const CliRun r = run("predict " + model_ + " --input " + sample_);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("dense: float32 (1, 10)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[["), std::string::npos) << r.out;
}

TEST_F(Cli, PredictOutputNpzEqualsTheLibrarysPrediction) {
  const CliRun r = run("predict " + model_ + " --input " + sample_ + " --output " +
                       path("y.npz").string() + " --threads 1");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto written = io::load_npz(path("y.npz"));
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0].name, "dense");
  const Model model = load(model_);
  const Tensor expected = model.predict({io::load_npy(sample_)})[0];
  EXPECT_TRUE(testing::tensors_close(written[0].tensor, expected, 0, 0));
}

TEST_F(Cli, PredictTakesAnNpzKeyedByInputName) {
  io::save_npz(path("in.npz"), {{"input_layer", io::load_npy(sample_)},
                                {"unrelated", Tensor::zeros(DType::f32, {2})}});
  const CliRun r = run("predict " + model_ + " --input " + path("in.npz").string());
  EXPECT_EQ(r.status, 0) << r.err;
  io::save_npz(path("wrong.npz"), {{"a", io::load_npy(sample_)}, {"b", io::load_npy(sample_)}});
  const CliRun bad = run("predict " + model_ + " --input " + path("wrong.npz").string());
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("no array named 'input_layer'"), std::string::npos) << bad.err;
}

TEST_F(Cli, WeightsExportsEveryWeightByName) {
  const CliRun r = run("weights " + model_ + " --output " + path("w.npz").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto weights = io::load_npz(path("w.npz"));
  const Model model = load(model_);
  ASSERT_EQ(weights.size(), model.weights().size());
  for (const io::NamedTensor& w : weights) {
    EXPECT_TRUE(testing::tensors_close(w.tensor, model.weight(w.name), 0, 0)) << w.name;
  }
}

TEST_F(Cli, ErrorsExitWithOneAndLeaveNoPartialOutput) {
  const CliRun missing = run("summary /no/such/file.h5");
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(missing.err.rfind("error: ", 0), 0u) << missing.err;

  io::save_npy(path("bad.npy"), Tensor::zeros(DType::f32, {1, 4, 4, 1}));
  const CliRun shape = run("predict " + model_ + " --input " + path("bad.npy").string() +
                           " --output " + path("y.npz").string());
  EXPECT_EQ(shape.status, 1);
  EXPECT_NE(shape.err.find("must have shape"), std::string::npos) << shape.err;
  EXPECT_FALSE(fs::exists(path("y.npz")));

  const CliRun unwritable = run("predict " + model_ + " --input " + sample_ + " --output " +
                                (dir_ / "no/dir/y.npz").string());
  EXPECT_EQ(unwritable.status, 1) << unwritable.err;
  EXPECT_FALSE(fs::exists(dir_ / "no"));
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
        << "left behind: " << entry.path();
  }
}

TEST_F(Cli, PredictRunsAWholeTorchModulePickle) {
  const std::string torch_dir = (fs::path(NNLOAD_SOURCE_DIR) / "tests/fixtures/torch").string();
  const CliRun r = run("predict " + torch_dir + "/whole_module_seq.pth --input " + torch_dir +
                       "/whole_module_seq_io.npz --output " + path("y.npz").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto written = io::load_npz(path("y.npz"));
  Tensor expected;
  for (const io::NamedTensor& t : io::load_npz(torch_dir + "/whole_module_seq_io.npz")) {
    if (t.name == "y") expected = t.tensor;
  }
  ASSERT_EQ(written.size(), 1u);
  EXPECT_TRUE(testing::tensors_close(written[0].tensor, expected, 1e-5, 1e-5));
}

TEST_F(Cli, TorchStateDictsInspectAndRefuseToPredict) {
  const std::string torch_dir = (fs::path(NNLOAD_SOURCE_DIR) / "tests/fixtures/torch").string();
  const CliRun predict =
      run("predict " + torch_dir + "/seed.pth --input " + torch_dir + "/seed_io.npz");
  EXPECT_EQ(predict.status, 1);
  EXPECT_NE(predict.err.find("holds weights only"), std::string::npos) << predict.err;
  EXPECT_NE(predict.err.find("load_state_dict"), std::string::npos) << predict.err;
  const CliRun cuda = run("inspect " + torch_dir + "/cuda_storage.pth");
  EXPECT_EQ(cuda.status, 0) << cuda.err;
  EXPECT_NE(cuda.out.find("saved on cuda:0"), std::string::npos) << cuda.out;
  const CliRun extras = run("inspect " + torch_dir + "/checkpoint_extras.pth");
  EXPECT_EQ(extras.status, 0) << extras.err;
  EXPECT_NE(extras.out.find("epoch = 3"), std::string::npos) << extras.out;
  EXPECT_NE(extras.out.find("args.name = 'run'"), std::string::npos) << extras.out;
  const CliRun evil = run("inspect " + torch_dir + "/malicious.pth");
  EXPECT_EQ(evil.status, 0) << evil.err;
  EXPECT_NE(evil.out.find("os.system"), std::string::npos) << evil.out;
}

TEST_F(Cli, OpsListsTheVocabularyWithOpsetRanges) {
  const CliRun r = run("ops");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Conv  (opset 1-25)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Softmax  (opset 1-12 13-25)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nnload.KerasRelu"), std::string::npos) << r.out;
}

TEST_F(Cli, BadUsageExitsWithTwo) {
  EXPECT_EQ(run("").status, 2);
  EXPECT_EQ(run("frobnicate " + model_).status, 2);
  EXPECT_EQ(run("predict " + model_).status, 2);  // --input is required
  EXPECT_EQ(run("summary " + model_ + " --bogus").status, 2);
  EXPECT_EQ(run("predict " + model_ + " --input " + sample_ + " --threads -3").status, 2);
  EXPECT_EQ(run("--help").status, 0);
}

TEST_F(Cli, ExampleProgramLoadsSummarisesAndPredicts) {
  const std::string example = (fs::path(NNLOAD_BIN_DIR) / "example_load_keras").string();
  ASSERT_TRUE(fs::exists(example)) << example;
  const CliRun ok = testing::run_command(example + " " + model_, dir_);
  EXPECT_EQ(ok.status, 0) << ok.err;
  const std::string& out = ok.out;
  EXPECT_NE(out.find("Model loaded successfully."), std::string::npos) << out;
  EXPECT_NE(out.find("Total params: 1,418"), std::string::npos) << out;
  EXPECT_NE(out.find("Prediction 'dense' (1, 10)"), std::string::npos) << out;
  const CliRun bad = testing::run_command(example + " /no/such.h5", dir_);
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.out.find("Model loading failed."), std::string::npos) << bad.out;
}

TEST_F(Cli, BenchPrintsTimingsAndAProfile) {
  const CliRun r = run("bench " + model_ + " --threads 1 --runs 5 --warmup 1 --profile");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* line : {"load", "first predict", "latency median", "p10", "p90", "peak RSS"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " missing in\n" << r.out;
  // digits_cnn's convolutions run as channels-last nnload Conv nodes: no Transpose at all.
  EXPECT_NE(r.out.find("nnload.Conv"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Transpose"), std::string::npos) << r.out;
}

TEST_F(Cli, BenchJsonHoldsEveryFigure) {
  const CliRun r =
      run("bench " + model_ + " --input " + sample_ + " --runs 7 --warmup 0 --json --profile");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["runs"], 7);
  EXPECT_EQ(j["format"], "Keras HDF5");
  EXPECT_GT(j["load_ms"].get<double>(), 0.0);
  EXPECT_GT(j["first_predict_ms"].get<double>(), 0.0);
  EXPECT_LE(j["p10_ms"].get<double>(), j["median_ms"].get<double>());
  EXPECT_LE(j["median_ms"].get<double>(), j["p90_ms"].get<double>());
  EXPECT_GT(j["peak_rss_mib"].get<double>(), 1.0);
  double share = 0;
  for (const auto& row : j["profile"]) share += row["share"].get<double>();
  EXPECT_NEAR(share, 1.0, 1e-9);
}

TEST_F(Cli, BenchRejectsBadArguments) {
  EXPECT_EQ(run("bench " + model_ + " --runs 0").status, 2);
  EXPECT_EQ(run("bench " + path("missing.h5").string()).status, 1);
  const CliRun wrong_input = run("bench " + model_ + " --input " + model_);
  EXPECT_EQ(wrong_input.status, 1);
  EXPECT_NE(wrong_input.err.find("error:"), std::string::npos);
}

TEST(ModelProfile, TimesEveryOpTypeSlowestFirst) {
  const Model model = load(fs::path(NNLOAD_SOURCE_DIR) / "examples/models/digits_cnn.h5");
  const Tensor x = io::load_npy(fs::path(NNLOAD_SOURCE_DIR) / "examples/models/digits_sample.npy");
  const std::vector<OpProfile> profile = model.profile({x}, 3);
  ASSERT_FALSE(profile.empty());
  int nodes = 0;
  for (std::size_t i = 0; i < profile.size(); ++i) {
    nodes += profile[i].nodes;
    EXPECT_GE(profile[i].seconds, 0.0);
    if (i > 0) {
      EXPECT_LE(profile[i].seconds, profile[i - 1].seconds);
    }
  }
  EXPECT_GT(nodes, 2);
}

}  // namespace
}  // namespace nnload
