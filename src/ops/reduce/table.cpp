// The reduce op family's registration rows.
#include "ops/reduce/rows.hpp"
#include "ops/registry.hpp"

namespace nnload::ops {

const OpTable& reduce_ops() {
  static const OpTable table = [] {
    OpTable rows;
    add_reduce_rows(rows);
    add_arg_reduce_rows(rows);
    return rows;
  }();
  return table;
}

}  // namespace nnload::ops
