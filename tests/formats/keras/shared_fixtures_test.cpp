// Every full-model .h5 under ../shared/fixtures (Keras 3.15 files in keras3/, Keras 1.x/2.x
// files in real/keras_h5/) is enumerated at test time, so a newly added fixture is tested without
// code changes. A model whose layers nnload implements (Keras 1's Convolution1D/2D and Merge
// among them) must load, match Keras' stored prediction within max(1e-4, 1e-5 |y|) and report
// Keras' parameter totals; any other must fail to load with an nnload::Error that names its
// unsupported layer class. The recurrent ones must be in scope.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "formats/keras/config.hpp"
#include "formats/keras/layers/layers.hpp"
#include "formats/keras/weights.hpp"
#include "io/hdf5/hdf5.hpp"
#include "io/npz.hpp"
#include "nnload/model.hpp"
#include "support/fixtures.hpp"
#include "support/keras_fixture_check.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::vector<std::string> full_model_files() {
  std::vector<std::string> files;
  if (!testing::have_shared_fixtures()) return files;
  for (const char* dir : {"keras3", "real/keras_h5"}) {
    const fs::path root = testing::shared_fixtures() / dir;
    if (!fs::is_directory(root)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (entry.path().extension() != ".h5") continue;
      try {
        const auto file = io::hdf5::open(entry.path());
        if (file->root().has_attribute("model_config"))
          files.push_back(fs::relative(entry.path(), testing::shared_fixtures()).string());
      } catch (const Error&) {
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Classes of every layer, nested models included.
void collect_classes(const formats::keras::ModelConfig& config, std::set<std::string>& out) {
  for (const auto& layer : config.layers) {
    if (layer.nested) {
      collect_classes(*layer.nested, out);
    } else {
      out.insert(layer.class_name);
    }
  }
}

std::set<std::string> unsupported_classes(const fs::path& path) {
  const auto file = io::hdf5::open(path);
  const auto config = formats::keras::parse_model_config(
      Json::parse(file->root().string_attribute("model_config")));
  std::set<std::string> classes, missing;
  collect_classes(config, classes);
  for (const std::string& c : classes) {
    if (c != "InputLayer" && !formats::keras::find_layer_builder(c)) missing.insert(c);
  }
  return missing;
}

// Sum of the sizes of the weights the file lists for its layers.
std::int64_t stored_parameters(const fs::path& path) {
  const auto file = io::hdf5::open(path);
  const formats::keras::LayerWeights weights =
      formats::keras::read_layer_weights(file->root().group("model_weights"));
  std::int64_t n = 0;
  for (const auto& [layer, list] : weights.layers) {
    for (const auto& w : list) n += w.value.numel();
  }
  return n;
}

struct Reference {
  std::map<std::string, Tensor> inputs;   // by input name (or "x" for the single input)
  std::map<std::string, Tensor> outputs;  // by output name (or "y")
};

// keras3/NAME.h5 -> NAME.npz (x/y or x__name/y__name); real/.../P_model.h5 ->
// P_inputs_and_outputs.h5 (inputs/<name>, predictions/<name>).
std::optional<Reference> reference_for(const fs::path& model) {
  Reference ref;
  const fs::path npz = fs::path(model).replace_extension(".npz");
  if (fs::exists(npz)) {
    for (const io::NamedTensor& t : io::load_npz(npz)) {
      if (t.name == "x" || t.name.rfind("x__", 0) == 0)
        ref.inputs[t.name == "x" ? "x" : t.name.substr(3)] = t.tensor;
      if (t.name == "y" || t.name.rfind("y__", 0) == 0)
        ref.outputs[t.name == "y" ? "y" : t.name.substr(3)] = t.tensor;
    }
    return ref;
  }
  const std::string stem = model.filename().string();
  const std::string suffix = "_model.h5";
  if (stem.size() <= suffix.size() ||
      stem.compare(stem.size() - suffix.size(), suffix.size(), suffix) != 0)
    return std::nullopt;
  const fs::path io_file = model.parent_path() /
                           (stem.substr(0, stem.size() - suffix.size()) + "_inputs_and_outputs.h5");
  if (!fs::exists(io_file)) return std::nullopt;
  const auto file = io::hdf5::open(io_file);
  const io::hdf5::Group root = file->root();
  for (const std::string& name : root.group("inputs").children())
    ref.inputs[name] = root.group("inputs").dataset(name).read();
  for (const std::string& name : root.group("predictions").children()) {
    ref.outputs[name] = root.group("predictions").dataset(name).read();
  }
  return ref;
}

const Tensor* pick(const std::map<std::string, Tensor>& m, const std::string& name,
                   std::size_t count) {
  auto it = m.find(name);
  if (it != m.end()) return &it->second;
  if (count == 1 && m.size() == 1) return &m.begin()->second;
  return nullptr;
}

// Files whose every layer nnload implements: they must load and match Keras' predictions, never
// take the out-of-scope branch below.
const std::set<std::string> kMustMatch = {"keras3/transformer_block.h5"};

class SharedKerasFile : public ::testing::TestWithParam<std::string> {};

TEST_P(SharedKerasFile, LoadsPredictsAndCountsLikeKeras) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const fs::path path = testing::shared_fixtures() / GetParam();
  const std::set<std::string> missing = unsupported_classes(path);
  // Keras 1's convolutions and Merge are implemented: their files must match Keras, never fall
  // back to the out-of-scope path below.
  for (const char* required : {"Convolution1D", "Convolution2D", "Merge"})
    EXPECT_EQ(missing.count(required), 0u) << required << " must be implemented";
  if (!missing.empty()) {
    EXPECT_EQ(kMustMatch.count(GetParam()), 0u)
        << GetParam() << " must load, but its " << *missing.begin() << " has no builder";
    // Not in this release's layer list: the load must fail cleanly, naming the class.
    try {
      load(path);
      ADD_FAILURE() << "loaded although it uses " << *missing.begin();
    } catch (const Error& e) {
      EXPECT_TRUE(e.code() == ErrorCode::custom_layer_missing || e.code() == ErrorCode::unsupported)
          << e.what();
      bool names_one = false;
      for (const std::string& c : missing)
        names_one = names_one || std::string(e.what()).find(c) != std::string::npos;
      EXPECT_TRUE(names_one) << e.what();
    }
    std::cout << "[ out of scope ] " << GetParam()
              << ": layers not implemented yet: " << *missing.begin()
              << (missing.size() > 1 ? " ..." : "") << '\n';
    return;
  }
  const Model model = load(path);

  // Parameter totals: Keras' manifest for keras3/, the stored weights' sizes for the real files.
  std::int64_t expected_total = stored_parameters(path);
  const fs::path manifest_path = path.parent_path() / "manifest.json";
  if (fs::exists(manifest_path)) {
    std::ifstream in(manifest_path);
    const Json manifest = Json::parse(in);
    const std::string name = path.stem().string();
    if (manifest["models"].contains(name))
      expected_total = manifest["models"][name]["num_params"].get<int64_t>();
  }
  EXPECT_EQ(testing::printed_total(model, "Total params"), expected_total);

  const std::optional<Reference> ref = reference_for(path);
  if (kMustMatch.count(GetParam())) {
    ASSERT_TRUE(ref.has_value()) << GetParam() << " has no stored prediction";
  }
  if (!ref) {
    std::cout << "[ no reference ] " << GetParam() << ": loads; no stored prediction to compare\n";
    return;
  }
  std::vector<Tensor> inputs;
  for (const TensorInfo& input : model.inputs()) {
    const Tensor* x = pick(ref->inputs, input.name, model.inputs().size());
    ASSERT_NE(x, nullptr) << "no stored input for " << input.name;
    inputs.push_back(*x);
  }
  const std::vector<Tensor> outputs = model.predict(inputs);
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const Tensor* y = pick(ref->outputs, model.outputs()[i].name, outputs.size());
    ASSERT_NE(y, nullptr) << "no stored prediction for " << model.outputs()[i].name;
    EXPECT_TRUE(testing::matches_keras(outputs[i], *y)) << "output " << model.outputs()[i].name;
  }
}

INSTANTIATE_TEST_SUITE_P(Shared, SharedKerasFile, ::testing::ValuesIn(full_model_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SharedKerasFile);

// The recurrent files (keras3/text_rnn*, the Keras 1/2 LSTM/SimpleRNN/Bidirectional models) are
// in scope: they must load and match Keras above, never fall back to "must fail naming the class".
TEST(SharedKerasFiles, RecurrentModelsAreInScope) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  std::size_t recurrent = 0;
  for (const std::string& file : full_model_files()) {
    const fs::path path = testing::shared_fixtures() / file;
    const auto h5 = io::hdf5::open(path);
    std::set<std::string> classes;
    collect_classes(formats::keras::parse_model_config(
                        Json::parse(h5->root().string_attribute("model_config"))),
                    classes);
    bool uses_rnn = false;
    for (const char* c : {"LSTM", "GRU", "SimpleRNN", "Bidirectional", "NotEqual"})
      uses_rnn = uses_rnn || classes.count(c) > 0;
    if (!uses_rnn) continue;
    ++recurrent;
    EXPECT_TRUE(unsupported_classes(path).empty())
        << file << " uses " << *unsupported_classes(path).begin();
  }
  EXPECT_GE(recurrent, 15u);
}

TEST(SharedKerasFiles, AreFoundWhenPresent) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  EXPECT_GT(full_model_files().size(), 50u);
}

}  // namespace
}  // namespace nnload
