// Keras activation functions (the `activation` argument of layers and the Activation layer)
// as IR nodes, with each Keras version's own definition.
#pragma once

#include <string>
#include <vector>

#include "formats/keras/config.hpp"

namespace nnload::formats::keras {

class LayerContext;

// Appends the activation's nodes after `x` and returns the result; "linear" returns x itself.
// Throws Error(unsupported) listing the known names for an unknown one.
int apply_keras_activation(LayerContext& ctx, int x, const Json& activation);

std::vector<std::string> supported_activations();

}  // namespace nnload::formats::keras
