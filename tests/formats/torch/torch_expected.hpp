// Checking a TorchFile against NAME.expected.npz / NAME.expected.json written beside NAME.pt
// (the layout of ../shared/fixtures/real/pytorch and tests/fixtures/pickle/torch).
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "formats/torch/torch_file.hpp"
#include "io/npz.hpp"

namespace nnload::testing {

inline std::filesystem::path expected_path(const std::filesystem::path& pt, const char* suffix) {
  return pt.parent_path() / (pt.stem().string() + suffix);
}

inline nlohmann::json expected_json(const std::filesystem::path& pt) {
  std::ifstream in(expected_path(pt, ".expected.json"));
  return nlohmann::json::parse(in);
}

// Every tensor bit-for-bit (bfloat16 as its int16 pattern), dtypes, shapes, and (when listed)
// locations and Parameter flags; every value's repr; with `exact_names`, the same set of names.
inline void expect_matches_expected(const std::filesystem::path& pt,
                                    const formats::torch::TorchFile& file,
                                    bool exact_names = true) {
  SCOPED_TRACE(pt.string());
  const nlohmann::json json = expected_json(pt);
  std::map<std::string, Tensor> arrays;
  for (auto& named : io::load_npz(expected_path(pt, ".expected.npz"))) {
    arrays.emplace(named.name, named.tensor);
  }
  std::set<std::string> ours;
  for (const auto& t : file.tensors) {
    ours.insert(t.name);
    SCOPED_TRACE("tensor '" + t.name + "'");
    if (!json.contains(t.name)) {
      if (exact_names) ADD_FAILURE() << "not in expected.json";
      continue;
    }
    const auto& e = json[t.name];
    ASSERT_TRUE(e.is_object()) << "expected a value: " << e.dump();
    EXPECT_EQ(std::string(dtype_name(t.value.dtype())), e["dtype"].get<std::string>());
    EXPECT_EQ(t.value.shape(), e["shape"].get<Shape>());
    if (e.contains("location")) {
      EXPECT_EQ(t.location, e["location"].get<std::string>());
    }
    if (e.contains("parameter")) {
      EXPECT_EQ(t.is_parameter, e["parameter"].get<bool>());
    }
    ASSERT_TRUE(arrays.count(t.name)) << "not in expected.npz";
    const Tensor& want = arrays.at(t.name);
    ASSERT_EQ(want.nbytes(), t.value.nbytes());
    ASSERT_EQ(want.shape(), t.value.shape());
    if (t.value.dtype() != DType::bf16) {
      EXPECT_EQ(want.dtype(), t.value.dtype());
    }
    EXPECT_EQ(std::memcmp(want.raw(), t.value.raw(), want.nbytes()), 0) << "values differ";
  }
  for (const auto& v : file.values) {
    ours.insert(v.name);
    SCOPED_TRACE("value '" + v.name + "'");
    if (!json.contains(v.name)) {
      if (exact_names) ADD_FAILURE() << "not in expected.json: " << v.repr;
      continue;
    }
    ASSERT_TRUE(json[v.name].is_string()) << "expected a tensor, found value " << v.repr;
    EXPECT_EQ(v.repr, json[v.name].get<std::string>());
  }
  for (const auto& [name, entry] : json.items()) {
    if (!ours.count(name) && (exact_names || entry.is_object())) {
      ADD_FAILURE() << "'" << name << "' is missing";
    }
  }
  EXPECT_EQ(ours.size(), file.tensors.size() + file.values.size()) << "a name appears twice";
}

}  // namespace nnload::testing
