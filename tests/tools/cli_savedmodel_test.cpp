// SavedModels through the command line and the example program: `nnload signatures` in
// saved_model_cli's layout, `predict --signature` with inputs by key, summary's Keras table for a
// Keras export, and examples/load_savedmodel.cpp.
#include <gtest/gtest.h>

#include "io/npz.hpp"
#include "support/cli_run.hpp"
#include "support/fixtures.hpp"
#include "support/temp_files.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;

struct Output {
  int status = -1;
  std::string text;
};

Output run(const std::string& command_line, const testing::TempDir& dir) {
  const fs::path log = dir / "out.txt";
  const int status = testing::run_logged(command_line, log);
  return {status, testing::read_text(log)};
}

const std::string kCli = NNLOAD_CLI_PATH;
const fs::path kFixtures = fs::path(NNLOAD_SOURCE_DIR) / "tests/fixtures/savedmodel";

TEST(CliSavedModel, SignaturesPrintLikeSavedModelCli) {
  testing::TempDir dir;
  const Output r = run(kCli + " signatures " + (kFixtures / "multi_signature").string(), dir);
  ASSERT_EQ(r.status, 0) << r.text;
  for (const char* line :
       {"MetaGraphDef with tag-set: 'serve' contains the following SignatureDefs:",
        "signature_def['scaled']:", "signature_def['serving_default']:",
        "    inputs['x'] tensor_info:", "        dtype: DT_FLOAT", "        shape: (-1, 4)",
        "        name: serving_default_x:0",
        "    outputs['probs'] tensor_info:", "  Method name is: tensorflow/serving/predict"}) {
    EXPECT_NE(r.text.find(line), std::string::npos) << line << " in\n" << r.text;
  }
}

TEST(CliSavedModel, PredictRunsTheNamedSignatureWithInputsByKey) {
  testing::TempDir dir;
  const Output r = run(kCli + " predict " + (kFixtures / "multi_signature").string() +
                           " --signature scaled --input " +
                           (kFixtures / "multi_signature.scaled.io.npz").string() + " --output " +
                           (dir / "y.npz").string(),
                       dir);
  ASSERT_EQ(r.status, 0) << r.text;
  const auto written = io::load_npz(dir / "y.npz");
  Tensor expected;
  for (const io::NamedTensor& t : io::load_npz(kFixtures / "multi_signature.scaled.io.npz")) {
    if (t.name == "output_0") expected = t.tensor;
  }
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0].name, "output_0");
  EXPECT_TRUE(testing::tensors_close(written[0].tensor, expected, 1e-5, 1e-5));
  const Output bad =
      run(kCli + " predict " + (kFixtures / "multi_signature").string() +
              " --signature nope --input " + (kFixtures / "multi_signature.scaled.io.npz").string(),
          dir);
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.text.find("no signature named 'nope' (the model has: scaled, serving_default)"),
            std::string::npos)
      << bad.text;
}

TEST(CliSavedModel, SummaryShowsKerasLayerTableForAKerasExport) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir dir;
  const Output r =
      run(kCli + " summary " +
              (testing::shared_fixtures() / "real/savedmodel/tfrust_keras_single_input_saved_model")
                  .string(),
          dir);
  ASSERT_EQ(r.status, 0) << r.text;
  for (const char* text : {"test_in (Dense)", "(None, 5)", "test_out (Dense)", "(None, 1)",
                           "Total params: 66", "serving_default (default)"}) {
    EXPECT_NE(r.text.find(text), std::string::npos) << text << " in\n" << r.text;
  }
}

TEST(CliSavedModel, ExampleProgramListsSignaturesAndRunsServingDefault) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir dir;
  const std::string example = (fs::path(NNLOAD_BIN_DIR) / "example_load_savedmodel").string();
  const Output ok = run(
      example + " " + (testing::shared_fixtures() / "real/savedmodel/times_three_float").string(),
      dir);
  EXPECT_EQ(ok.status, 0) << ok.text;
  EXPECT_NE(ok.text.find("SavedModel loaded successfully."), std::string::npos) << ok.text;
  EXPECT_NE(ok.text.find("Signature 'serving_default':"), std::string::npos) << ok.text;
  EXPECT_NE(ok.text.find("serving_default output 'output_0' []: 3"), std::string::npos) << ok.text;
  const Output bad = run(example + " " + (dir / "missing").string(), dir);
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.text.find("SavedModel loading failed."), std::string::npos) << bad.text;
}

}  // namespace
}  // namespace nnload
