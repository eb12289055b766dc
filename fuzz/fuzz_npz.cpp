// libFuzzer target 'npz': see entry_points.hpp for what run_npz covers, fuzz/README.md for how to
// run it.
#include <cstddef>
#include <cstdint>

#include "entry_points.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nnload::fuzz::run_npz({data, size});
  return 0;
}
