// Every SavedModel in tests/fixtures/savedmodel/manifest.json (written by make_savedmodels.py in
// the structure of real TensorFlow 2 Keras and TensorFlow 1 exports, references computed in
// numpy/torch): each signature's outputs, the listed signatures, the damaged directories and the
// bad calls, exactly as the manifest says.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

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
    std::ifstream in(testing::project_fixture("savedmodel/manifest.json"));
    return in ? Json::parse(in) : Json::object();
  }();
  return m;
}

fs::path fixture(const std::string& relative) {
  return testing::project_fixture("savedmodel/" + relative);
}

std::vector<std::string> keys_of(const char* section) {
  std::vector<std::string> keys;
  if (manifest().contains(section)) {
    for (const auto& [key, value] : manifest()[section].items()) keys.push_back(key);
  }
  return keys;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

ErrorCode code_named(const std::string& name) {
  for (ErrorCode c : {ErrorCode::not_found, ErrorCode::unknown_format, ErrorCode::unsupported,
                      ErrorCode::version, ErrorCode::corrupt, ErrorCode::shape,
                      ErrorCode::custom_layer_missing, ErrorCode::invalid_argument}) {
    if (error_code_name(c) == name) return c;
  }
  return ErrorCode::internal;
}

// "float32 [3,6]" -> a tensor of that type and shape filled with ones.
Tensor tensor_from_spec(const std::string& spec) {
  const std::string type = spec.substr(0, spec.find(' '));
  Shape shape;
  std::string dims = spec.substr(spec.find('[') + 1);
  dims = dims.substr(0, dims.find(']'));
  for (std::size_t start = 0; start < dims.size();) {
    const std::size_t comma = std::min(dims.find(',', start), dims.size());
    shape.push_back(std::stoll(dims.substr(start, comma - start)));
    start = comma + 1;
  }
  return Tensor::zeros(DType::f32, shape).to(*dtype_from_name(type));
}

class SavedModelFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(SavedModelFixture, EverySignatureBehavesAsTheManifestSays) {
  const Json& m = manifest()["models"][GetParam()];
  const Model model = load(fixture(m["dir"]));
  EXPECT_EQ(model.info().format, "TensorFlow SavedModel");
  ASSERT_EQ(model.signatures().size(), m["signatures"].size());
  for (const auto& [name, spec] : m["signatures"].items()) {
    SCOPED_TRACE("signature " + name);
    const Signature signature = model.signature(name);
    // Listed with the SignatureDef's keys, tensor names, dtypes and shapes.
    ASSERT_EQ(signature.info().inputs.size(), spec["inputs"].size());
    for (const SignatureTensor& t : signature.info().inputs) {
      const Json& want = spec["inputs"][t.key];
      EXPECT_EQ(t.tensor_name, want["tensor"].get<std::string>());
      EXPECT_EQ(std::string(dtype_name(t.dtype)), want["dtype"].get<std::string>());
      if (want.contains("shape") && want["shape"].is_array()) {
        EXPECT_EQ(t.shape, want["shape"].get<Shape>());
      }
    }
    std::map<std::string, Tensor> io;
    for (io::NamedTensor& t : io::load_npz(fixture(spec["io_npz"]))) io.emplace(t.name, t.tensor);
    std::map<std::string, Tensor> inputs;
    for (const auto& [key, _] : spec["inputs"].items()) inputs.emplace(key, io.at(key));
    if (spec.contains("expected_error")) {
      try {
        signature.run(inputs);
        ADD_FAILURE() << "ran";
      } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(e.code(), code_named(spec["expected_error"]["code"])) << msg;
        EXPECT_NE(msg.find("op '" + spec["expected_error"]["op"].get<std::string>() + "'"),
                  std::string::npos)
            << msg;
        EXPECT_NE(msg.find(spec["expected_error"]["node"].get<std::string>()), std::string::npos)
            << msg;
      }
      continue;
    }
    const std::map<std::string, Tensor> outputs = signature.run(inputs);
    ASSERT_EQ(outputs.size(), spec["outputs"].size());
    for (const auto& [key, _] : spec["outputs"].items()) {
      ASSERT_TRUE(outputs.count(key)) << key;
      EXPECT_TRUE(testing::tensors_close(outputs.at(key), io.at(key), 1e-5, 1e-5))
          << "output " << key;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Manifest, SavedModelFixture, ::testing::ValuesIn(keys_of("models")),
                         test_name);

class SavedModelBadDirectory : public ::testing::TestWithParam<std::string> {};

TEST_P(SavedModelBadDirectory, FailsWithTheExpectedError) {
  const Json& b = manifest()["bad"][GetParam()];
  try {
    const Model model = load(fixture(b["dir"]));
    // A damaged variable may only show when the signature that reads it is run.
    model.signature().run(
        {{model.signature().info().inputs[0].key, Tensor::zeros(DType::f32, {1, 6})}});
    ADD_FAILURE() << "loaded and ran";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code_named(b["error"])) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Manifest, SavedModelBadDirectory, ::testing::ValuesIn(keys_of("bad")),
                         test_name);

class SavedModelBadCall : public ::testing::TestWithParam<std::string> {};

TEST_P(SavedModelBadCall, FailsWithTheExpectedError) {
  const Json& c = manifest()["bad_calls"][GetParam()];
  try {
    LoadOptions options;
    if (c.contains("tags")) options.tags = c["tags"].get<std::vector<std::string>>();
    const Model model = load(fixture(c["dir"]), options);
    const Signature signature = model.signature(c.value("signature", ""));
    std::map<std::string, Tensor> inputs;
    const Json specs = c.value("inputs", Json::object());  // kept alive for the loop
    for (const auto& [key, spec] : specs.items()) inputs.emplace(key, tensor_from_spec(spec));
    signature.run(inputs);
    ADD_FAILURE() << "ran";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code_named(c["error"])) << e.what();
    if (c.contains("tags")) {
      EXPECT_NE(std::string(e.what()).find("serve"), std::string::npos) << e.what();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Manifest, SavedModelBadCall, ::testing::ValuesIn(keys_of("bad_calls")),
                         test_name);

TEST(SavedModelFixtures, ManifestIsPresent) { EXPECT_GE(keys_of("models").size(), 9u); }

}  // namespace
}  // namespace nnload
