#include "formats/savedmodel/variables.hpp"

#include <google/protobuf/stubs/logging.h>

#include <set>

#include "core/fail.hpp"
#include "formats/savedmodel/tensor_refs.hpp"

namespace nnload::formats::savedmodel {

namespace {

// The nodes of the top-level graph or of one function, by name.
struct Body {
  std::map<std::string, const tf::NodeDef*> nodes;
  std::map<std::string, std::string> args;  // function input arg -> top-level node it is fed
  bool function = false;

  const tf::NodeDef* node_of(const std::string& ref_text, TensorRef& ref) const {
    ref = parse_tensor_ref(ref_text, "restore op");
    auto it = nodes.find(ref.node);
    return it == nodes.end() ? nullptr : it->second;
  }
};

// The top-level node a variable handle reference comes from.
std::string handle_source(const Body& body, const std::string& ref_text) {
  TensorRef ref = parse_tensor_ref(ref_text, "restore op");
  if (body.function) {
    auto arg = body.args.find(ref.node);
    return arg == body.args.end() ? std::string() : arg->second;
  }
  return ref.node;
}

// The checkpoint key of the value an assignment restores: RestoreV2's (or RestoreV2 through
// Identity ops) k-th output, named by the k-th string of its tensor_names constant.
std::string restored_key(const Body& body, std::string ref_text) {
  for (int hops = 0; hops < 8; ++hops) {
    TensorRef ref;
    const tf::NodeDef* node = body.node_of(ref_text, ref);
    if (!node || ref.control) return {};
    if (node->op() == "Identity" && node->input_size() > 0) {
      ref_text = node->input(0);
      continue;
    }
    if ((node->op() != "RestoreV2" && node->op() != "Restore") || node->input_size() < 2) return {};
    TensorRef names_ref;
    const tf::NodeDef* names = body.node_of(node->input(1), names_ref);
    if (!names || names->op() != "Const") return {};
    auto value = names->attr().find("value");
    if (value == names->attr().end() || !value->second.has_tensor()) return {};
    const auto& strings = value->second.tensor().string_val();
    if (ref.index >= strings.size()) return {};
    return strings[ref.index];
  }
  return {};
}

void collect_assignments(const Body& body, std::map<std::string, std::string>& out) {
  for (const auto& [name, node] : body.nodes) {
    if ((node->op() != "AssignVariableOp" && node->op() != "Assign") || node->input_size() < 2)
      continue;
    const std::string target = handle_source(body, node->input(0));
    const std::string key = restored_key(body, node->input(1));
    if (!target.empty() && !key.empty()) out.emplace(target, key);
  }
}

// Top-level variable node -> bundle key, as the saver's restore op assigns them.
std::map<std::string, std::string> trace_restore_op(const tf::MetaGraphDef& meta) {
  std::map<std::string, std::string> out;
  try {
    Body top;
    for (const tf::NodeDef& n : meta.graph_def().node()) top.nodes.emplace(n.name(), &n);
    collect_assignments(top, out);  // TF1: assignments in the graph itself
    std::string restore = meta.saver_def().restore_op_name();
    restore = restore.substr(0, restore.find(':'));
    auto call = top.nodes.find(restore);
    if (call == top.nodes.end()) return out;
    auto f = call->second->attr().find("f");
    if (f == call->second->attr().end() || !f->second.has_func()) return out;
    for (const tf::FunctionDef& fn : meta.graph_def().library().function()) {
      if (fn.signature().name() != f->second.func().name()) continue;
      Body body;
      body.function = true;
      for (const tf::NodeDef& n : fn.node_def()) body.nodes.emplace(n.name(), &n);
      for (int i = 0; i < fn.signature().input_arg_size() && i < call->second->input_size(); ++i)
        body.args[fn.signature().input_arg(i).name()] =
            parse_tensor_ref(call->second->input(i), "restore op").node;
      collect_assignments(body, out);
    }
  } catch (const Error&) {
    // A malformed restore op only loses this way of binding; the others remain.
  }
  return out;
}

}  // namespace

VariableIndex::VariableIndex(const tf::MetaGraphDef& meta, const TensorBundle& bundle) {
  for (const auto& [node, key] : trace_restore_op(meta)) {
    if (bundle.find(key)) restored_.emplace(node, key);
  }
  for (const std::string& key : bundle.keys()) {
    if (key != kObjectGraphKey) key_of_name_.emplace(key, key);  // TF1: keys are variable names
  }
  for (const auto& [name, fn] : meta.object_graph_def().concrete_functions()) {
    bound_inputs_.emplace(name,
                          std::vector<int>(fn.bound_inputs().begin(), fn.bound_inputs().end()));
  }
  if (!bundle.find(kObjectGraphKey)) return;
  const std::vector<std::string> blob = bundle.strings(kObjectGraphKey);
  tf::TrackableObjectGraph checkpoint;
  const google::protobuf::LogSilencer quiet;
  if (blob.size() != 1 || !checkpoint.ParseFromString(blob[0])) {
    fail(ErrorCode::corrupt, "{}: the checkpoint's object graph ('{}') does not parse",
         bundle.shard_name(bundle.find(kObjectGraphKey)->shard_id()), kObjectGraphKey);
  }
  const auto& saved = meta.object_graph_def().nodes();
  std::map<std::string, std::string> by_full_name;
  std::set<std::string> ambiguous;
  for (int id = 0; id < checkpoint.nodes_size(); ++id) {
    for (const auto& attr : checkpoint.nodes(id).attributes()) {
      if (attr.name() != "VARIABLE_VALUE" || !bundle.find(attr.checkpoint_key())) continue;
      key_of_object_.emplace(id, attr.checkpoint_key());
      if (!by_full_name.emplace(attr.full_name(), attr.checkpoint_key()).second)
        ambiguous.insert(attr.full_name());
      if (id < saved.size() && saved[id].has_variable())
        trainable_[attr.checkpoint_key()] = saved[id].variable().trainable();
    }
  }
  for (const auto& [name, key] : by_full_name) {
    if (!name.empty() && !ambiguous.count(name)) key_of_name_[name] = key;
  }
}

const std::string* VariableIndex::key_of_object(int node_id) const {
  auto it = key_of_object_.find(node_id);
  return it == key_of_object_.end() ? nullptr : &it->second;
}

const std::string* VariableIndex::key_of_variable(const std::string& node,
                                                  const std::string& shared_name) const {
  if (auto it = restored_.find(node); it != restored_.end()) return &it->second;
  for (const std::string* name : {&shared_name, &node}) {
    if (name->empty()) continue;
    if (auto it = key_of_name_.find(*name); it != key_of_name_.end()) return &it->second;
  }
  return nullptr;
}

const std::vector<int>* VariableIndex::bound_inputs(const std::string& function) const {
  auto it = bound_inputs_.find(function);
  return it == bound_inputs_.end() ? nullptr : &it->second;
}

std::optional<bool> VariableIndex::trainable(const std::string& key) const {
  auto it = trainable_.find(key);
  return it == trainable_.end() ? std::nullopt : std::optional<bool>(it->second);
}

}  // namespace nnload::formats::savedmodel
