// The activation op family's registration rows.
#include "ops/registry.hpp"

namespace nnload::ops {

const OpTable& activation_ops() {
  static const OpTable table = {};
  return table;
}

}  // namespace nnload::ops
