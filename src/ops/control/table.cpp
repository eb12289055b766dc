// The control-flow op family's registration rows.
#include "ops/control/families.hpp"
#include "ops/registry.hpp"

namespace nnload::ops {

const OpTable& control_ops() {
  static const OpTable table = if_ops();
  return table;
}

}  // namespace nnload::ops
