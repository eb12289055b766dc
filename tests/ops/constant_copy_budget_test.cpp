// The constant-copy budget: its accounting, and a graph reusing one weight in many MatMul nodes
// compiled in memory that does not grow with the reuse (each node packed its own copy before:
// 300 nodes over one 4 MB initializer took 1.2 GB), and still running to the end.
#include "ops/constant_copy_budget.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "formats/onnx/onnx_model_builder.hpp"
#include "io/npy.hpp"
#include "support/temp_files.hpp"

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
std::filesystem::path shared_weight_chain(const testing::TempDir& dir, const std::string& name,
                                          int nodes) {
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
  ob::save(m, dir / name);
  return dir / name;
}

// The peak memory (kB) of `nnload predict model -i x` in a process of its own, and whether it
// exited 0. A fresh process (fork, then exec at once) measures only what that load takes; a
// forked copy of this one could also deadlock in OpenMP's thread pool.
std::pair<long, bool> predict_peak_kb(const std::filesystem::path& model,
                                      const std::filesystem::path& x) {
  const pid_t child = fork();
  if (child == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    execl(NNLOAD_CLI_PATH, NNLOAD_CLI_PATH, "predict", model.c_str(), "-i", x.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (child < 0 || wait4(child, &status, 0, &usage) != child) return {0, false};
  return {usage.ru_maxrss, WIFEXITED(status) && WEXITSTATUS(status) == 0};
}

// 160 nodes: 640 MB of packed copies unbounded; bounded, 64 x 4 MB + 64 MiB = 320 MB at most,
// against the same weight in one node.
TEST(ConstantCopyBudget, OneWeightInManyNodesIsNotCopiedPerNode) {
  testing::TempDir dir;
  io::save_npy(dir / "x.npy", Tensor::zeros(DType::f32, {1, 1024}));
  const std::filesystem::path one = shared_weight_chain(dir, "one.onnx", 1);
  const std::filesystem::path many = shared_weight_chain(dir, "many.onnx", 160);
  const auto [one_kb, one_ok] = predict_peak_kb(one, dir / "x.npy");
  const auto [many_kb, many_ok] = predict_peak_kb(many, dir / "x.npy");
  ASSERT_TRUE(one_ok && many_ok) << "nnload predict failed";
  EXPECT_LT(many_kb - one_kb, 400 * 1024)
      << "160 MatMuls over one 4 MB weight took " << (many_kb - one_kb) << " kB more than one";
}

}  // namespace
}  // namespace nnload::ops
