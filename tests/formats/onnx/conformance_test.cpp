// The ONNX conformance cases in ../shared/fixtures/real/onnx: every case's model.onnx run on its
// test_data_set_*/input_N.pb must give output_N.pb (ONNX's backend tolerance: rtol 1e-3,
// atol 1e-7). Cases nnload can't run are listed with the reason README.md gives; the list must
// stay exact (a listed case that starts to pass fails the test, so the list is kept honest).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "formats/onnx/tensor_proto.hpp"
#include "nnload/nnload.hpp"
#include "support/fixtures.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;

// Case name -> why nnload can't run it (README.md, "ONNX: what is not supported").
const std::map<std::string, std::string>& explained_failures() {
  static const std::map<std::string, std::string> cases = {
      {"test_gradient_of_add", "Gradient (ai.onnx.preview.training) is a training op"},
      {"test_gradient_of_add_and_mul", "Gradient (ai.onnx.preview.training) is a training op"},
  };
  return cases;
}

std::vector<fs::path> case_dirs() {
  std::vector<fs::path> dirs;
  const fs::path root = testing::shared_fixtures() / "real" / "onnx";
  if (!fs::is_directory(root)) return dirs;
  for (const auto& suite : fs::directory_iterator(root)) {
    if (!suite.is_directory()) continue;
    for (const auto& c : fs::directory_iterator(suite.path())) {
      if (fs::exists(c.path() / "model.onnx")) dirs.push_back(c.path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::vector<fs::path> numbered(const fs::path& dir, const std::string& stem) {
  std::vector<fs::path> files;
  for (int i = 0;; ++i) {
    const fs::path f = dir / (stem + "_" + std::to_string(i) + ".pb");
    if (!fs::exists(f)) break;
    files.push_back(f);
  }
  return files;
}

// Empty when the case passes, else what went wrong.
std::string run_case(const fs::path& dir) {
  try {
    const Model model = load(dir / "model.onnx");
    int sets = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (!entry.is_directory() || entry.path().filename().string().rfind("test_data_set_", 0) != 0)
        continue;
      ++sets;
      std::vector<Tensor> inputs;
      for (const fs::path& f : numbered(entry.path(), "input"))
        inputs.push_back(formats::onnx::load_tensor_proto_file(f).value);
      const std::vector<Tensor> outputs = model.predict(inputs);
      const std::vector<fs::path> expected = numbered(entry.path(), "output");
      if (outputs.size() != expected.size()) {
        return fmt::format("{} outputs, expected {}", outputs.size(), expected.size());
      }
      for (std::size_t o = 0; o < outputs.size(); ++o) {
        const Tensor want = formats::onnx::load_tensor_proto_file(expected[o]).value;
        if (outputs[o].dtype() != want.dtype()) {
          return fmt::format("output {} is {}, expected {}", o, dtype_name(outputs[o].dtype()),
                             dtype_name(want.dtype()));
        }
        if (want.dtype() == DType::string) {
          const std::span<const std::string> got = outputs[o].values<std::string>();
          const std::span<const std::string> wanted = want.values<std::string>();
          if (outputs[o].shape() != want.shape() ||
              !std::equal(got.begin(), got.end(), wanted.begin(), wanted.end()))
            return fmt::format("output {}: strings differ", o);
          continue;
        }
        const auto close = testing::tensors_close(outputs[o], want, 1e-7, 1e-3);
        if (!close) return fmt::format("output {}: {}", o, close.message());
      }
    }
    if (sets == 0) return "no test_data_set_* folder";
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

TEST(OnnxConformance, AtLeast95PercentPassAndEveryFailureIsExplained) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const std::vector<fs::path> dirs = case_dirs();
  ASSERT_GE(dirs.size(), 78U) << "the shared fixtures hold 78 ONNX cases";
  int passed = 0;
  int failed = 0;
  for (const fs::path& dir : dirs) {
    const std::string name = dir.filename().string();
    const std::string problem = run_case(dir);
    const auto explained = explained_failures().find(name);
    if (problem.empty()) {
      ++passed;
      EXPECT_EQ(explained, explained_failures().end())
          << name << " passes now: remove it from the list of explained failures and README";
    } else {
      ++failed;
      std::printf("FAILED %s: %s\n", name.c_str(), problem.c_str());
      EXPECT_NE(explained, explained_failures().end())
          << name << " fails without an explanation in README: " << problem;
    }
  }
  std::printf("ONNX conformance: %d passed, %d failed\n", passed, failed);
  EXPECT_GE(passed * 100, 95 * (passed + failed));
}

}  // namespace
}  // namespace nnload
