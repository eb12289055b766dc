// The command line on the torch-exported MLP (784-512-512-10, dynamic batch), as a user would run
// it: predict from an .npy and from an ONNX TensorProto .pb, summary, inspect --json, weights.
// The files come from tests/fixtures/onnx/make_onnx_fixtures.py in the build tree (ctest's
// onnx_torch_fixtures setup test); a missing one fails the test with how to make it.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/cli_run.hpp"
#include "support/npz_map.hpp"
#include "support/temp_files.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

fs::path generated(const std::string& file) {
  return fs::path(NNLOAD_GENERATED_FIXTURES) / "onnx" / file;
}

// Empty when the file exists, else how to make it.
std::string missing(const fs::path& file) {
  if (fs::exists(file)) return "";
  return file.string() +
         " is missing. ctest makes it (setup test onnx_torch_fixtures); by hand: "
         "/usr/bin/python3 " NNLOAD_SOURCE_DIR "/tests/fixtures/onnx/make_onnx_fixtures.py --out " +
         file.parent_path().string() +
         " (needs python3-torch, python3-torchvision, python3-onnx, python3-numpy: "
         "scripts/install-deps.sh)";
}

#define REQUIRE_GENERATED(file) ASSERT_EQ(missing(file), "")

using testing::npz_map;
using testing::read_text;
using testing::run_cli_logged;

class OnnxTorchCli : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxTorchCli, PredictFromNpyAndTensorProto) {
  const fs::path model = generated("mlp.opset13.onnx");
  const fs::path input = generated("mlp.input_0." + GetParam());
  REQUIRE_GENERATED(model);
  REQUIRE_GENERATED(input);
  testing::TempDir dir;
  const fs::path out = dir / "out.npz";
  ASSERT_EQ(run_cli_logged("predict " + model.string() + " --input " + input.string() +
                               " --output " + out.string(),
                           dir / "log"),
            0)
      << testing::read_bytes(dir / "log").size() << " bytes of log in " << dir / "log";
  const auto outputs = npz_map(out);
  const auto expected = npz_map(generated("mlp.npz"));
  ASSERT_EQ(outputs.size(), 1u);
  ASSERT_TRUE(outputs.count("logits"));
  EXPECT_TRUE(testing::tensors_close(outputs.at("logits"), expected.at("output_0"), 1e-4, 0));
}

INSTANTIATE_TEST_SUITE_P(Inputs, OnnxTorchCli, ::testing::Values("npy", "pb"));

TEST(OnnxTorchCliMlp, SummaryListsNodesAndTotals) {
  const fs::path model = generated("mlp.opset17.onnx");
  REQUIRE_GENERATED(model);
  testing::TempDir dir;
  ASSERT_EQ(run_cli_logged("summary " + model.string(), dir / "out"), 0) << read_text(dir / "out");
  const std::string text = read_text(dir / "out");
  std::size_t gemms = 0;
  for (std::size_t at = text.find("(Gemm)"); at != std::string::npos;
       at = text.find("(Gemm)", at + 1))
    ++gemms;
  EXPECT_EQ(gemms, 3u) << text;
  // 784*512+512 + 512*512+512 + 512*10+10
  EXPECT_NE(text.find("Total params: 669,706"), std::string::npos) << text;
}

TEST(OnnxTorchCliMlp, InspectJson) {
  const fs::path model = generated("mlp.opset13.onnx");
  REQUIRE_GENERATED(model);
  testing::TempDir dir;
  ASSERT_EQ(run_cli_logged("inspect --json " + model.string(), dir / "out.json"), 0)
      << read_text(dir / "out.json");
  const Json j = Json::parse(read_text(dir / "out.json"));
  EXPECT_EQ(j["format"], "ONNX");
  EXPECT_EQ(j["producer"], "pytorch");
  ASSERT_EQ(j["inputs"].size(), 1u);
  EXPECT_EQ(j["inputs"][0]["name"], "input");
  EXPECT_EQ(j["inputs"][0]["shape"], Json::parse("[-1, 784]"));
  ASSERT_EQ(j["outputs"].size(), 1u);
  EXPECT_EQ(j["outputs"][0]["name"], "logits");
  EXPECT_EQ(j["outputs"][0]["shape"], Json::parse("[-1, 10]"));
  std::map<std::string, Json> weights;
  for (const Json& w : j["weights"]) weights[w["name"]] = w["shape"];
  EXPECT_EQ(weights.size(), 6u);
  EXPECT_EQ(weights["0.weight"], Json::parse("[512, 784]"));
  EXPECT_EQ(weights["4.bias"], Json::parse("[10]"));
}

TEST(OnnxTorchCliMlp, WeightsAreTorchsStateDict) {
  const fs::path model = generated("mlp.opset13.onnx");
  const fs::path state_dict = generated("mlp.weights.npz");
  REQUIRE_GENERATED(model);
  REQUIRE_GENERATED(state_dict);
  testing::TempDir dir;
  ASSERT_EQ(run_cli_logged("weights " + model.string() + " --output " + (dir / "w.npz").string(),
                           dir / "log"),
            0)
      << read_text(dir / "log");
  const auto written = npz_map(dir / "w.npz");
  const auto expected = npz_map(state_dict);
  ASSERT_EQ(written.size(), expected.size());
  for (const auto& [name, tensor] : expected) {
    ASSERT_TRUE(written.count(name)) << name;
    EXPECT_TRUE(testing::tensors_close(written.at(name), tensor, 0, 0)) << name;
  }
}

}  // namespace
}  // namespace nnload
