// nnload bench MODEL [--input FILE...] [--threads N] [--runs N] [--warmup N] [--json] [--profile]
// Load time, first prediction, steady-state latency (median, p10, p90) and peak RSS of this
// process; random inputs of the model's declared shapes when none are given.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "commands.hpp"
#include "core/fail.hpp"
#include "input_files.hpp"
#include "model_source.hpp"

namespace nnload::cli {

namespace {

struct BenchOptions {
  ModelSource source;
  std::vector<std::string> inputs;
  int threads = 0;
  int runs = 30;
  int warmup = 5;
  bool json = false;
  bool profile = false;
};

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Inputs of the declared shapes (unknown dimensions 1): floats uniform in [-1, 1] from a fixed
// seed, integers 0 (a valid index for embeddings and gathers), booleans false.
std::vector<Tensor> random_inputs(const Model& model) {
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> uniform(-1.0F, 1.0F);
  std::vector<Tensor> inputs;
  for (const TensorInfo& info : model.inputs()) {
    Shape shape = info.shape;
    for (std::int64_t& d : shape) d = d < 0 ? 1 : d;
    if (info.dtype == DType::string) {
      fail(ErrorCode::invalid_argument, "input '{}' takes strings: give --input", info.name);
    }
    Tensor t = Tensor::zeros(info.dtype, shape);
    if (info.dtype == DType::f32) {
      for (float& v : std::span<float>(t.mutable_data<float>(), t.numel())) v = uniform(rng);
    } else if (info.dtype == DType::f64) {
      for (double& v : std::span<double>(t.mutable_data<double>(), t.numel())) v = uniform(rng);
    }
    inputs.push_back(std::move(t));
  }
  return inputs;
}

double percentile(std::vector<double> sorted, double p) {
  std::sort(sorted.begin(), sorted.end());
  const double at = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(at);
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - static_cast<double>(lo));
}

// VmHWM, this program's own peak: getrusage's ru_maxrss also keeps what the process held before
// exec, i.e. its parent's pages (a Python driver's ~35 MiB would floor every small model).
double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

int run_bench(const BenchOptions& options) {
  if (options.runs < 1) fail(ErrorCode::invalid_argument, "--runs must be at least 1");
  LoadOptions load_options;
  load_options.threads = options.threads;
  const auto load_start = Clock::now();
  const Model model = options.source.load(load_options);
  const double load_ms = ms_since(load_start);
  const std::vector<Tensor> inputs =
      options.inputs.empty() ? random_inputs(model) : read_inputs(model, options.inputs);

  const auto first_start = Clock::now();
  model.predict(inputs);
  const double first_ms = ms_since(first_start);
  for (int i = 0; i < options.warmup; ++i) model.predict(inputs);
  std::vector<double> times;
  for (int i = 0; i < options.runs; ++i) {
    const auto start = Clock::now();
    model.predict(inputs);
    times.push_back(ms_since(start));
  }
  std::vector<OpProfile> profile;
  if (options.profile) profile = model.profile(inputs, options.runs);
  double profiled_total = 0;
  for (const OpProfile& p : profile) profiled_total += p.seconds;

  nlohmann::json j;
  j["model"] = options.source.weights.empty() ? options.source.model : options.source.weights;
  j["format"] = model.info().format;
  j["threads"] = options.threads;
  j["load_ms"] = load_ms;
  j["first_predict_ms"] = first_ms;
  j["runs"] = options.runs;
  j["warmup"] = options.warmup;
  j["median_ms"] = percentile(times, 0.5);
  j["p10_ms"] = percentile(times, 0.1);
  j["p90_ms"] = percentile(times, 0.9);
  j["peak_rss_mib"] = peak_rss_mib();
  if (options.profile) {
    j["profile"] = nlohmann::json::array();
    for (const OpProfile& p : profile) {
      j["profile"].push_back({{"op", p.op},
                              {"nodes", p.nodes},
                              {"ms_per_run", 1e3 * p.seconds / options.runs},
                              {"share", profiled_total > 0 ? p.seconds / profiled_total : 0.0}});
    }
  }
  if (options.json) {
    std::cout << j.dump(2) << '\n';
    return 0;
  }
  std::cout << fmt::format(
      "nnload bench: {} ({}), threads {}\n", j["model"].get<std::string>(), model.info().format,
      options.threads == 0 ? std::string("all") : std::to_string(options.threads));
  std::cout << fmt::format("  load            {:10.3f} ms\n", load_ms);
  std::cout << fmt::format("  first predict   {:10.3f} ms\n", first_ms);
  std::cout << fmt::format(
      "  latency median  {:10.3f} ms   p10 {:.3f} ms   p90 {:.3f} ms   ({} runs after {} "
      "warm-up)\n",
      j["median_ms"].get<double>(), j["p10_ms"].get<double>(), j["p90_ms"].get<double>(),
      options.runs, options.warmup);
  std::cout << fmt::format("  peak RSS        {:10.1f} MiB\n", j["peak_rss_mib"].get<double>());
  if (options.profile) {
    std::cout << fmt::format("\n  {:<28} {:>6} {:>12} {:>7}\n", "op", "nodes", "ms/run", "share");
    for (const auto& row : j["profile"]) {
      std::cout << fmt::format("  {:<28} {:>6} {:>12.4f} {:>6.1f}%\n", row["op"].get<std::string>(),
                               row["nodes"].get<int>(), row["ms_per_run"].get<double>(),
                               100.0 * row["share"].get<double>());
    }
  }
  return 0;
}

}  // namespace

Command add_bench_command(CLI::App& app) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* sub = app.add_subcommand(
      "bench",
      "Time loading and predicting: load, first prediction, latency percentiles, peak RSS");
  options->source.add_options(sub);
  sub->add_option("--input,-i", options->inputs,
                  "Input files as for predict (default: random inputs of the declared shapes)");
  sub->add_option("--threads", options->threads, "Threads to use (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--runs", options->runs, "Timed predictions (default 30)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--warmup", options->warmup, "Untimed predictions first (default 5)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--json", options->json, "Print the figures as JSON");
  sub->add_flag("--profile", options->profile, "Also time every op type (ms per run, share)");
  return {sub, [options] { return run_bench(*options); }};
}

}  // namespace nnload::cli
