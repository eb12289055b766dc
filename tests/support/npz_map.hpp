// A .npz file's arrays by name, for tests that compare against stored reference outputs.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "io/npz.hpp"
#include "nnload/tensor.hpp"

namespace nnload::testing {

inline std::map<std::string, Tensor> npz_map(const std::filesystem::path& path) {
  std::map<std::string, Tensor> arrays;
  for (io::NamedTensor& t : io::load_npz(path)) arrays.emplace(t.name, t.tensor);
  return arrays;
}

}  // namespace nnload::testing
