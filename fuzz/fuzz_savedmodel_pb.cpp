// libFuzzer target 'savedmodel_pb': see entry_points.hpp for what run_savedmodel_pb covers,
// fuzz/README.md for how to run it.
#include <cstddef>
#include <cstdint>

#include "entry_points.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nnload::fuzz::run_savedmodel_pb({data, size});
  return 0;
}
