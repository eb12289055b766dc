// The ReadLimits (include/nnload/model.hpp) of the load running on this thread. load() sets them
// for its duration; readers used on their own (tests, nn::load_state_dict) get the defaults.
// Thread-local, so concurrent loads with different options do not see each other's.
#pragma once

#include <cstdint>

#include "nnload/model.hpp"

namespace nnload {

const ReadLimits& read_limits();

// Sets the calling thread's limits for the scope, restoring the previous ones after.
class ScopedReadLimits {
 public:
  explicit ScopedReadLimits(const ReadLimits& limits);
  ~ScopedReadLimits();
  ScopedReadLimits(const ScopedReadLimits&) = delete;
  ScopedReadLimits& operator=(const ScopedReadLimits&) = delete;

 private:
  ReadLimits previous_;
};

// The most bytes a file of `file_bytes` may declare for one thing: max_expansion times its size
// plus 1 MiB (saturating).
std::uint64_t max_declared_bytes(std::uint64_t file_bytes);

}  // namespace nnload
