// The matmul op family's registration rows: ONNX's, and nnload.MatMul/Gemm (fused bias and
// activation) that the fusion pass and the Keras reader emit.
#include "ops/matmul/matmul.hpp"
#include "ops/registry.hpp"

namespace nnload::ops {

const OpTable& matmul_ops() {
  static const OpTable table = {
      {"", "MatMul", 1, graph::kLatestOpset, make_matmul},
      {"", "Gemm", 1, 6, make_gemm_v1},
      {"", "Gemm", 7, graph::kLatestOpset, make_gemm},
      {"", "Einsum", 12, graph::kLatestOpset, make_einsum},
      {"nnload", "MatMul", 1, 1, make_matmul},
      {"nnload", "Gemm", 1, 1, make_gemm},
  };
  return table;
}

}  // namespace nnload::ops
