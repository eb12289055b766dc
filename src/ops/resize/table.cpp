// The resize op family's registration rows.
#include "ops/registry.hpp"

namespace nnload::ops {

const OpTable& resize_ops() {
  static const OpTable table = {};
  return table;
}

}  // namespace nnload::ops
