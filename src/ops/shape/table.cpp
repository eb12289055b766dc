// The shape op family's registration rows, gathered from its files.
#include "ops/registry.hpp"
#include "ops/shape/families.hpp"

namespace nnload::ops {

const OpTable& shape_ops() {
  static const OpTable table = [] {
    OpTable all;
    for (OpTable part :
         {reshape_family_ops(), transpose_family_ops(), concat_split_ops(), slice_ops(), pad_ops(),
          expand_tile_ops(), constant_family_ops(), dropout_ops()}) {
      for (OpDef& def : part) all.push_back(std::move(def));
    }
    return all;
  }();
  return table;
}

}  // namespace nnload::ops
