// The norm op family's registration rows.
#include "ops/norm/rows.hpp"
#include "ops/registry.hpp"

namespace nnload::ops {

const OpTable& norm_ops() {
  static const OpTable table = [] {
    OpTable rows;
    add_batch_norm_rows(rows);
    add_layer_norm_rows(rows);
    add_instance_group_norm_rows(rows);
    add_mvn_lp_norm_rows(rows);
    add_lrn_rows(rows);
    return rows;
  }();
  return table;
}

}  // namespace nnload::ops
