// Printing tensors for people, the way numpy prints arrays: nested brackets, long arrays elided.
#pragma once

#include <ostream>

#include "nnload/tensor.hpp"

namespace nnload::cli {

// Prints at most `threshold` elements in full; bigger tensors show `edge_items` at each end of
// every dimension with "..." between, like numpy's defaults (1000 and 3).
void print_tensor(std::ostream& out, const Tensor& tensor, std::int64_t threshold = 1000,
                  std::int64_t edge_items = 3);

}  // namespace nnload::cli
