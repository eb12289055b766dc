// Keras keras1 layers (filled in by the Keras work).
#include "formats/keras/layers/layers.hpp"

namespace nnload::formats::keras {

LayerRows keras1_layers() { return {}; }

}  // namespace nnload::formats::keras
