// The pool op family's registration rows: ONNX's, and the same ops in the nnload domain (with
// channels_last) that the Keras reader emits.
#include "ops/pool/pool.hpp"
#include "ops/registry.hpp"

namespace nnload::ops {

const OpTable& pool_ops() {
  constexpr int kLatest = graph::kLatestOpset;
  static const OpTable table = {
      {"", "MaxPool", 1, kLatest, make_max_pool},
      {"", "AveragePool", 1, kLatest, make_average_pool},
      {"", "LpPool", 1, kLatest, make_lp_pool},
      {"", "GlobalAveragePool", 1, kLatest, make_global_average_pool},
      {"", "GlobalMaxPool", 1, kLatest, make_global_max_pool},
      {"", "GlobalLpPool", 1, kLatest, make_global_lp_pool},
      {"nnload", "MaxPool", 1, 1, make_max_pool},
      {"nnload", "AveragePool", 1, 1, make_average_pool},
      {"nnload", "GlobalAveragePool", 1, 1, make_global_average_pool},
      {"nnload", "GlobalMaxPool", 1, 1, make_global_max_pool},
  };
  return table;
}

}  // namespace nnload::ops
