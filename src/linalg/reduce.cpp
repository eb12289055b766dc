#include "linalg/reduce.hpp"

#include "core/fail.hpp"

namespace nnload::linalg {

ReducePlan::ReducePlan(const Shape& shape, const std::vector<bool>& reduced) {
  if (reduced.size() != shape.size()) {
    fail(ErrorCode::internal, "ReducePlan: {} axis flags for rank {}", reduced.size(),
         shape.size());
  }
  // Size-1 axes change no offsets, so they are dropped; neighbours of one kind are merged.
  std::vector<std::int64_t> sizes;
  std::vector<bool> kinds;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (!sizes.empty() && kinds.back() == reduced[i]) {
      sizes.back() *= shape[i];
    } else {
      sizes.push_back(shape[i]);
      kinds.push_back(reduced[i]);
    }
  }
  if (sizes.empty()) {
    sizes.push_back(1);
    kinds.push_back(false);
  }
  std::vector<std::int64_t> strides(sizes.size(), 1);
  for (std::size_t i = sizes.size(); i-- > 1;) strides[i - 1] = strides[i] * sizes[i];

  inner_reduced_ = kinds.back();
  inner_ = sizes.back();
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    (kinds[i] ? reduced_ : kept_).push_back({sizes[i], strides[i]});
  }
  for (const AxisGroup& g : kept_) outer_ *= g.size;
  for (const AxisGroup& g : reduced_) rows_ *= g.size;
  outputs_ = inner_reduced_ ? outer_ : outer_ * inner_;
  reduced_count_ = inner_reduced_ ? rows_ * inner_ : rows_;
}

std::int64_t ReducePlan::kept_offset(std::int64_t index) const {
  std::int64_t offset = 0;
  for (std::size_t g = kept_.size(); g-- > 0;) {
    offset += (index % kept_[g].size) * kept_[g].stride;
    index /= kept_[g].size;
  }
  return offset;
}

RowWalker::RowWalker(const std::vector<AxisGroup>& groups, std::int64_t start) : groups_(&groups) {
  if (groups.size() > kInline) {
    heap_.assign(groups.size(), 0);
    counters_ = heap_.data();
  }
  for (std::size_t g = groups.size(); g-- > 0;) {
    if (groups[g].size == 0) return;
    counters_[g] = start % groups[g].size;
    offset_ += counters_[g] * groups[g].stride;
    start /= groups[g].size;
  }
}

}  // namespace nnload::linalg
