// One Model shared by many threads: predict is const and re-entrant (per-call arenas, per-thread
// oneDNN streams and scratchpads, a locked plan cache). 8 threads x 1,000 predictions each, on
// models of different kinds and at different batch sizes (so plans are compiled concurrently
// too), every result bit-identical to the single-thread one. Built again under ThreadSanitizer by
// scripts/sanitize.sh (target nnload_tsan_tests).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "nnload/nnload.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;

constexpr int kThreads = 8;
constexpr int kPredictionsPerThread = 1000;

// A deterministic input of `info`'s shape with the batch (first unknown dimension) set.
Tensor input_for(const TensorInfo& info, std::int64_t batch, int seed) {
  Shape shape = info.shape;
  for (auto& d : shape) d = d < 0 ? batch : d;
  Tensor x = Tensor::empty(DType::f32, shape);
  float* p = x.mutable_data<float>();
  for (std::int64_t i = 0; i < x.numel(); ++i)
    p[i] = static_cast<float>((i * 37 + seed * 11) % 23) / 23.0f - 0.5f;
  return x.to(info.dtype);
}

struct Case {
  std::vector<Tensor> inputs;
  std::vector<Tensor> expected;
};

// Each thread cycles through inputs of batch 1, 2 and 3 and checks every output exactly.
void expect_same_results_from_many_threads(const fs::path& path) {
  LoadOptions options;
  options.threads = 1;  // parallelism comes from the callers here, not OpenMP
  const Model model = load(path, options);
  std::vector<Case> cases;
  for (int k = 0; k < 6; ++k) {
    Case c;
    for (const TensorInfo& info : model.inputs()) c.inputs.push_back(input_for(info, 1 + k % 3, k));
    c.expected = model.predict(c.inputs);
    cases.push_back(std::move(c));
  }
  // A fresh model, so the threads also race to compile the plans.
  const Model shared = load(path, options);
  std::atomic<int> mismatches{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPredictionsPerThread; ++i) {
        const Case& c = cases[static_cast<std::size_t>(t + i) % cases.size()];
        try {
          const std::vector<Tensor> got = shared.predict(c.inputs);
          for (std::size_t o = 0; o < got.size(); ++o) {
            if (!testing::tensors_close(got[o], c.expected[o], 0, 0)) ++mismatches;
          }
        } catch (const Error&) {
          ++errors;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0) << path;
  EXPECT_EQ(errors.load(), 0) << path;
}

const fs::path kSource = NNLOAD_SOURCE_DIR;

TEST(ThreadSafety, KerasConvNet) {
  expect_same_results_from_many_threads(kSource / "examples/models/digits_cnn.h5");
}

TEST(ThreadSafety, KerasRecurrentLayers) {
  expect_same_results_from_many_threads(kSource / "tests/fixtures/keras/rnn_basic.k3.h5");
}

TEST(ThreadSafety, KerasAttention) {
  expect_same_results_from_many_threads(kSource / "tests/fixtures/keras/attention_mha.k3.h5");
}

}  // namespace
}  // namespace nnload
