// Replays every committed fuzz finding (tests/fixtures/fuzz_regressions/<target>/<file>) through
// the entry point its libFuzzer target runs (fuzz/entry_points.hpp): each must load or be refused
// with nnload::Error, never crash or throw anything else. Also checks that each entry point is
// wired to its reader: a valid fixture is accepted, an empty input refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "entry_points.hpp"
#include "support/fixtures.hpp"
#include "support/temp_files.hpp"

namespace nnload::fuzz {
namespace {

std::filesystem::path regressions_dir() { return testing::project_fixture("fuzz_regressions"); }

std::vector<std::uint8_t> file_bytes(const std::filesystem::path& path) {
  const std::vector<std::byte> bytes = testing::read_bytes(path);
  std::vector<std::uint8_t> out(bytes.size());
  std::transform(bytes.begin(), bytes.end(), out.begin(),
                 [](std::byte b) { return static_cast<std::uint8_t>(b); });
  return out;
}

struct Finding {
  std::string target;
  std::filesystem::path file;
};

std::vector<Finding> findings() {
  std::vector<Finding> out;
  std::error_code ec;
  for (const auto& dir : std::filesystem::directory_iterator(regressions_dir(), ec)) {
    if (!dir.is_directory()) continue;
    for (const auto& file : std::filesystem::directory_iterator(dir.path())) {
      if (file.is_regular_file()) out.push_back({dir.path().filename().string(), file.path()});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Finding& a, const Finding& b) { return a.file < b.file; });
  return out;
}

std::string test_name(const ::testing::TestParamInfo<Finding>& info) {
  std::string name = info.param.target + "_" + info.param.file.stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class FuzzRegression : public ::testing::TestWithParam<Finding> {};

TEST_P(FuzzRegression, LoadsOrFailsWithError) {
  const Finding& finding = GetParam();
  const Target* target = find_target(finding.target);
  ASSERT_NE(target, nullptr) << "no fuzz target named '" << finding.target << "'";
  const std::vector<std::uint8_t> bytes = file_bytes(finding.file);
  EXPECT_NO_THROW(target->run(bytes)) << finding.file;
}

INSTANTIATE_TEST_SUITE_P(Findings, FuzzRegression, ::testing::ValuesIn(findings()), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(FuzzRegression);

TEST(FuzzRegressions, EveryDirectoryNamesATarget) {
  std::error_code ec;
  for (const auto& dir : std::filesystem::directory_iterator(regressions_dir(), ec)) {
    if (dir.is_directory()) {
      EXPECT_NE(find_target(dir.path().filename().string()), nullptr) << dir.path();
    }
  }
}

TEST(FuzzEntryPoints, RefuseAnEmptyInput) {
  for (const Target& target : targets()) {
    SCOPED_TRACE(std::string(target.name));
    EXPECT_EQ(target.run({}), Outcome::rejected);
  }
}

// A valid input per target, so that a harness that never reaches its reader fails here.
struct ValidInput {
  const char* target;
  std::vector<std::uint8_t> bytes;
};

std::vector<std::uint8_t> fixture(const std::string& relative) {
  return file_bytes(testing::project_fixture(relative));
}

// The tensor_bundle target's input: u32 index size, the index, the data shard.
std::vector<std::uint8_t> bundle_input(const std::string& dir) {
  const std::vector<std::uint8_t> index = fixture(dir + "/variables.index");
  const std::vector<std::uint8_t> data = fixture(dir + "/variables.data-00000-of-00001");
  std::vector<std::uint8_t> out;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(index.size() >> (8 * i)));
  out.insert(out.end(), index.begin(), index.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

TEST(FuzzEntryPoints, AcceptAValidInput) {
  const std::string config = "keras/archives/tiny_mlp.json";
  const std::vector<ValidInput> inputs = {
      {"hdf5",
       file_bytes(std::filesystem::path(NNLOAD_SOURCE_DIR) / "examples/models/digits_cnn.h5")},
      {"keras_config", fixture(config)},
      {"keras_archive", fixture("keras/archives/nested.keras")},
      {"zip", fixture("io/stored.npz")},
      {"pickle", fixture("pickle/torch/legacy.pt")},
      {"torch_zip", fixture("nn/linear.pth")},
      {"torch_legacy", fixture("pickle/torch/legacy.pt")},
      {"savedmodel_pb", fixture("savedmodel/keras_mlp/saved_model.pb")},
      {"tensor_bundle", bundle_input("savedmodel/keras_mlp/variables")},
      {"npy", fixture("io/v2_i4.npy")},
      {"npz", fixture("io/deflated.npz")},
      {"cli_input", fixture("keras/archives/references.npz")},
  };
  std::vector<ValidInput> all = inputs;
  // No ONNX model is committed (tests/fixtures/onnx generates them); the shared ones are small.
  const auto onnx = testing::shared_fixtures() / "real/onnx/onnx_backend_node/test_relu/model.onnx";
  if (std::filesystem::exists(onnx)) all.push_back({"onnx", file_bytes(onnx)});
  for (const ValidInput& input : all) {
    SCOPED_TRACE(input.target);
    const Target* target = find_target(input.target);
    ASSERT_NE(target, nullptr);
    EXPECT_EQ(target->run(input.bytes), Outcome::accepted);
  }
}

}  // namespace
}  // namespace nnload::fuzz
