// The size of the process's thread pool (OpenMP's, shared with oneDNN).
#pragma once

namespace nnload {

// Threads the calling thread's parallel work uses; 0 means all cores.
void set_num_threads(int threads);
int num_threads();

// Sets the thread count for the current scope and restores the previous one after, so a
// prediction with --threads N does not change the caller's own OpenMP setting.
class ScopedThreads {
 public:
  explicit ScopedThreads(int threads);
  ~ScopedThreads();
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int previous_;
  bool changed_;
};

}  // namespace nnload
