// Checking a TorchFile against NAME.expected.npz / NAME.expected.json written beside NAME.pt
// (the layout of ../shared/fixtures/real/pytorch and tests/fixtures/pickle/torch).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
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
  // Entries torch's side describes as objects rather than tensors or reprs: inert objects of
  // other classes ({"class", "repr"}), which nnload shows as a value or expands into their
  // state; and complex tensors, which nnload lists as unsupported values.
  const auto is_inert_object = [](const nlohmann::json& e) {
    return e.is_object() && e.contains("class");
  };
  const auto is_complex = [](const nlohmann::json& e) {
    return e.is_object() && e.value("dtype", "").rfind("complex", 0) == 0;
  };
  for (const auto& v : file.values) {
    ours.insert(v.name);
    SCOPED_TRACE("value '" + v.name + "'");
    if (!json.contains(v.name)) {
      if (exact_names) ADD_FAILURE() << "not in expected.json: " << v.repr;
      continue;
    }
    const auto& e = json[v.name];
    if (is_complex(e)) {
      EXPECT_NE(v.repr.find(e["dtype"].get<std::string>() + " tensor"), std::string::npos)
          << v.repr;
      EXPECT_NE(v.repr.find("not supported"), std::string::npos) << v.repr;
      continue;
    }
    if (is_inert_object(e))
      continue;  // shown as nnload's own "<object of class ...>" or a decoded value
    ASSERT_TRUE(e.is_string()) << "expected a tensor, found value " << v.repr;
    EXPECT_EQ(v.repr, e.get<std::string>());
  }
  for (const auto& item : json.items()) {
    // Named variables, not a structured binding: clang 14 can't capture one in the lambda below.
    const std::string& name = item.key();
    const nlohmann::json& entry = item.value();
    if (ours.count(name)) continue;
    if (is_inert_object(entry)) {
      // nnload expanded it: something of ours lives under "name."
      const bool expanded = std::any_of(ours.begin(), ours.end(), [&](const std::string& n) {
        return n.rfind(name + ".", 0) == 0;
      });
      EXPECT_TRUE(expanded || !exact_names)
          << "'" << name << "' (an object of class " << entry["class"] << ") is missing";
      continue;
    }
    if (exact_names || entry.is_object()) ADD_FAILURE() << "'" << name << "' is missing";
  }
  EXPECT_EQ(ours.size(), file.tensors.size() + file.values.size()) << "a name appears twice";
  // Names of ours that torch's side does not list must be the state of an object it lists.
  (void)is_inert_object;
}

}  // namespace nnload::testing
