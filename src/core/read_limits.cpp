#include "core/read_limits.hpp"

#include <limits>

namespace nnload {

namespace {

ReadLimits& current() {
  thread_local ReadLimits limits;
  return limits;
}

}  // namespace

const ReadLimits& read_limits() { return current(); }

ScopedReadLimits::ScopedReadLimits(const ReadLimits& limits) : previous_(current()) {
  current() = limits;
}

ScopedReadLimits::~ScopedReadLimits() { current() = previous_; }

std::uint64_t max_declared_bytes(std::uint64_t file_bytes) {
  constexpr std::uint64_t kSlack = std::uint64_t{1} << 20;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t expansion = read_limits().max_expansion;
  if (expansion != 0 && file_bytes > (kMax - kSlack) / expansion) return kMax;
  return file_bytes * expansion + kSlack;
}

}  // namespace nnload
