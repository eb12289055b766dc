// The tf op family's registration rows: internal ops (domain "nnload", names starting "Tf")
// with TensorFlow semantics that the SavedModel reader maps TF ops onto.
#include "ops/registry.hpp"
#include "ops/tf/families.hpp"

namespace nnload::ops {

const OpTable& tf_ops() {
  static const OpTable table = [] {
    OpTable all;
    for (OpTable part :
         {tfops::strided_slice_rows(), tfops::mirror_pad_rows(), tfops::resize_nearest_rows(),
          tfops::conv_backprop_rows(), tfops::arithmetic_rows()}) {
      for (OpDef& def : part) all.push_back(std::move(def));
    }
    return all;
  }();
  return table;
}

}  // namespace nnload::ops
