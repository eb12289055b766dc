// libFuzzer target 'tensor_bundle': see entry_points.hpp for what run_tensor_bundle covers,
// fuzz/README.md for how to run it.
#include <cstddef>
#include <cstdint>

#include "entry_points.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nnload::fuzz::run_tensor_bundle({data, size});
  return 0;
}
