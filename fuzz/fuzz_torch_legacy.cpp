// libFuzzer target 'torch_legacy': see entry_points.hpp for what run_torch_legacy covers,
// fuzz/README.md for how to run it.
#include <cstddef>
#include <cstdint>

#include "entry_points.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nnload::fuzz::run_torch_legacy({data, size});
  return 0;
}
