#include "graph/memory_plan.hpp"

#include <algorithm>
#include <numeric>

namespace nnload::graph {

namespace {
constexpr std::size_t kAlign = 64;
std::size_t aligned(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }
bool lifetimes_overlap(const BufferRequest& a, const BufferRequest& b) {
  return a.first_step <= b.last_step && b.first_step <= a.last_step;
}
}  // namespace

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests) {
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return requests[a].bytes > requests[b].bytes;
  });

  std::vector<std::size_t> placed;  // indices already given an offset
  for (std::size_t r : order) {
    const std::size_t size = aligned(std::max<std::size_t>(requests[r].bytes, 1));
    // Occupied byte ranges of placed buffers that are alive at the same time, by offset.
    std::vector<std::pair<std::size_t, std::size_t>> busy;
    for (std::size_t p : placed) {
      if (lifetimes_overlap(requests[r], requests[p])) {
        busy.emplace_back(plan.offsets[p],
                          plan.offsets[p] + aligned(std::max<std::size_t>(requests[p].bytes, 1)));
      }
    }
    std::sort(busy.begin(), busy.end());
    std::size_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (offset + size <= begin) break;  // fits in the gap before this range
      offset = std::max(offset, end);
    }
    plan.offsets[r] = offset;
    plan.total_bytes = std::max(plan.total_bytes, offset + size);
    placed.push_back(r);
  }
  return plan;
}

}  // namespace nnload::graph
