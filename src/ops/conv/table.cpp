// The conv op family's registration rows: ONNX's, and the same ops in the nnload domain, which
// the fusion pass and the Keras reader emit with channels_last and fused activations.
#include "ops/conv/conv.hpp"
#include "ops/registry.hpp"

namespace nnload::ops {

const OpTable& conv_ops() {
  static const OpTable table = {
      {"", "Conv", 1, graph::kLatestOpset, make_conv},
      {"", "ConvTranspose", 1, graph::kLatestOpset, make_conv_transpose},
      {"nnload", "Conv", 1, 1, make_conv},
      {"nnload", "ConvTranspose", 1, 1, make_conv_transpose},
  };
  return table;
}

}  // namespace nnload::ops
