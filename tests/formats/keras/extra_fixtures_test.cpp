// The project fixtures of the attention and extra layer families (tests/fixtures/keras/
// manifest.json, section "issue5": numpy/torch references written by make_keras_fixtures.py),
// in the forms the .h5 reader loads: predictions within max(1e-4, 1e-5 |y|), Keras' parameter
// totals, the summary's per-layer parameters and output shapes. The .keras forms are read by the
// archive reader and tested with it.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "io/npz.hpp"
#include "nnload/model.hpp"
#include "support/fixtures.hpp"
#include "support/keras_fixture_check.hpp"

namespace nnload {
namespace {

using Json = nlohmann::json;

const Json& issue5() {
  static const Json m = [] {
    std::ifstream in(testing::project_fixture("keras/manifest.json"));
    const Json all = in ? Json::parse(in) : Json::object();
    return all.value("issue5", Json::object());
  }();
  return m;
}

const std::set<std::string> kFamilies = {
    "attention_mha",     "attention_dense",     "conv_transpose", "volumetric",         "norm_dot",
    "locally_connected", "image_preprocessing", "tf_op_lambda",   "tensorflow_op_layer"};

std::vector<std::string> h5_entries() {
  std::vector<std::string> names;
  for (const auto& [name, entry] : issue5().items()) {
    if (kFamilies.count(entry.value("family", "")) && entry["files"].contains("h5"))
      names.push_back(name);
  }
  return names;
}

class KerasExtraFixture : public ::testing::TestWithParam<std::string> {
 protected:
  const Json& entry() const { return issue5()[GetParam()]; }
  std::filesystem::path file(const std::string& name) const {
    return testing::project_fixture("keras/" + name);
  }
};

TEST_P(KerasExtraFixture, LoadsAndMatchesTheReference) {
  const Json& e = entry();
  const Model model = load(file(e["files"]["h5"]));
  EXPECT_EQ(testing::printed_total(model, "Total params"), e["num_params"].get<int64_t>());
  EXPECT_EQ(testing::printed_total(model, "Trainable params"),
            e["trainable_params"].get<int64_t>());
  EXPECT_EQ(testing::printed_total(model, "Non-trainable params"),
            e["non_trainable_params"].get<int64_t>());

  ASSERT_EQ(model.inputs().size(), e["inputs"].size());
  ASSERT_EQ(model.outputs().size(), e["outputs"].size());
  const std::vector<io::NamedTensor> npz = io::load_npz(file(e["files"]["npz"]));
  auto array = [&](const std::string& key) {
    for (const io::NamedTensor& t : npz) {
      if (t.name == key) return t.tensor;
    }
    ADD_FAILURE() << "no " << key << " in the npz";
    return Tensor();
  };
  std::vector<Tensor> inputs;
  for (std::size_t i = 0; i < model.inputs().size(); ++i) {
    EXPECT_EQ(model.inputs()[i].name, e["inputs"][i]["name"].get<std::string>());
    inputs.push_back(array(e["inputs"][i]["npz_key"]));
  }
  const std::vector<Tensor> outputs = model.predict(inputs);
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_EQ(model.outputs()[i].name, e["outputs"][i]["name"].get<std::string>());
    EXPECT_TRUE(testing::matches_keras(outputs[i], array(e["outputs"][i]["npz_key"])))
        << "output " << model.outputs()[i].name;
  }
}

TEST_P(KerasExtraFixture, SummaryRowsMatchKeras) {
  const Json& e = entry();
  ASSERT_TRUE(e.contains("layers")) << "every .h5 entry of the manifest lists its layers";
  const Model model = load(file(e["files"]["h5"]));
  std::ostringstream out;
  model.summary(out);
  const std::string text = out.str();
  for (const Json& layer : e["layers"]) {
    const std::string name = layer["name"];
    const auto at = text.find(" " + name + " (" + layer["class_name"].get<std::string>() + ")");
    ASSERT_NE(at, std::string::npos) << "no row for " << name << " in\n" << text;
    const std::string row = text.substr(at, text.find('\n', at) - at);
    EXPECT_NE(row.find(" " + std::to_string(layer["params"].get<int64_t>())), std::string::npos)
        << "params of " << name << ": " << row;
    if (layer["output_shape"].is_array() && !layer["output_shape"].empty() &&
        !layer["output_shape"][0].is_array()) {
      Shape shape;
      for (const Json& d : layer["output_shape"])
        shape.push_back(d.is_null() ? -1 : d.get<int64_t>());
      EXPECT_NE(row.find(shape_to_string(shape)), std::string::npos)
          << "shape of " << name << ": " << row;
    }
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Issue5, KerasExtraFixture, ::testing::ValuesIn(h5_entries()), test_name);

TEST(KerasExtraFixtures, EveryFamilyHasAnH5Form) {
  std::set<std::string> seen;
  for (const std::string& name : h5_entries()) seen.insert(issue5()[name]["family"]);
  EXPECT_EQ(seen, kFamilies);
}

}  // namespace
}  // namespace nnload
