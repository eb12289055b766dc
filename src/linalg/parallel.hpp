// Parallel loops on the process's one thread pool: OpenMP's, which oneDNN uses too, so our
// kernels and the library's never oversubscribe the cores against each other.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace nnload::linalg {

// Calls fn(begin, end) over [0, n) in chunks of at least `grain` items, in parallel when there
// is enough work. Inside a parallel region (a caller already parallel) it runs serially.
template <class Fn>
void parallel_for(std::int64_t n, std::int64_t grain, Fn&& fn) {
  if (n <= 0) return;
  grain = std::max<std::int64_t>(grain, 1);
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const std::int64_t chunks = std::min<std::int64_t>(threads, (n + grain - 1) / grain);
  if (chunks <= 1) {
    fn(std::int64_t{0}, n);
    return;
  }
#pragma omp parallel for num_threads(static_cast <int>(chunks)) schedule(static)
  for (std::int64_t c = 0; c < chunks; ++c) {
    const std::int64_t begin = n * c / chunks;
    const std::int64_t end = n * (c + 1) / chunks;
    fn(begin, end);
  }
}

}  // namespace nnload::linalg
