// The text op family's registration rows (ops on string tensors).
#include "ops/registry.hpp"
#include "ops/text/families.hpp"

namespace nnload::ops {

const OpTable& text_ops() {
  static const OpTable table = string_normalizer_ops();
  return table;
}

}  // namespace nnload::ops
