// The pool op family's registration rows.
#include "ops/registry.hpp"

namespace nnload::ops {

const OpTable& pool_ops() {
  static const OpTable table = {};
  return table;
}

}  // namespace nnload::ops
