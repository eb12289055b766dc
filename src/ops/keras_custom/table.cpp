// The Keras custom-layer family's registration rows.
#include "ops/keras_custom/table.hpp"

namespace nnload::ops {

const OpTable& keras_custom_ops() {
  static const OpTable table = keras_custom::custom_layer_ops();
  return table;
}

}  // namespace nnload::ops
