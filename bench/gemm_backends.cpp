// oneDNN matmul against OpenBLAS sgemm on the shapes nnload's MatMul/Gemm/Dense see, at 1 and
// 2 threads: the measurement behind the choice of backend in src/ops/matmul/matmul.cpp.
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>

#include <random>
#include <vector>

#include "linalg/dnnl_engine.hpp"

namespace {

namespace du = nnload::linalg::dnnl_util;
using dnnl::memory;

std::vector<float> random_values(std::int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

void set_flops(benchmark::State& state, std::int64_t m, std::int64_t k, std::int64_t n) {
  state.counters["GFLOPS"] = benchmark::Counter(2.0 * static_cast<double>(m * k * n),
                                                benchmark::Counter::kIsIterationInvariantRate,
                                                benchmark::Counter::kIs1000);
}

// oneDNN matmul; `packed` lets the primitive choose the weight layout (format any) and packs
// the weights once, as nnload does for constant weights.
void dnnl_matmul(benchmark::State& state, bool packed) {
  const std::int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  omp_set_num_threads(static_cast<int>(state.range(3)));
  const auto a = random_values(m * k, 1), b = random_values(k * n, 2);
  std::vector<float> c(static_cast<std::size_t>(m * n));
  const memory::desc a_md = du::plain_desc({m, k}), b_user = du::plain_desc({k, n}),
                     c_md = du::plain_desc({m, n});
  const memory::desc b_any =
      packed ? memory::desc({k, n}, memory::data_type::f32, memory::format_tag::any) : b_user;
  const dnnl::matmul::desc desc(a_md, b_any, c_md);
  const dnnl::matmul::primitive_desc pd(desc, du::make_attr(), du::cpu_engine());
  const dnnl::matmul primitive(pd);
  const du::PackedMemory weights(b_user, b.data(), pd.weights_desc());
  for (auto _ : state) {
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, du::wrap(a_md, a.data())},
                                         {DNNL_ARG_WEIGHTS, weights.wrap()},
                                         {DNNL_ARG_DST, du::wrap(c_md, c.data())}};
    du::execute(primitive, pd.scratchpad_desc(), args);
    benchmark::DoNotOptimize(c.data());
  }
  set_flops(state, m, k, n);
  state.SetLabel(pd.impl_info_str());
}

void BM_dnnl_packed(benchmark::State& state) { dnnl_matmul(state, true); }
void BM_dnnl_plain(benchmark::State& state) { dnnl_matmul(state, false); }

// OpenBLAS has no packed-weights API (MKL's sgemm_pack); plain row-major sgemm.
void BM_openblas(benchmark::State& state) {
  const int m = static_cast<int>(state.range(0)), k = static_cast<int>(state.range(1)),
            n = static_cast<int>(state.range(2));
  openblas_set_num_threads(static_cast<int>(state.range(3)));
  const auto a = random_values(std::int64_t{m} * k, 1), b = random_values(std::int64_t{k} * n, 2);
  std::vector<float> c(static_cast<std::size_t>(m) * static_cast<std::size_t>(n));
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a.data(), k, b.data(), n,
                0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  set_flops(state, m, k, n);
  state.SetLabel(openblas_get_corename());
}

void shapes(benchmark::internal::Benchmark* b) {
  const std::int64_t mkn[][3] = {{1, 784, 512},    {64, 784, 512},  {1, 512, 10},  {128, 256, 256},
                                 {128, 256, 1024}, {1, 2048, 1000}, {64, 3136, 64}};
  for (std::int64_t threads : {1, 2}) {
    for (const auto& s : mkn) b->Args({s[0], s[1], s[2], threads});
  }
  b->ArgNames({"M", "K", "N", "threads"})->MinTime(0.05)->UseRealTime();
}

BENCHMARK(BM_dnnl_packed)->Apply(shapes);
BENCHMARK(BM_dnnl_plain)->Apply(shapes);
BENCHMARK(BM_openblas)->Apply(shapes);

}  // namespace

BENCHMARK_MAIN();
