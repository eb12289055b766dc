// Python's repr() of pickle values, computed without recursion and safe on cyclic and shared
// structures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "io/pickle/value.hpp"

namespace nnload::io::pickle {

struct ReprLimits {
  std::size_t max_chars = std::size_t{1} << 20;  // longer output is cut and ends in "..."
  std::uint32_t max_depth = 1000;                // deeper nesting is Error(corrupt)
};

// Python 3.11's repr() for None, bool, int, float, str, bytes, bytearray, list, tuple, dict,
// OrderedDict ("OrderedDict([('a', 1)])"), set, frozenset and complex. A container reached again
// while it is being printed prints as Python prints a recursive one ("[...]", "{...}").
// What Python would print through a class's own __repr__ prints as "<object of class M.N>";
// globals print as "M.N" (so torch.float32 prints as in Python); persistent ids as
// "<persistent id ID>".
std::string repr(const Value& value, const ReprLimits& limits = {});

// Python's repr() of a float: shortest round-trip digits, "inf", "nan", "1e+16", "0.1", "3.0".
std::string float_repr(double x);
// numpy's repr of a float32 scalar: the shortest digits that round-trip as float32.
std::string float32_repr(float x);
// Python's repr() of a str (UTF-8) and of bytes, quotes and escapes included.
std::string string_repr(std::string_view utf8);
std::string bytes_repr(std::string_view bytes);

}  // namespace nnload::io::pickle
