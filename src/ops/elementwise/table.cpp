// The elementwise op family's registration rows.
#include "ops/elementwise/rows.hpp"
#include "ops/registry.hpp"

namespace nnload::ops {

const OpTable& elementwise_ops() {
  static const OpTable table = [] {
    OpTable all;
    for (OpTable rows : {elementwise::arithmetic_rows(), elementwise::pow_rows(),
                         elementwise::variadic_rows(), elementwise::compare_logic_rows(),
                         elementwise::unary_math_rows(), elementwise::cast_rows()}) {
      for (OpDef& row : rows) all.push_back(std::move(row));
    }
    return all;
  }();
  return table;
}

}  // namespace nnload::ops
