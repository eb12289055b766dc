// The constant-copy budget: its accounting, and a graph reusing one weight in many MatMul nodes
// compiled in memory that does not grow with the reuse (each node packed its own copy before:
// 300 nodes over one 4 MB initializer took 1.2 GB), with the same results.
#include "ops/constant_copy_budget.hpp"

#include <gtest/gtest.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "formats/onnx/onnx_model_builder.hpp"
#include "nnload/nnload.hpp"
#include "support/temp_files.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::ops {
namespace {

namespace ob = testing::onnx_build;

TEST(ConstantCopyBudget, TakesWhatFitsAndNests) {
  EXPECT_TRUE(take_constant_copy_budget(std::uint64_t{1} << 62));  // no scope: no limit
  {
    const ScopedConstantCopyBudget outer(100);
    EXPECT_TRUE(take_constant_copy_budget(60));
    EXPECT_FALSE(take_constant_copy_budget(50));  // takes nothing
    {
      const ScopedConstantCopyBudget inner(10);
      EXPECT_FALSE(take_constant_copy_budget(11));
      EXPECT_TRUE(take_constant_copy_budget(10));
    }
    EXPECT_TRUE(take_constant_copy_budget(40));  // the outer scope's 40 left
    EXPECT_FALSE(take_constant_copy_budget(1));
  }
  EXPECT_TRUE(take_constant_copy_budget(std::uint64_t{1} << 62));
}

// y = x W W ... W (`nodes` MatMuls), W the 1024 x 1024 identity, one initializer.
std::filesystem::path shared_weight_chain(const testing::TempDir& dir, int nodes) {
  ob::pb::ModelProto m = ob::model();
  ob::pb::GraphProto* g = m.mutable_graph();
  ob::add_input(g, "x", {1, 1024});
  ob::add_output(g, "y", {1, 1024});
  std::vector<float> identity(1024 * 1024, 0.0F);
  for (int i = 0; i < 1024; ++i) identity[static_cast<std::size_t>(i) * 1025] = 1.0F;
  ob::add_float_initializer(g, "w", {1024, 1024}, identity);
  std::string previous = "x";
  for (int i = 0; i < nodes; ++i) {
    const std::string out = i + 1 == nodes ? "y" : "h" + std::to_string(i);
    ob::add_node(g, "MatMul", {previous, "w"}, {out}, "matmul" + std::to_string(i));
    previous = out;
  }
  ob::save(m, dir / "chain.onnx");
  return dir / "chain.onnx";
}

long resident_kb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// 160 nodes: 640 MB of packed copies unbounded; bounded, 64 x 4 MB + 64 MiB = 320 MB at most.
// Measured in a child process, whose peak starts from this process's memory.
TEST(ConstantCopyBudget, OneWeightInManyNodesIsNotCopiedPerNode) {
  testing::TempDir dir;
  const std::filesystem::path path = shared_weight_chain(dir, 160);
  std::vector<float> values(1024);
  for (int i = 0; i < 1024; ++i) values[static_cast<std::size_t>(i)] = static_cast<float>(i % 7);
  const Tensor x = testing::make<float>(values, {1, 1024});
  malloc_trim(0);
  const long before_kb = resident_kb();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::vector<Tensor> y = load(path).predict({x});
    const float* got = y[0].data<float>();
    for (int i = 0; i < 1024; ++i)
      if (got[i] != values[static_cast<std::size_t>(i)]) _exit(1);
    _exit(0);
  }
  int status = 0;
  rusage usage{};
  ASSERT_EQ(wait4(child, &status, 0, &usage), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the chain of identities changed x";
  EXPECT_LT(usage.ru_maxrss - before_kb, 480 * 1024)
      << "compiling 160 MatMuls over one 4 MB weight grew the peak by "
      << (usage.ru_maxrss - before_kb) << " kB";
}

}  // namespace
}  // namespace nnload::ops
