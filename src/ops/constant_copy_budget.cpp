// The thread-local budget behind constant_copy_budget.hpp.
#include "ops/constant_copy_budget.hpp"

namespace nnload::ops {

namespace {

struct Budget {
  bool active = false;
  std::uint64_t left = 0;
};

thread_local Budget budget;

}  // namespace

ScopedConstantCopyBudget::ScopedConstantCopyBudget(std::uint64_t bytes)
    : previous_active_(budget.active), previous_left_(budget.left) {
  budget.active = true;
  budget.left = bytes;
}

ScopedConstantCopyBudget::~ScopedConstantCopyBudget() {
  budget.active = previous_active_;
  budget.left = previous_left_;
}

bool take_constant_copy_budget(std::uint64_t bytes) {
  if (!budget.active) return true;
  if (bytes > budget.left) return false;
  budget.left -= bytes;
  return true;
}

std::uint64_t constant_copy_budget_left() {
  return budget.active ? budget.left : ~std::uint64_t{0};
}

}  // namespace nnload::ops
