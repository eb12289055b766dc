// Keras recurrent layers (filled in by the Keras work).
#include "formats/keras/layers/layers.hpp"

namespace nnload::formats::keras {

LayerRows recurrent_layers() { return {}; }

}  // namespace nnload::formats::keras
