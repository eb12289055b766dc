// Conv and ConvTranspose on oneDNN (float32): one primitive per compiled shape, constant
// weights packed once into the layout the primitive prefers.
#pragma once

#include <memory>

#include "ops/conv/conv_attrs.hpp"
#include "ops/op.hpp"

namespace nnload::ops {

// `weights` and `bias` describe inputs 1 and 2 (bias.present false when omitted); constant
// weights are packed now, others are reordered on each run.
std::unique_ptr<Kernel> make_dnnl_conv_kernel(const ConvAttrs& attrs, const ConvGeometry& geometry,
                                              const InputInfo& weights, const InputInfo& bias,
                                              bool transposed);

}  // namespace nnload::ops
