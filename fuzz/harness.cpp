#include "harness.hpp"

#include <algorithm>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace nnload::fuzz {

namespace {

void remove_scratch() {
  std::error_code ec;
  std::filesystem::remove_all(scratch_dir(), ec);
}

std::filesystem::path make_scratch_dir() {
  std::error_code ec;
  std::filesystem::path base = "/dev/shm";
  if (!std::filesystem::is_directory(base, ec)) base = std::filesystem::temp_directory_path();
  std::filesystem::path dir = base / ("nnload-fuzz-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir);
  return dir;
}

// The element count of `shape` with -1 read as 1; -1 when it is negative otherwise or exceeds
// `limit`.
std::int64_t bounded_count(const Shape& shape, std::int64_t limit) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    if (d < -1) return -1;
    const std::int64_t dim = d == -1 ? 1 : d;
    if (dim != 0 && n > limit / dim) return -1;
    n *= dim;
  }
  return n;
}

Shape concrete(const Shape& shape) {
  Shape out = shape;
  for (std::int64_t& d : out) d = d == -1 ? 1 : d;
  return out;
}

void exercise_signatures(const Model& model) {
  for (const SignatureInfo& info : model.signatures()) {
    std::map<std::string, Tensor> inputs;
    std::int64_t total = 0;
    bool runnable = true;
    for (const SignatureTensor& t : info.inputs) {
      const std::int64_t n = bounded_count(t.shape, kMaxPredictElements);
      if (!t.rank_known || !t.foreign_dtype.empty() || n < 0 || total + n > kMaxPredictElements) {
        runnable = false;
        break;
      }
      total += n;
      inputs.emplace(t.key, Tensor::zeros(t.dtype, concrete(t.shape)));
    }
    if (!runnable) continue;
    guarded([&] {
      for (const auto& [key, value] : model.signature(info.name).run(inputs)) touch(value);
    });
  }
}

}  // namespace

const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path made = make_scratch_dir();
    std::atexit(remove_scratch);
    return made;
  }();
  return dir;
}

void write_file(const std::filesystem::path& path, Bytes bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("fuzz harness: can't write " + path.string());
}

std::filesystem::path write_scratch(const std::string& relative, Bytes bytes) {
  std::filesystem::path path = scratch_dir() / relative;
  write_file(path, bytes);
  return path;
}

std::filesystem::path project_fixture(const std::string& relative) {
  return std::filesystem::path(NNLOAD_SOURCE_DIR) / "tests" / "fixtures" / relative;
}

std::uint64_t touch(const Tensor& tensor) {
  if (!tensor.defined() || tensor.dtype() == DType::string) return 0;
  const auto* p = static_cast<const std::uint8_t*>(tensor.raw());
  // The first and last 64 KiB: enough for ASan to see a tensor whose bytes end before its stated
  // size; every byte of a 256 MiB output took over 10 s under coverage instrumentation.
  constexpr std::size_t kEdge = 64 * 1024;
  const std::size_t n = tensor.nbytes();
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < std::min(n, kEdge); ++i) sum += p[i];
  for (std::size_t i = n > kEdge ? std::max(kEdge, n - kEdge) : n; i < n; ++i) sum += p[i];
  // Keeps the loop: the sum is observable.
  static volatile std::uint64_t sink = 0;
  sink = sink + sum;
  return sum;
}

std::optional<std::vector<Tensor>> zero_inputs(const std::vector<TensorInfo>& inputs) {
  std::int64_t total = 0;
  std::vector<Tensor> out;
  for (const TensorInfo& info : inputs) {
    const std::int64_t n = bounded_count(info.shape, kMaxPredictElements);
    if (n < 0 || total + n > kMaxPredictElements) return std::nullopt;
    total += n;
    out.push_back(Tensor::zeros(info.dtype, concrete(info.shape)));
  }
  return out;
}

void exercise(Model& model) {
  model.set_threads(1);
  const ModelInfo& info = model.info();
  std::size_t facts = info.format.size() + info.name.size() + info.notes.size();
  guarded([&] {
    std::ostringstream summary;
    model.summary(summary);
    facts += summary.str().size();
  });
  guarded([&] {
    for (const WeightInfo& w : model.weights()) touch(model.weight(w.name));
  });
  guarded([&] { facts += model.overridable_inputs().size(); });
  exercise_signatures(model);
  if (model.can_predict()) {
    guarded([&] {
      if (const auto inputs = zero_inputs(model.inputs())) {
        for (const Tensor& y : model.predict(*inputs)) touch(y);
      }
    });
  } else {
    guarded([&] { model.predict(std::vector<Tensor>{}); });  // must explain, not crash
  }
  static volatile std::size_t sink = 0;
  sink = sink + facts;
}

}  // namespace nnload::fuzz
