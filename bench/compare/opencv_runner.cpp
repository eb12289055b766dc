// OpenCV dnn runner for bench/compare:
//   opencv_runner MODEL.onnx INPUT.npy THREADS RUNS WARMUP [OUTDIR]
// Prints one JSON line (load_ms, first_ms, latencies_ms); writes OUTDIR/output_K.npy. A model
// OpenCV cannot import or run exits 2 with OpenCV's message on stderr.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "npy.hpp"

using Clock = std::chrono::steady_clock;

static double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

int main(int argc, char** argv) {
  if (argc < 6) {
    std::cerr << "usage: opencv_runner MODEL INPUT THREADS RUNS WARMUP [OUTDIR]\n";
    return 1;
  }
  const std::string outdir = argc > 6 ? argv[6] : "";
  try {
    cv::setNumThreads(std::stoi(argv[3]));
    const int runs = std::stoi(argv[4]);
    const int warmup = std::stoi(argv[5]);
    auto start = Clock::now();
    cv::dnn::Net net = cv::dnn::readNetFromONNX(argv[1]);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    const double load_ms = ms_since(start);
    bench::Array x = bench::read_npy(argv[2]);
    std::vector<int> dims(x.shape.begin(), x.shape.end());
    cv::Mat blob(static_cast<int>(dims.size()), dims.data(), CV_32F, x.data.data());
    const std::vector<std::string> names = net.getUnconnectedOutLayersNames();
    std::vector<cv::Mat> outs;
    auto predict = [&] {
      net.setInput(blob);
      net.forward(outs, names);
    };
    start = Clock::now();
    predict();
    const double first_ms = ms_since(start);
    for (int i = 0; i < warmup; ++i) predict();
    std::string lat;
    for (int i = 0; i < runs; ++i) {
      start = Clock::now();
      predict();
      lat += (i ? "," : "") + std::to_string(ms_since(start));
    }
    if (!outdir.empty()) {
      for (size_t k = 0; k < outs.size(); ++k) {
        cv::Mat m = outs[k].isContinuous() ? outs[k] : outs[k].clone();
        std::vector<int64_t> shape;
        for (int d = 0; d < m.dims; ++d) shape.push_back(m.size[d]);
        bench::write_npy(outdir + "/output_" + std::to_string(k) + ".npy", m.ptr<float>(), shape);
      }
    }
    std::printf(
        "{\"runtime\":\"opencv\",\"version\":\"%s\",\"load_ms\":%f,\"first_ms\":%f,"
        "\"latencies_ms\":[%s],\"peak_rss_mib\":%f}\n",
        CV_VERSION, load_ms, first_ms, lat.c_str(), bench::peak_rss_mib());
  } catch (const std::exception& e) {
    std::string msg = e.what();
    for (char& c : msg) c = c == '\n' ? ' ' : c;
    std::cerr << "opencv_runner: " << msg << "\n";
    return 2;
  }
  return 0;
}
