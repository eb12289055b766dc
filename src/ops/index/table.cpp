// The index op family's registration rows, gathered from its files.
#include "ops/index/families.hpp"
#include "ops/registry.hpp"

namespace nnload::ops {

const OpTable& index_ops() {
  static const OpTable table = [] {
    OpTable all;
    for (OpTable part : {gather_ops(), scatter_ops(), select_ops(), topk_ops(), scan_ops()}) {
      for (OpDef& def : part) all.push_back(std::move(def));
    }
    return all;
  }();
  return table;
}

}  // namespace nnload::ops
