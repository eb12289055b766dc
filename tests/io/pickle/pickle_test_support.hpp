// Helpers for the pickle tests: hex and string inputs, running the unpickler on them.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/pickle/unpickler.hpp"

namespace nnload::testing {

inline std::vector<std::byte> from_hex(std::string_view hex) {
  std::vector<std::byte> out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::byte>(std::stoi(std::string(hex.substr(2 * i, 2)), nullptr, 16));
  }
  return out;
}

inline std::span<const std::byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// BINUNICODE of `s`: opcode, 4-byte length, the bytes.
inline std::string binunicode(std::string_view s) {
  std::string out = "X";
  for (int i = 0; i < 4; ++i) out += static_cast<char>((s.size() >> (8 * i)) & 0xFF);
  return out.append(s);
}

// A pickle run into its own heap, kept alive with the result.
struct Loaded {
  std::unique_ptr<io::pickle::Heap> heap = std::make_unique<io::pickle::Heap>();
  io::pickle::Unpickled result;
  const io::pickle::Value& root() const { return *result.root; }
};

inline Loaded unpickle_bytes(std::span<const std::byte> bytes,
                             const io::pickle::Limits& limits = {}) {
  Loaded out;
  out.result = io::pickle::unpickle(bytes, *out.heap, limits, "test.pkl");
  return out;
}

inline Loaded unpickle_string(std::string_view s, const io::pickle::Limits& limits = {}) {
  return unpickle_bytes(as_bytes(s), limits);
}

}  // namespace nnload::testing
