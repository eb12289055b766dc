// The nn fixtures (tests/fixtures/nn, written by make_nn_fixtures.py with torch 1.13): each
// model's state_dict, input and torch's outputs from its .npz, and torch's names from
// manifest.json.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "io/npz.hpp"
#include "nnload/nn.hpp"
#include "support/error_capture.hpp"
#include "support/fixtures.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::testing {

inline std::filesystem::path nn_fixture(const std::string& file) {
  return project_fixture("nn/" + file);
}

struct NnCase {
  nn::StateDict state;                   // the .npz's "state.<key>" entries, in torch's order
  std::map<std::string, Tensor> arrays;  // input, output, h_n, train_output, ...

  const Tensor& at(const std::string& name) const {
    auto it = arrays.find(name);
    if (it == arrays.end()) throw std::runtime_error("fixture has no array " + name);
    return it->second;
  }
};

inline NnCase load_nn_case(const std::string& name) {
  NnCase c;
  for (io::NamedTensor& t : io::load_npz(nn_fixture(name + ".npz"))) {
    if (t.name.rfind("state.", 0) == 0) {
      c.state.emplace_back(t.name.substr(6), std::move(t.tensor));
    } else {
      c.arrays.emplace(t.name, std::move(t.tensor));
    }
  }
  return c;
}

inline const nlohmann::json& nn_manifest() {
  static const nlohmann::json manifest = [] {
    std::ifstream in(nn_fixture("manifest.json"));
    return nlohmann::json::parse(in);
  }();
  return manifest;
}

// [[name, shape], ...] of the manifest as (name, shape) pairs.
inline std::vector<std::pair<std::string, Shape>> manifest_names(const std::string& model,
                                                                 const std::string& list) {
  std::vector<std::pair<std::string, Shape>> out;
  for (const auto& row : nn_manifest().at(model).at(list)) {
    out.emplace_back(row.at(0).get<std::string>(), row.at(1).get<Shape>());
  }
  return out;
}

inline std::vector<std::pair<std::string, Shape>> names_and_shapes(
    const std::vector<std::pair<std::string, Tensor>>& named) {
  std::vector<std::pair<std::string, Shape>> out;
  for (const auto& [name, t] : named) out.emplace_back(name, t.shape());
  return out;
}

// torch's named_parameters, named_buffers, state_dict keys and repr for the module.
inline void expect_torch_names(const nn::Module& m, const std::string& model) {
  EXPECT_EQ(names_and_shapes(m.named_parameters()), manifest_names(model, "parameters"));
  EXPECT_EQ(names_and_shapes(m.named_buffers()), manifest_names(model, "buffers"));
  EXPECT_EQ(names_and_shapes(m.state_dict()), manifest_names(model, "state_dict"));
  EXPECT_EQ(m.to_string(), nn_manifest().at(model).at("module").get<std::string>());
}

// Loads the case's state_dict (strict: every key must match), switches to eval mode.
inline NnCase load_into(nn::Module& m, const std::string& model) {
  NnCase c = load_nn_case(model);
  const nn::IncompatibleKeys keys = m.load_state_dict(c.state);
  EXPECT_TRUE(keys.missing_keys.empty());
  EXPECT_TRUE(keys.unexpected_keys.empty());
  m.eval();
  return c;
}

}  // namespace nnload::testing
