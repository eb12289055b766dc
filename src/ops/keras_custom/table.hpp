// The Keras custom-layer op family: nnload.KerasCustomLayer.
#pragma once

#include "ops/registry.hpp"

namespace nnload::ops::keras_custom {

OpTable custom_layer_ops();

}  // namespace nnload::ops::keras_custom
