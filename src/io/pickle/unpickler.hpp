// The safe unpickler: runs a pickle (protocols 0-5) into inert Values. It never imports or
// calls anything the pickle names, never recurses per nesting level, and checks every declared
// length against the bytes left before allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "io/pickle/value.hpp"

namespace nnload::io::pickle {

struct Limits {
  std::uint64_t max_objects = 50'000'000;  // values in the heap, over all pickles loaded into it
  std::uint64_t max_memo = 50'000'000;     // memo entries of one pickle
  // Digits kept for integers that do not fit int64 (LONG, LONG1, LONG4); longer ones are
  // Error(unsupported). Converting n bytes to decimal costs n^2 steps.
  std::uint64_t max_big_integer_bytes = 4096;
};

struct Unpickled {
  const Value* root = nullptr;
  std::size_t end = 0;  // offset just past the STOP opcode
};

// Runs the pickle that starts at bytes[0] up to its STOP (bytes after it are not read) and
// returns the value STOP pops. Values are allocated in `heap`. `what` names the input in error
// messages ("model.pt: archive/data.pkl"); `base` is the absolute offset of bytes[0], used in
// messages too.
//
// Plain-data constructors are interpreted, since they run no code: collections.OrderedDict and
// defaultdict become dicts (with `type` naming the class), builtins.set/frozenset sets,
// _codecs.encode(text, 'latin1') and builtins.bytearray bytes, copyreg._reconstructor an object
// of its class. Module names of protocol-2 pickles written by Python 3 (__builtin__, copy_reg)
// are mapped back as Python does. Everything else that is called becomes an Object.
//
// Errors: Error(corrupt) for malformed input (unknown opcode, stack or mark underflow, a memo
// key not defined, a length past the end, invalid UTF-8, no STOP), naming the opcode and its
// offset; Error(unsupported) for out-of-band buffers (NEXT_BUFFER, READONLY_BUFFER) and the
// extension registry (EXT1/2/4); Error(version) for a protocol above 5; Error(corrupt)
// naming the limit when one is exceeded.
Unpickled unpickle(std::span<const std::byte> bytes, Heap& heap, const Limits& limits = {},
                   std::string_view what = "pickle", std::uint64_t base = 0);

}  // namespace nnload::io::pickle
