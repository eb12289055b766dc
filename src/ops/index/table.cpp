// The index op family's registration rows.
#include "ops/registry.hpp"

namespace nnload::ops {

const OpTable& index_ops() {
  static const OpTable table = {};
  return table;
}

}  // namespace nnload::ops
