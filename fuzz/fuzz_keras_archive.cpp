// libFuzzer target 'keras_archive': see entry_points.hpp for what run_keras_archive covers,
// fuzz/README.md for how to run it.
#include <cstddef>
#include <cstdint>

#include "entry_points.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nnload::fuzz::run_keras_archive({data, size});
  return 0;
}
