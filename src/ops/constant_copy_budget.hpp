// What compiling one plan may spend on copies of constant data: kernels packing constant weights
// into the layout their primitive prefers, and constant folding. Legit models copy each weight
// about once; a graph reusing one weight in many nodes (one 4 MB ONNX initializer in 300 MatMul
// nodes took 1.2 GB of packed copies) would copy it once per node. Past the budget a kernel works
// from the constant as it is (reordered per run, or read in place) and a node is not folded: the
// same results, a little slower, in memory that does not grow with the reuse.
#pragma once

#include <cstdint>

namespace nnload::ops {

// Sets the calling thread's budget for its scope (graph::Plan's constructor); nests.
class ScopedConstantCopyBudget {
 public:
  explicit ScopedConstantCopyBudget(std::uint64_t bytes);
  ~ScopedConstantCopyBudget();
  ScopedConstantCopyBudget(const ScopedConstantCopyBudget&) = delete;
  ScopedConstantCopyBudget& operator=(const ScopedConstantCopyBudget&) = delete;

 private:
  bool previous_active_;
  std::uint64_t previous_left_;
};

// Takes `bytes` from the calling thread's budget and returns true; false, taking nothing, when
// they do not fit. Always true outside a ScopedConstantCopyBudget.
bool take_constant_copy_budget(std::uint64_t bytes);
// What the calling thread's budget has left (the most a std::uint64_t holds outside a scope).
std::uint64_t constant_copy_budget_left();

}  // namespace nnload::ops
