#include "formats/savedmodel/tensor_refs.hpp"

#include <charconv>

#include "core/fail.hpp"

namespace nnload::formats::savedmodel {

namespace {

constexpr std::int64_t kMaxOutputs = 1 << 20;

bool parse_index(const std::string& text, int& out) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && p == end && out >= 0;
}

const tf::AttrValue* node_attr(const tf::NodeDef& node, const std::string& name,
                               const OpDefaults& defaults) {
  auto it = node.attr().find(name);
  if (it != node.attr().end()) return &it->second;
  return defaults.find(node.op(), name);
}

}  // namespace

TensorRef parse_tensor_ref(const std::string& ref, const std::string& where) {
  TensorRef out;
  if (ref.empty()) fail(ErrorCode::corrupt, "{}: an empty input reference", where);
  std::string rest = ref;
  if (rest[0] == '^') {
    out.control = true;
    rest.erase(0, 1);
  }
  const std::size_t first = rest.find(':');
  if (first == std::string::npos) {
    out.node = rest;
    return out;
  }
  out.node = rest.substr(0, first);
  const std::size_t second = rest.find(':', first + 1);
  const std::string last = rest.substr((second == std::string::npos ? first : second) + 1);
  if (second != std::string::npos) out.out_arg = rest.substr(first + 1, second - first - 1);
  if (out.node.empty() || !parse_index(last, out.index) ||
      (second != std::string::npos && out.out_arg.empty())) {
    fail(ErrorCode::corrupt, "{}: malformed tensor reference '{}'", where, ref);
  }
  return out;
}

OpSignatures::OpSignatures(const tf::OpList& ops, const tf::FunctionDefLibrary& library) {
  for (const tf::OpDef& op : ops.op()) ops_.emplace(op.name(), &op);
  for (const tf::FunctionDef& fn : library.function())
    ops_[fn.signature().name()] = &fn.signature();
}

const tf::OpDef* OpSignatures::find(const std::string& op) const {
  auto it = ops_.find(op);
  return it == ops_.end() ? nullptr : it->second;
}

int OpSignatures::flat_index(const tf::NodeDef& node, const TensorRef& ref,
                             const OpDefaults& defaults) const {
  if (ref.out_arg.empty()) return ref.index;
  const tf::OpDef* op = find(node.op());
  if (!op) return ref.index;
  int flat = 0;
  for (const tf::OpDef::ArgDef& arg : op->output_arg()) {
    int count = 1;
    if (!arg.number_attr().empty()) {
      const tf::AttrValue* n = node_attr(node, arg.number_attr(), defaults);
      count = n && n->value_case() == tf::AttrValue::kI && n->i() >= 0 && n->i() <= kMaxOutputs
                  ? static_cast<int>(n->i())
                  : -1;
    } else if (!arg.type_list_attr().empty()) {
      const tf::AttrValue* list = node_attr(node, arg.type_list_attr(), defaults);
      count = list && list->value_case() == tf::AttrValue::kList ? list->list().type_size() : -1;
    }
    if (count < 0) {
      fail(ErrorCode::corrupt, "node '{}' ({}): the length of output '{}' is missing or invalid",
           node.name(), node.op(), arg.name());
    }
    if (arg.name() == ref.out_arg) {
      if (ref.index >= count) {
        fail(ErrorCode::corrupt, "node '{}' ({}): output '{}' has {} element(s), {} wanted",
             node.name(), node.op(), arg.name(), count, ref.index + 1);
      }
      return flat + ref.index;
    }
    flat += count;
  }
  fail(ErrorCode::corrupt, "node '{}' ({}) has no output named '{}'", node.name(), node.op(),
       ref.out_arg);
}

}  // namespace nnload::formats::savedmodel
