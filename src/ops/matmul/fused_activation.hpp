// The nnload extension attributes for a fused activation (`activation`, `activation_alpha`,
// `activation_beta`) that the fusion pass and the Keras reader put on Conv, ConvTranspose,
// MatMul and Gemm nodes, in either domain.
#pragma once

#include "graph/attributes.hpp"
#include "linalg/activation.hpp"

namespace nnload::ops {

// Missing alpha/beta take the ONNX op's defaults (LeakyRelu 0.01, Elu 1, HardSigmoid 0.2/0.5,
// Selu's alpha/gamma, Clip's unbounded range, Swish 1). Throws Error(invalid_argument) for an
// unknown activation name.
linalg::Activation parse_fused_activation(const graph::Attributes& attrs);

}  // namespace nnload::ops
