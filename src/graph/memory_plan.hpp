// Placing intermediate buffers in one arena: buffers whose lifetimes overlap never share bytes,
// the others reuse memory. Greedy by size (largest first, lowest fitting offset), as TFLite's
// arena planner does; near-optimal for the chain-like graphs of neural networks.
#pragma once

#include <cstddef>
#include <vector>

namespace nnload::graph {

struct BufferRequest {
  std::size_t bytes = 0;
  int first_step = 0;  // the step that writes it
  int last_step = 0;   // the last step that reads it (>= first_step)
};

struct MemoryPlan {
  std::vector<std::size_t> offsets;  // per request, 64-byte aligned
  std::size_t total_bytes = 0;
};

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests);

}  // namespace nnload::graph
