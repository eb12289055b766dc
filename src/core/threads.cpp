#include "core/threads.hpp"

#include <omp.h>

namespace nnload {

void set_num_threads(int threads) {
  omp_set_num_threads(threads > 0 ? threads : omp_get_num_procs());
}

int num_threads() { return omp_get_max_threads(); }

ScopedThreads::ScopedThreads(int threads)
    : previous_(omp_get_max_threads()), changed_(threads > 0) {
  if (changed_) omp_set_num_threads(threads);
}

ScopedThreads::~ScopedThreads() {
  if (changed_) omp_set_num_threads(previous_);
}

}  // namespace nnload
