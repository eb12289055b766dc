// The resize op family's registration rows.
#include "ops/registry.hpp"

namespace nnload::ops {

OpTable resize_rows();  // resize.cpp

const OpTable& resize_ops() {
  static const OpTable table = resize_rows();
  return table;
}

}  // namespace nnload::ops
