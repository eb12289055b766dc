// The extra Keras layers: transposed convolutions, GroupNormalization, UnitNormalization, Dot,
// LocallyConnected1D/2D, Resizing, CenterCrop, IntegerLookup, and the TensorFlow op layers
// (TFOpLambda, SlicingOpLambda, TensorFlowOpLayer). One family per extra_*.cpp file.
#include "formats/keras/layers/extra_common.hpp"

namespace nnload::formats::keras {

LayerRows extra_layers() {
  LayerRows rows;
  for (const LayerRows& family :
       {extra::conv_transpose_layers(), extra::norm_layers(), extra::locally_connected_layers(),
        extra::image_layers(), extra::lookup_layers(), extra::tf_op_layers()}) {
    rows.insert(rows.end(), family.begin(), family.end());
  }
  return rows;
}

}  // namespace nnload::formats::keras
