// The largest single tensor nnload allocates (1 TiB unless lowered): Tensor::empty/zeros refuse
// anything bigger with Error(shape). A process that runs untrusted models can lower it so that a
// graph asking for a huge intermediate fails cleanly instead of exhausting memory; the fuzz
// targets do, around each input.
#pragma once

#include <cstddef>

namespace nnload {

std::size_t max_tensor_bytes() noexcept;
// Sets the limit for the whole process (all threads); returns the previous one.
std::size_t set_max_tensor_bytes(std::size_t bytes) noexcept;

// Lowers the limit for a scope and restores the previous one after it.
class ScopedTensorLimit {
 public:
  explicit ScopedTensorLimit(std::size_t bytes) : previous_(set_max_tensor_bytes(bytes)) {}
  ~ScopedTensorLimit() { set_max_tensor_bytes(previous_); }
  ScopedTensorLimit(const ScopedTensorLimit&) = delete;
  ScopedTensorLimit& operator=(const ScopedTensorLimit&) = delete;

 private:
  std::size_t previous_;
};

}  // namespace nnload
