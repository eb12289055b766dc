// Every file in tests/fixtures/torch/manifest.json (made by make_torch_fixtures.py with torch
// 1.13), tested for what its manifest entry says nnload must do: read exactly as torch does,
// rebuild and run a whole module, fail with a given error, or load a malicious file inertly.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "formats/torch/torch_expected.hpp"
#include "formats/torch/torch_file.hpp"
#include "io/npz.hpp"
#include "nnload/model.hpp"
#include "support/fixtures.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const Json& manifest() {
  static const Json m = [] {
    std::ifstream in(testing::project_fixture("torch/manifest.json"));
    return in ? Json::parse(in) : Json::object();
  }();
  return m;
}

std::vector<std::string> files_of_kind(std::initializer_list<const char*> kinds) {
  std::vector<std::string> names;
  for (const auto& [name, entry] : manifest().items()) {
    for (const char* kind : kinds) {
      if (entry.value("kind", "") == kind &&
          fs::is_regular_file(testing::project_fixture("torch/" + name))) {
        names.push_back(name);
      }
    }
  }
  return names;
}

fs::path fixture(const std::string& name) { return testing::project_fixture("torch/" + name); }
const Json& entry(const std::string& name) { return manifest()[name]; }

// The manifest names the expected error code ("corrupt"), or several ("corrupt or
// unknown_format").
bool code_allowed(ErrorCode code, const std::string& allowed) {
  std::size_t start = 0;
  while (start <= allowed.size()) {
    const std::size_t end = std::min(allowed.find(" or ", start), allowed.size());
    if (allowed.substr(start, end - start) == error_code_name(code)) return true;
    start = end + 4;
  }
  return false;
}

// Runs the model on the io file's input and compares every output it stores (y, then the
// other keys in output order).
void expect_predicts(const fs::path& model_path, const fs::path& io_path) {
  const Model model = load(model_path);
  ASSERT_TRUE(model.can_predict()) << model_path;
  std::map<std::string, Tensor> io;
  for (const io::NamedTensor& t : io::load_npz(io_path)) io.emplace(t.name, t.tensor);
  const std::vector<Tensor> outputs = model.predict({io.at("x")});
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::string key = i == 0 ? "y" : model.outputs()[i].name;
    if (!io.count(key)) continue;
    EXPECT_TRUE(testing::tensors_close(outputs[i], io.at(key), 1e-5, 1e-5))
        << model_path << " output " << key;
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class TorchGoodFile : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchGoodFile, ReadsAsTorchDoesAndRuns) {
  const Json& e = entry(GetParam());
  const formats::torch::TorchFile file = formats::torch::read_torch_file(fixture(GetParam()));
  if (e.contains("expected")) testing::expect_matches_expected(fixture(GetParam()), file);
  if (e.value("run", "") == "predict") expect_predicts(fixture(GetParam()), fixture(e["io"]));
}

INSTANTIATE_TEST_SUITE_P(Manifest, TorchGoodFile, ::testing::ValuesIn(files_of_kind({"good"})),
                         test_name);

class TorchBadFile : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchBadFile, FailsWithTheExpectedError) {
  const std::string allowed = entry(GetParam())["error"];
  try {
    const Model model = load(fixture(GetParam()));
    // Some files load for inspection but can't run (TorchScript): predict gives the error.
    ASSERT_FALSE(model.can_predict()) << "loaded and runnable";
    try {
      model.predict({Tensor::zeros(DType::f32, {1, 1})});
      ADD_FAILURE() << "predicted";
    } catch (const Error& e) {
      EXPECT_TRUE(code_allowed(e.code(), allowed)) << allowed << ": " << e.what();
    }
  } catch (const Error& e) {
    EXPECT_TRUE(code_allowed(e.code(), allowed)) << allowed << ": " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Manifest, TorchBadFile,
                         ::testing::ValuesIn(files_of_kind({"bad", "unsupported"})), test_name);

class TorchEitherFile : public ::testing::TestWithParam<std::string> {};

// Files torch itself reads but whose contents disagree (a storage shorter or longer than its
// tensors say), or features nnload may refuse: reading exactly or the named error, and never a
// giant allocation.
TEST_P(TorchEitherFile, ReadsExactlyOrFailsCleanly) {
  const Json& e = entry(GetParam());
  try {
    const formats::torch::TorchFile file = formats::torch::read_torch_file(fixture(GetParam()));
    if (e.contains("expected"))
      testing::expect_matches_expected(fixture(GetParam()), file, e.value("kind", "") != "partial");
  } catch (const Error& err) {
    EXPECT_TRUE(code_allowed(err.code(), e["error"])) << err.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Manifest, TorchEitherFile,
                         ::testing::ValuesIn(files_of_kind({"good_or_unsupported", "inconsistent",
                                                            "partial"})),
                         test_name);

TEST(TorchMaliciousFiles, LoadInertlyAndSaySo) {
  const auto files = files_of_kind({"malicious"});
  ASSERT_FALSE(files.empty());
  for (const std::string& name : files) {
    SCOPED_TRACE(name);
    const fs::path marker = entry(name)["marker"].get<std::string>();
    fs::remove(marker);
    const Model model = load(fixture(name));
    EXPECT_FALSE(fs::exists(marker)) << "the payload ran";
    EXPECT_GE(model.weights().size(), 1u);
    std::string notes;
    for (const std::string& n : model.info().notes) notes += n + "\n";
    EXPECT_NE(notes.find("os.system"), std::string::npos) << notes;
  }
}

TEST(TorchUserClassModule, LoadsWeightsAndExplainsWhyItCantRun) {
  for (const std::string& name : files_of_kind({"user_class"})) {
    const Model model = load(fixture(name));
    EXPECT_FALSE(model.can_predict());
    EXPECT_GE(model.weights().size(), 9u);
    try {
      model.predict({Tensor::zeros(DType::f32, {1, 3, 8, 8})});
      FAIL() << "predicted";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_EQ(e.code(), ErrorCode::custom_layer_missing);
      EXPECT_NE(m.find("__main__.MyNet"), std::string::npos) << m;
      EXPECT_NE(m.find("forward() is Python code"), std::string::npos) << m;
      EXPECT_NE(m.find("head.weight [2, 4]"), std::string::npos) << m;
      EXPECT_NE(m.find("bn.running_mean [4]"), std::string::npos) << m;
    }
  }
}

TEST(TorchStateDict, PredictSaysItHoldsWeightsOnlyAndHowToProceed) {
  const Model model = load(fixture("seed.pth"));
  EXPECT_FALSE(model.can_predict());
  try {
    model.predict({Tensor::zeros(DType::f32, {1, 10})});
    FAIL() << "predicted";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("holds weights only"), std::string::npos) << m;
    EXPECT_NE(m.find("load_state_dict"), std::string::npos) << m;
    EXPECT_NE(m.find("nnload::nn"), std::string::npos) << m;
  }
}

TEST(TorchFixtures, ManifestIsPresent) { EXPECT_GE(files_of_kind({"good"}).size(), 15u); }

}  // namespace
}  // namespace nnload
