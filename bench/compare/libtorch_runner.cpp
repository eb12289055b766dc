// libtorch (TorchScript) runner for bench/compare:
//   libtorch_runner MODEL.pt INPUT.npy THREADS RUNS WARMUP [OUTDIR]
// Prints one JSON line (load_ms, first_ms, latencies_ms); writes OUTDIR/output_K.npy (a tuple
// result gives one file per element).
#include <ATen/Parallel.h>
#include <torch/script.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "npy.hpp"

using Clock = std::chrono::steady_clock;

static double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

int main(int argc, char** argv) {
  if (argc < 6) {
    std::cerr << "usage: libtorch_runner MODEL INPUT THREADS RUNS WARMUP [OUTDIR]\n";
    return 1;
  }
  const std::string outdir = argc > 6 ? argv[6] : "";
  try {
    at::set_num_threads(std::stoi(argv[3]));
    at::set_num_interop_threads(1);
    const int runs = std::stoi(argv[4]);
    const int warmup = std::stoi(argv[5]);
    torch::NoGradGuard no_grad;
    auto start = Clock::now();
    torch::jit::script::Module module = torch::jit::load(argv[1]);
    module.eval();
    const double load_ms = ms_since(start);
    bench::Array x = bench::read_npy(argv[2]);
    std::vector<torch::jit::IValue> inputs{torch::from_blob(x.data.data(), x.shape, torch::kFloat)};
    torch::jit::IValue out;
    start = Clock::now();
    out = module.forward(inputs);
    const double first_ms = ms_since(start);
    for (int i = 0; i < warmup; ++i) module.forward(inputs);
    std::string lat;
    for (int i = 0; i < runs; ++i) {
      start = Clock::now();
      out = module.forward(inputs);
      lat += (i ? "," : "") + std::to_string(ms_since(start));
    }
    if (!outdir.empty()) {
      std::vector<at::Tensor> tensors;
      if (out.isTuple()) {
        for (const auto& e : out.toTuple()->elements()) tensors.push_back(e.toTensor());
      } else {
        tensors.push_back(out.toTensor());
      }
      for (size_t k = 0; k < tensors.size(); ++k) {
        at::Tensor t = tensors[k].contiguous().to(torch::kFloat);
        std::vector<int64_t> shape(t.sizes().begin(), t.sizes().end());
        bench::write_npy(outdir + "/output_" + std::to_string(k) + ".npy", t.data_ptr<float>(),
                         shape);
      }
    }
    std::printf(
        "{\"runtime\":\"libtorch\",\"load_ms\":%f,\"first_ms\":%f,\"latencies_ms\":[%s],"
        "\"peak_rss_mib\":%f}\n",
        load_ms, first_ms, lat.c_str(), bench::peak_rss_mib());
  } catch (const std::exception& e) {
    std::string msg = e.what();
    for (char& c : msg) c = c == '\n' ? ' ' : c;
    std::cerr << "libtorch_runner: " << msg.substr(0, 400) << "\n";
    return 2;
  }
  return 0;
}
