// What the fuzz entry points share: a per-process scratch directory for readers that take a path,
// and the calls a user makes on a loaded model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "nnload/error.hpp"
#include "nnload/model.hpp"

namespace nnload::fuzz {

using Bytes = std::span<const std::uint8_t>;

// What an entry point made of its input: the reader accepted it (and what ran on it after did not
// fail), or some step threw nnload::Error. Any other exception escapes the entry point: a finding.
enum class Outcome { accepted, rejected };

// Runs `step`, turning nnload::Error into Outcome::rejected.
template <class Step>
Outcome guarded(Step&& step) {
  try {
    step();
    return Outcome::accepted;
  } catch (const Error&) {
    return Outcome::rejected;
  }
}

// Predictions on zeros run only when the inputs hold at most this many elements in all, so that
// fuzzing time goes to the readers rather than to large kernels.
inline constexpr std::int64_t kMaxPredictElements = 1'000'000;

// /dev/shm/nnload-fuzz-<pid> (the temp directory where /dev/shm is absent): one per process,
// made on first use, removed at exit.
const std::filesystem::path& scratch_dir();
// Writes `bytes` to `path` (truncating), creating its directory.
void write_file(const std::filesystem::path& path, Bytes bytes);
// Writes `bytes` to scratch_dir()/relative and returns that path.
std::filesystem::path write_scratch(const std::string& relative, Bytes bytes);
// A committed fixture: NNLOAD_SOURCE_DIR/tests/fixtures/<relative>.
std::filesystem::path project_fixture(const std::string& relative);

// Reads every byte of the tensor's storage (so a view past its mapping faults here), returns a
// checksum. Strings are skipped.
std::uint64_t touch(const Tensor& tensor);

// What a user would call on a loaded model: info(), summary() into a string stream, weights()
// and weight(name) with their bytes read, then each signature and predict() on zero inputs of the
// declared shapes (unknown dimensions as 1) when they are small (kMaxPredictElements). Each
// call's nnload::Error is caught, so one refusal does not hide the calls after it.
void exercise(Model& model);

// Zero tensors for `inputs` (-1 dimensions as 1); nullopt when they hold more than
// kMaxPredictElements elements in all or a dimension is below -1.
std::optional<std::vector<Tensor>> zero_inputs(const std::vector<TensorInfo>& inputs);

}  // namespace nnload::fuzz
