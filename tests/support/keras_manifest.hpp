// The project's Keras fixtures as tests/fixtures/keras/manifest.json describes them: any entry of
// any section ("models": the first round's full-model .h5 files; "issue5": every form added for
// issue 5, keyed by file name) loaded in its own form (full .h5, .keras archive, Keras 3
// .weights.h5 + config, legacy save_weights .h5 + config) and checked against the manifest:
// Keras' predictions, parameter totals, the layer table, or the expected error.
//
//   const Json e = keras_manifest::entry("issue5", "embedding.k3.weights.h5");
//   const Model model = keras_manifest::load_entry(e);
//   EXPECT_TRUE(keras_manifest::predicts_like_reference(model, e));
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "io/npz.hpp"
#include "nnload/model.hpp"
#include "support/fixtures.hpp"
#include "support/keras_fixture_check.hpp"

namespace nnload::testing::keras_manifest {

using Json = nlohmann::json;

inline const Json& manifest() {
  static const Json m = [] {
    std::ifstream in(project_fixture("keras/manifest.json"));
    return in ? Json::parse(in) : Json::object();
  }();
  return m;
}

inline std::filesystem::path fixture(const std::string& name) {
  return project_fixture("keras/" + name);
}

// The entry `name` of `section`, completed with the layer table and notes of the entry its
// "model_of" names (in either section): the forms of one model share those.
inline Json entry(const std::string& section, const std::string& name) {
  Json e = manifest().at(section).at(name);
  if (e.contains("model_of")) {
    const std::string of = e["model_of"];
    const Json& base = manifest()["issue5"].contains(of) ? manifest()["issue5"][of]
                                                         : manifest().at("models").at(of);
    for (const char* key :
         {"layers", "notes", "layer_classes", "custom_layers", "lambda_functions"}) {
      if (!e.contains(key) && base.contains(key)) e[key] = base[key];
    }
  }
  e["entry_name"] = name;
  return e;
}

// Entry names of `section` whose family is one of `families` (every family when empty).
inline std::vector<std::string> entry_names(const std::string& section,
                                            const std::set<std::string>& families = {}) {
  std::vector<std::string> names;
  if (!manifest().contains(section)) return names;
  for (const auto& [name, e] : manifest()[section].items()) {
    if (families.empty() || families.count(e.value("family", ""))) names.push_back(name);
  }
  return names;
}

// The families of the first round (the "models" section), errors excepted.
inline std::set<std::string> first_round_families() {
  std::set<std::string> out;
  if (!manifest().contains("models")) return out;
  for (const auto& [name, e] : manifest()["models"].items()) {
    if (e.value("family", "") != "errors") out.insert(e.value("family", ""));
  }
  return out;
}

// The form: "h5", "keras", "weights_h5", "legacy_weights_h5" or "error" (the "models" section,
// which predates the key, holds full .h5 files).
inline std::string form_of(const Json& e) { return e.value("format", "h5"); }

inline bool is_error(const Json& e) { return e.contains("expected_error"); }

// Loads the entry's model the way its form asks: a full file by itself, weights with their
// config through load_keras.
inline Model load_entry(const Json& e, const LoadOptions& options = {}) {
  const Json& files = e.at("files");
  if (files.contains("weights")) {
    return load_keras(fixture(files["config"]).string(), fixture(files["weights"]), options);
  }
  if (files.contains("keras")) return load(fixture(files["keras"]), options);
  return load(fixture(files.at("h5")), options);
}

// Runs the model on the npz's inputs and compares every output with the npz's references
// (max(1e-4, 1e-5 |y|)), inputs and outputs in the manifest's order and with its names.
inline ::testing::AssertionResult predicts_like_reference(const Model& model, const Json& e) {
  const std::vector<io::NamedTensor> npz = io::load_npz(fixture(e.at("files").at("npz")));
  auto array = [&](const std::string& key) -> const Tensor* {
    for (const io::NamedTensor& t : npz) {
      if (t.name == key) return &t.tensor;
    }
    return nullptr;
  };
  if (model.inputs().size() != e["inputs"].size() ||
      model.outputs().size() != e["outputs"].size()) {
    return ::testing::AssertionFailure()
           << model.inputs().size() << " inputs / " << model.outputs().size()
           << " outputs, the manifest lists " << e["inputs"].size() << " / " << e["outputs"].size();
  }
  std::vector<Tensor> inputs;
  for (std::size_t i = 0; i < model.inputs().size(); ++i) {
    const std::string name = e["inputs"][i]["name"];
    if (model.inputs()[i].name != name)
      return ::testing::AssertionFailure() << "input " << i << " is '" << model.inputs()[i].name
                                           << "', the manifest says '" << name << "'";
    const Tensor* x = array(e["inputs"][i]["npz_key"]);
    if (!x) return ::testing::AssertionFailure() << "no " << e["inputs"][i]["npz_key"] << " in npz";
    inputs.push_back(*x);
  }
  const std::vector<Tensor> outputs = model.predict(inputs);
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::string name = e["outputs"][i]["name"];
    // Output i > 0 of a multi-output layer is "<layer>__<i>" in the manifest, a name of the
    // generator's (Keras uniquifies them its own way): only single outputs' names are compared.
    if (!e["outputs"][i].contains("tensor_index") && model.outputs()[i].name != name)
      return ::testing::AssertionFailure() << "output " << i << " is '" << model.outputs()[i].name
                                           << "', the manifest says '" << name << "'";
    const Tensor* y = array(e["outputs"][i]["npz_key"]);
    if (!y)
      return ::testing::AssertionFailure() << "no " << e["outputs"][i]["npz_key"] << " in npz";
    const auto r = matches_keras(outputs[i], *y);
    if (!r) return ::testing::AssertionFailure() << "output " << name << ": " << r.message();
  }
  return ::testing::AssertionSuccess();
}

// The summary's Total / Trainable / Non-trainable params.
inline ::testing::AssertionResult totals_match(const Model& model, const Json& e) {
  const std::pair<const char*, const char*> totals[] = {
      {"Total params", "num_params"},
      {"Trainable params", "trainable_params"},
      {"Non-trainable params", "non_trainable_params"}};
  for (const auto& [label, key] : totals) {
    if (!e.contains(key)) continue;
    const std::int64_t printed = printed_total(model, label);
    if (printed != e[key].get<std::int64_t>())
      return ::testing::AssertionFailure() << label << ": " << printed << ", Keras " << e[key];
  }
  return ::testing::AssertionSuccess();
}

// Every layer of the manifest's table has a summary row "name (Class)" with its parameter count
// and output shape.
inline ::testing::AssertionResult layer_table_matches(const Model& model, const Json& e) {
  if (!e.contains("layers")) return ::testing::AssertionSuccess();
  std::ostringstream out;
  model.summary(out);
  const std::string text = out.str();
  for (const Json& layer : e["layers"]) {
    const std::string name = layer["name"];
    const std::string cls = layer["class_name"];
    const auto at = text.find(" " + name + " (" + cls + ")");
    if (at == std::string::npos)
      return ::testing::AssertionFailure() << "no row for " << name << " (" << cls << ") in\n"
                                           << text;
    const std::string row = text.substr(at, text.find('\n', at) - at);
    if (row.find(" " + std::to_string(layer["params"].get<std::int64_t>())) == std::string::npos)
      return ::testing::AssertionFailure() << "params of " << name << ": " << row;
    // A multi-output layer's shapes (a list of shapes) are checked through the predictions.
    if (layer["output_shape"].is_array() && !layer.value("multi_output", false)) {
      Shape shape;
      for (const Json& d : layer["output_shape"])
        shape.push_back(d.is_null() ? -1 : d.get<std::int64_t>());
      if (row.find(shape_to_string(shape)) == std::string::npos)
        return ::testing::AssertionFailure() << "shape of " << name << ": " << row;
    }
  }
  return ::testing::AssertionSuccess();
}

// An error entry: loading fails with expected_error.code, the message holding every
// expected_error.message_contains.
inline ::testing::AssertionResult fails_as_expected(const Json& e) {
  const Json& expected = e.at("expected_error");
  try {
    load_entry(e);
  } catch (const Error& error) {
    const std::string message = error.what();
    if (std::string(error_code_name(error.code())) != expected["code"].get<std::string>())
      return ::testing::AssertionFailure() << "code " << std::string(error_code_name(error.code()))
                                           << ", expected " << expected["code"] << ": " << message;
    for (const Json& part : expected["message_contains"]) {
      if (message.find(part.get<std::string>()) == std::string::npos)
        return ::testing::AssertionFailure()
               << "no '" << part.get<std::string>() << "' in: " << message;
    }
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "loaded; expected " << expected["code"];
}

}  // namespace nnload::testing::keras_manifest
