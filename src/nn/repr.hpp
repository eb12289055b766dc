// Python's spelling of values in PyTorch's module reprs (extra_repr): True, 1e-05, (3, 3).
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <vector>

#include "nnload/functional.hpp"

namespace nnload::nn::detail {

inline std::string py_bool(bool v) { return v ? "True" : "False"; }

// repr(float): shortest round-trip digits, with ".0" on integral values.
inline std::string py_float(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEna") == std::string::npos) s += ".0";
  return s;
}

inline std::string py_tuple(const std::vector<std::int64_t>& v) {
  if (v.size() == 1) return fmt::format("({},)", v[0]);
  return fmt::format("({})", fmt::join(v, ", "));
}

// An argument as the user gave it: one number, or a tuple.
template <std::size_t N>
std::string py_arg(const ExpandingArray<N>& a) {
  return a.from_scalar() ? fmt::format("{}", a[0]) : py_tuple(a.to_vector());
}

}  // namespace nnload::nn::detail
