// Dispatch on an element's byte size alone, for code that only moves elements (copies, selects)
// and so needs one instantiation per width rather than one per dtype.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/fail.hpp"

namespace nnload {

// Calls fn(U{}) with U the unsigned integer of `size` bytes (1, 2, 4 or 8).
template <class Fn>
void visit_element_size(std::size_t size, Fn&& fn) {
  switch (size) {
    case 1:
      return fn(std::uint8_t{});
    case 2:
      return fn(std::uint16_t{});
    case 4:
      return fn(std::uint32_t{});
    case 8:
      return fn(std::uint64_t{});
  }
  fail(ErrorCode::internal, "no element type of {} bytes", size);
}

}  // namespace nnload
