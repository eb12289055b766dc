#include "graph/memory_plan.hpp"

#include <gtest/gtest.h>

#include <random>

namespace nnload::graph {
namespace {

bool overlap_in_memory(std::size_t a_off, std::size_t a_size, std::size_t b_off,
                       std::size_t b_size) {
  return a_off < b_off + b_size && b_off < a_off + a_size;
}

// Checks the invariant: buffers alive at the same step never share bytes.
void expect_valid(const std::vector<BufferRequest>& requests, const MemoryPlan& plan) {
  ASSERT_EQ(plan.offsets.size(), requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(plan.offsets[i] % 64, 0u);
    EXPECT_LE(plan.offsets[i] + requests[i].bytes, plan.total_bytes);
    for (std::size_t j = i + 1; j < requests.size(); ++j) {
      const bool alive_together = requests[i].first_step <= requests[j].last_step &&
                                  requests[j].first_step <= requests[i].last_step;
      if (alive_together) {
        EXPECT_FALSE(overlap_in_memory(plan.offsets[i], requests[i].bytes, plan.offsets[j],
                                       requests[j].bytes))
            << "buffers " << i << " and " << j;
      }
    }
  }
}

TEST(MemoryPlan, AChainReusesMemory) {
  // x0 -> x1 -> x2 -> x3: each buffer dies when the next is written, so two slots suffice.
  std::vector<BufferRequest> requests;
  for (int s = 0; s < 4; ++s) requests.push_back({1000, s, s + 1});
  const MemoryPlan plan = plan_memory(requests);
  expect_valid(requests, plan);
  EXPECT_EQ(plan.total_bytes, 2 * 1024u);  // 1000 rounded up to 64 is 1024
  EXPECT_EQ(plan.offsets[0], plan.offsets[2]);
}

TEST(MemoryPlan, BuffersAliveTogetherDoNotOverlap) {
  const std::vector<BufferRequest> requests = {{100, 0, 3}, {200, 1, 2}, {300, 2, 3}};
  const MemoryPlan plan = plan_memory(requests);
  expect_valid(requests, plan);
  EXPECT_GE(plan.total_bytes, 128u + 256u + 320u);
}

TEST(MemoryPlan, ZeroSizedBuffersGetDistinctSlots) {
  const std::vector<BufferRequest> requests = {{0, 0, 1}, {0, 0, 1}};
  const MemoryPlan plan = plan_memory(requests);
  expect_valid(requests, plan);
  EXPECT_NE(plan.offsets[0], plan.offsets[1]);
}

TEST(MemoryPlan, RandomGraphsKeepTheInvariantAndBeatNoReuse) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<BufferRequest> requests;
    std::size_t sum = 0;
    for (int s = 0; s < 40; ++s) {
      const std::size_t bytes = std::uniform_int_distribution<std::size_t>(1, 5000)(rng);
      const int life = std::uniform_int_distribution<int>(0, 5)(rng);
      requests.push_back({bytes, s, s + life});
      sum += (bytes + 63) / 64 * 64;
    }
    const MemoryPlan plan = plan_memory(requests);
    expect_valid(requests, plan);
    EXPECT_LT(plan.total_bytes, sum);
  }
}

}  // namespace
}  // namespace nnload::graph
