// The activation op family's registration rows.
#include "ops/activation/activation_common.hpp"
#include "ops/registry.hpp"

namespace nnload::ops {

const OpTable& activation_ops() {
  static const OpTable table = [] {
    OpTable all;
    for (OpTable rows : {activation::relu_family_rows(), activation::sigmoid_family_rows(),
                         activation::clip_rows(), activation::softmax_rows()}) {
      for (OpDef& row : rows) all.push_back(std::move(row));
    }
    return all;
  }();
  return table;
}

}  // namespace nnload::ops
