// Placeholder until the torch reader lands; replaced by the real implementation.
#include "core/fail.hpp"
#include "formats/torch/torch_file.hpp"

namespace nnload::formats::torch {

TorchFile read_torch_file(const std::filesystem::path& path, const ReadLimits&) {
  fail(ErrorCode::unsupported, "{}: PyTorch files are not supported yet", path.string());
}

std::vector<std::pair<std::string, Tensor>> find_state_dict(const TorchFile&) {
  fail(ErrorCode::unsupported, "PyTorch files are not supported yet");
}

}  // namespace nnload::formats::torch
