#include "ops/registry.hpp"

#include <algorithm>

#include "core/fail.hpp"

namespace nnload::ops {

namespace {
const std::vector<const OpTable*>& family_tables() {
  static const std::vector<const OpTable*> tables = {
      &elementwise_ops(), &activation_ops(), &reduce_ops(), &norm_ops(),
      &matmul_ops(),      &conv_ops(),       &pool_ops(),   &shape_ops(),
      &index_ops(),       &resize_ops(),     &rnn_ops(),    &tf_ops(),
      &control_ops(), &text_ops(), &keras_custom_ops(),
  };
  return tables;
}
}  // namespace

const OpDef* find_op(std::string_view domain, std::string_view name, int opset) {
  for (const OpTable* table : family_tables()) {
    for (const OpDef& def : *table) {
      if (def.domain == domain && def.name == name && def.since_version <= opset &&
          opset <= def.until_version) {
        return &def;
      }
    }
  }
  return nullptr;
}

std::vector<const OpDef*> all_ops() {
  std::vector<const OpDef*> out;
  for (const OpTable* table : family_tables()) {
    for (const OpDef& def : *table) out.push_back(&def);
  }
  std::sort(out.begin(), out.end(), [](const OpDef* a, const OpDef* b) {
    return std::tie(a->domain, a->name, a->since_version) <
           std::tie(b->domain, b->name, b->since_version);
  });
  return out;
}

std::unique_ptr<Op> create_op(const graph::Node& node, int opset) {
  const OpDef* def = find_op(node.domain, node.op, opset);
  if (def == nullptr) {
    std::vector<int> versions;
    for (const OpDef* d : all_ops()) {
      if (d->domain == node.domain && d->name == node.op) versions.push_back(d->since_version);
    }
    if (versions.empty()) {
      fail(ErrorCode::unsupported, "node {}: op {} is not supported by nnload", node.describe(),
           node.op);
    }
    fail(ErrorCode::unsupported,
         "node {}: op {} at opset {} is not supported (implemented from opset {})", node.describe(),
         node.op, opset, fmt::join(versions, ", "));
  }
  try {
    return def->create(node);
  } catch (const Error& e) {
    rethrow_with_context(e, fmt::format("node {}", node.describe()));
  }
}

}  // namespace nnload::ops
