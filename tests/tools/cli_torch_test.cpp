// Every PyTorch file in ../shared/fixtures/real/pytorch read through the command line, as a
// user would: `nnload weights FILE --output W.npz` must hold every tensor keyed by its dotted
// path with torch's values, and `nnload inspect --json FILE` every tensor's dtype and shape and
// every non-tensor entry's repr, as NAME.expected.npz / NAME.expected.json record them.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli_run.hpp"
#include "support/fixtures.hpp"
#include "support/npz_map.hpp"
#include "support/temp_files.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::vector<std::string> shared_torch_files() {
  std::vector<std::string> files;
  const fs::path root = testing::shared_fixtures() / "real/pytorch";
  if (!fs::is_directory(root)) return files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().extension() == ".pt") files.push_back(fs::relative(e.path(), root).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

using testing::npz_map;
using testing::run_cli_logged;

// torch's values as nnload writes them: bfloat16 (stored in expected.npz as its int16 bits)
// goes to .npz as float32, which holds every bfloat16 exactly.
Tensor as_written(const Tensor& expected, const std::string& dtype) {
  if (dtype != "bfloat16") return expected;
  Tensor out = Tensor::empty(DType::f32, expected.shape());
  const auto* bits = static_cast<const std::uint16_t*>(expected.raw());
  for (std::int64_t i = 0; i < expected.numel(); ++i)
    out.mutable_data<float>()[i] = bfloat16_to_float(bits[i]);
  return out;
}

class SharedTorchFileCli : public ::testing::TestWithParam<std::string> {};

TEST_P(SharedTorchFileCli, WeightsAndInspectMatchTorch) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir dir;
  const fs::path file = testing::shared_fixtures() / "real/pytorch" / GetParam();
  const fs::path stem = file.parent_path() / file.stem();
  std::ifstream json_in(stem.string() + ".expected.json");
  const Json expected = Json::parse(json_in);
  const auto expected_arrays = npz_map(stem.string() + ".expected.npz");

  ASSERT_EQ(run_cli_logged("weights " + file.string() + " --output " + (dir / "w.npz").string(),
                           dir / "log"),
            0)
      << testing::read_bytes(dir / "log").size();
  const auto written = npz_map(dir / "w.npz");
  ASSERT_EQ(run_cli_logged("inspect --json " + file.string(), dir / "inspect.json"), 0);
  std::ifstream inspect_in(dir / "inspect.json");
  const Json inspect = Json::parse(inspect_in);

  std::set<std::string> seen;
  for (const Json& w : inspect["weights"]) {
    const std::string name = w["name"];
    seen.insert(name);
    ASSERT_TRUE(expected.contains(name)) << name;
    EXPECT_EQ(w["dtype"], expected[name]["dtype"]) << name;
    EXPECT_EQ(w["shape"], expected[name]["shape"]) << name;
    ASSERT_TRUE(written.count(name)) << name << " not in weights npz";
    const Tensor want = as_written(expected_arrays.at(name), expected[name]["dtype"]);
    const Tensor& got = written.at(name);
    ASSERT_EQ(got.shape(), want.shape()) << name;
    ASSERT_EQ(got.nbytes(), want.nbytes()) << name;
    EXPECT_EQ(std::memcmp(got.raw(), want.raw(), got.nbytes()), 0) << name << ": values differ";
  }
  for (const Json& v : inspect["values"]) {
    const std::string name = v["name"];
    seen.insert(name);
    ASSERT_TRUE(expected.contains(name)) << name;
    EXPECT_EQ(v["repr"], expected[name]) << name;
  }
  for (const auto& [name, entry] : expected.items())
    EXPECT_TRUE(seen.count(name)) << name << " missing";
  EXPECT_EQ(written.size(), inspect["weights"].size());
}

INSTANTIATE_TEST_SUITE_P(Shared, SharedTorchFileCli, ::testing::ValuesIn(shared_torch_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SharedTorchFileCli);

}  // namespace
}  // namespace nnload
