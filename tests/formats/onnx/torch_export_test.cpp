// Models exported by Debian's torch 1.13 (torch.onnx.export, opsets 13 and 17): torchvision
// ResNet-18 and MobileNetV2, an MLP, a 2-layer LSTM and an nn.TransformerEncoder. nnload's outputs
// must be within 1e-4 (absolute, no relative term) of torch's own. The files are large, so they
// are not committed: tests/fixtures/onnx/make_onnx_fixtures.py writes them into the build tree
// (ctest runs it first, as the onnx_torch_fixtures setup test). A missing file is a failure, not
// a skip: the script and its packages come with scripts/install-deps.sh.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nnload/nnload.hpp"
#include "support/npz_map.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr double kAtol = 1e-4;

fs::path generated(const std::string& file) {
  return fs::path(NNLOAD_GENERATED_FIXTURES) / "onnx" / file;
}

// Empty when the file exists, else how to make it.
std::string missing(const fs::path& path) {
  if (fs::exists(path)) return "";
  return path.string() +
         " is missing. ctest makes it (setup test onnx_torch_fixtures); by hand: "
         "/usr/bin/python3 " NNLOAD_SOURCE_DIR "/tests/fixtures/onnx/make_onnx_fixtures.py --out " +
         path.parent_path().string() +
         " (needs python3-torch, python3-torchvision, python3-onnx, python3-numpy: "
         "scripts/install-deps.sh)";
}

#define REQUIRE_GENERATED(file) ASSERT_EQ(missing(file), "")

using testing::npz_map;

Json read_json(const fs::path& p) {
  std::ifstream in(p);
  return Json::parse(in);
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  double worst = 0;
  for (std::int64_t i = 0; i < std::min(a.numel(), b.numel()); ++i)
    worst = std::max(worst, std::abs(a.value_as_double(i) - b.value_as_double(i)));
  return worst;
}

// Inputs `prefix`input_0, input_1, ... of the .npz, in order.
std::vector<Tensor> numbered(const std::map<std::string, Tensor>& arrays, const std::string& stem) {
  std::vector<Tensor> out;
  for (int k = 0;; ++k) {
    const auto it = arrays.find(stem + "_" + std::to_string(k));
    if (it == arrays.end()) break;
    out.push_back(it->second);
  }
  return out;
}

struct Case {
  std::string model;
  int opset;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.model << " opset " << c.opset; }

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.model + "_opset" + std::to_string(info.param.opset);
}

class TorchExport : public ::testing::TestWithParam<Case> {
 protected:
  std::string stem() const {
    return GetParam().model + ".opset" + std::to_string(GetParam().opset);
  }
};

TEST_P(TorchExport, OutputsMatchTorch) {
  const fs::path onnx_file = generated(stem() + ".onnx");
  const fs::path npz_file = generated(GetParam().model + ".npz");
  REQUIRE_GENERATED(onnx_file);
  REQUIRE_GENERATED(npz_file);
  const Model model = load(onnx_file);
  const auto arrays = npz_map(npz_file);
  const std::vector<Tensor> inputs = numbered(arrays, "input");
  const std::vector<Tensor> expected = numbered(arrays, "output");
  ASSERT_FALSE(inputs.empty());

  const auto start = std::chrono::steady_clock::now();
  const std::vector<Tensor> outputs = model.predict(inputs);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(outputs.size(), expected.size());
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    ASSERT_EQ(outputs[k].dtype(), DType::f32) << "output " << k;
    EXPECT_TRUE(testing::tensors_close(outputs[k], expected[k], kAtol, 0)) << "output " << k;
    std::cout << stem() << " output " << k << " (" << model.outputs()[k].name
              << "): max |nnload - torch| = " << max_abs_diff(outputs[k], expected[k]) << '\n';
  }
  std::cout << stem() << ": first predict " << ms << " ms\n";
}

// A dynamic batch axis is honoured: the MLP, exported with batch "batch", runs on 4 rows.
TEST(TorchExportMlp, DynamicBatchMatchesTorch) {
  const fs::path npz_file = generated("mlp.npz");
  REQUIRE_GENERATED(npz_file);
  const auto arrays = npz_map(npz_file);
  const std::vector<Tensor> inputs = numbered(arrays, "batch4.input");
  const std::vector<Tensor> expected = numbered(arrays, "batch4.output");
  ASSERT_EQ(inputs.size(), 1u);
  ASSERT_EQ(inputs[0].shape(), (Shape{4, 784}));
  for (int opset : {13, 17}) {
    const fs::path onnx_file = generated("mlp.opset" + std::to_string(opset) + ".onnx");
    REQUIRE_GENERATED(onnx_file);
    const std::vector<Tensor> outputs = load(onnx_file).predict(inputs);
    ASSERT_EQ(outputs.size(), 1u);
    EXPECT_TRUE(testing::tensors_close(outputs[0], expected[0], kAtol, 0)) << "opset " << opset;
  }
}

void expect_declared(const std::vector<TensorInfo>& actual, const Json& expected,
                     const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].name, expected[i]["name"].get<std::string>()) << what << ' ' << i;
    EXPECT_EQ(actual[i].shape, expected[i]["shape"].get<Shape>()) << what << ' ' << i;
    EXPECT_EQ(actual[i].dtype, DType::f32) << what << ' ' << i;
  }
}

// inputs()/outputs(), weights() and summary() against what the onnx package reads from the file.
TEST_P(TorchExport, DescribesTheFile) {
  const fs::path onnx_file = generated(stem() + ".onnx");
  const fs::path json_file = generated(stem() + ".json");
  REQUIRE_GENERATED(onnx_file);
  REQUIRE_GENERATED(json_file);
  const Json facts = read_json(json_file);
  const Model model = load(onnx_file);

  EXPECT_EQ(model.info().format, "ONNX");
  EXPECT_EQ(model.info().producer, "pytorch");
  EXPECT_NE(model.info().metadata.at("opset_import").find(std::to_string(GetParam().opset)),
            std::string::npos);
  expect_declared(model.inputs(), facts["inputs"], "input");
  expect_declared(model.outputs(), facts["outputs"], "output");

  const std::vector<WeightInfo> weights = model.weights();
  std::int64_t weight_values = 0;
  for (const WeightInfo& w : weights) weight_values += shape_size(w.shape);
  EXPECT_EQ(static_cast<std::int64_t>(weights.size()), facts["initializers"].get<std::int64_t>());
  EXPECT_EQ(weight_values, facts["initializer_params"].get<std::int64_t>());

  std::ostringstream summary;
  model.summary(summary);
  const std::string text = summary.str();
  // Totals as summary prints them ("Total params: 11,689,512").
  std::string total = std::to_string(facts["initializer_params"].get<std::int64_t>());
  for (int i = static_cast<int>(total.size()) - 3; i > 0; i -= 3) total.insert(i, ",");
  EXPECT_NE(text.find("Total params: " + total + "\n"), std::string::npos) << text;
  // One row per node, "(Op)" after its name. Constant nodes become values of the graph, not
  // rows: nnload folds them at read time.
  for (const auto& [op, count] : facts["nodes"].items()) {
    if (op == "Constant") continue;
    std::size_t rows = 0;
    for (std::size_t at = text.find(" (" + op + ")"); at != std::string::npos;
         at = text.find(" (" + op + ")", at + 1))
      ++rows;
    EXPECT_EQ(rows, count.get<std::size_t>()) << op << " rows in\n" << text;
  }
}

// The exported CNNs are channels-first; they run channels-last (to_channels_last) with one
// Transpose in (the image) and one out (before Flatten), not a reorder around every Conv.
TEST(TorchExportConvNets, RunChannelsLastWithTwoTransposes) {
  for (const std::string name : {"resnet18", "mobilenet_v2"}) {
    const fs::path onnx_file = generated(name + ".opset17.onnx");
    const fs::path npz_file = generated(name + ".npz");
    REQUIRE_GENERATED(onnx_file);
    REQUIRE_GENERATED(npz_file);
    const Model model = load(onnx_file);
    const std::vector<Tensor> inputs = numbered(npz_map(npz_file), "input");
    std::map<std::string, int> nodes;
    for (const OpProfile& row : model.profile(inputs, 1)) nodes[row.op] = row.nodes;
    EXPECT_EQ(nodes["Transpose"], 2) << name;
    EXPECT_EQ(nodes["Conv"], 0) << name << ": a channels-first Conv is left";
    EXPECT_EQ(nodes["nnload.Conv"], name == "resnet18" ? 20 : 52) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, TorchExport,
                         ::testing::Values(Case{"mlp", 13}, Case{"mlp", 17}, Case{"lstm", 13},
                                           Case{"lstm", 17}, Case{"resnet18", 13},
                                           Case{"resnet18", 17}, Case{"mobilenet_v2", 13},
                                           Case{"mobilenet_v2", 17}, Case{"transformer", 13},
                                           Case{"transformer", 17}),
                         case_name);

}  // namespace
}  // namespace nnload
