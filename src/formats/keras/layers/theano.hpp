// Theano's convolutions are true convolutions: kernels saved with the theano backend are the
// spatially flipped kernels of TensorFlow's cross-correlation (Keras' convert_kernel).
#pragma once

#include <vector>

#include "formats/keras/layer_context.hpp"

namespace nnload::formats::keras {

// `kernel` with its `spatial_axes` reversed when the file's backend is theano, else `kernel`.
// A Slice with step -1 on a constant, folded at load.
int theano_flipped(LayerContext& ctx, int kernel, const std::vector<int64_t>& spatial_axes);

}  // namespace nnload::formats::keras
