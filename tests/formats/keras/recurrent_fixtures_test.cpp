// The recurrent families of tests/fixtures/keras/manifest.json's "issue5" section (SimpleRNN,
// LSTM, GRU, Bidirectional, masks, TimeDistributed, ConvLSTM2D, CuDNN layers, Keras 1 per-gate
// weights) in their full-model .h5 forms: predictions against the generator's independent
// numpy/torch references, parameter totals and per-layer summary rows. The .keras and
// weights-only forms of the same models are read by the archive/weights readers.
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

bool recurrent_family(const std::string& family) {
  for (const char* f : {"rnn_basic", "rnn_state", "rnn_bidirectional", "rnn_masking",
                        "time_distributed", "conv_lstm2d", "cudnn_rnn", "keras1_rnn"}) {
    if (family == f) return true;
  }
  return false;
}

std::vector<std::string> h5_entries() {
  std::vector<std::string> names;
  for (const auto& [name, entry] : issue5().items()) {
    if (recurrent_family(entry.value("family", "")) && entry["files"].contains("h5"))
      names.push_back(name);
  }
  return names;
}

class KerasRecurrentFixture : public ::testing::TestWithParam<std::string> {
 protected:
  const Json& entry() const { return issue5()[GetParam()]; }
  std::filesystem::path file(const std::string& name) const {
    return testing::project_fixture("keras/" + name);
  }
};

TEST_P(KerasRecurrentFixture, MatchesTheReference) {
  const Json& e = entry();
  const Model model = load(file(e["files"]["h5"]));
  EXPECT_EQ(testing::printed_total(model, "Total params"), e["num_params"].get<int64_t>());
  EXPECT_EQ(testing::printed_total(model, "Trainable params"),
            e["trainable_params"].get<int64_t>());

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
    // The manifest names output i > 0 of a multi-output layer "<layer>__<i>"; Keras itself
    // uniquifies them, so only single-output layers' names are compared.
    const Json& expected = e["outputs"][i];
    if (!expected.contains("tensor_index")) {
      EXPECT_EQ(model.outputs()[i].name, expected["name"].get<std::string>());
    }
    EXPECT_TRUE(testing::matches_keras(outputs[i], array(expected["npz_key"])))
        << "output " << expected["name"].get<std::string>();
  }
}

TEST_P(KerasRecurrentFixture, SummaryRowsMatchKeras) {
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
  }
}

INSTANTIATE_TEST_SUITE_P(Issue5, KerasRecurrentFixture, ::testing::ValuesIn(h5_entries()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(KerasRecurrentFixtures, EveryFamilyHasAnH5Form) {
  std::set<std::string> families;
  for (const std::string& name : h5_entries()) families.insert(issue5()[name]["family"]);
  EXPECT_EQ(families.size(), 8u);
}

}  // namespace
}  // namespace nnload
