#include "formats/savedmodel/graph_converter.hpp"

#include <algorithm>
#include <set>

#include "core/fail.hpp"
#include "core/read_limits.hpp"
#include "formats/savedmodel/converter.hpp"
#include "formats/savedmodel/tf_types.hpp"

namespace nnload::formats::savedmodel {

namespace {

// Deeper nesting than real exports use (Keras: signature wrapper -> model -> layer, ~4).
constexpr std::size_t kMaxCallDepth = 64;

std::string supported_list() {
  std::vector<std::string> names = supported_tf_ops();
  for (const auto& [name, fn] : builtin_nodes()) names.emplace_back(name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return fmt::format("{}", fmt::join(names, ", "));
}

// Pops the call stack however the inlining ends.
class CallGuard {
 public:
  CallGuard(std::vector<std::string>& stack, const std::string& name) : stack_(stack) {
    stack_.push_back(name);
  }
  ~CallGuard() { stack_.pop_back(); }
  CallGuard(const CallGuard&) = delete;
  CallGuard& operator=(const CallGuard&) = delete;

 private:
  std::vector<std::string>& stack_;
};

}  // namespace

MetaGraphContext::MetaGraphContext(const tf::MetaGraphDef& meta_graph, const TensorBundle& b)
    : meta(meta_graph),
      bundle(b),
      variables(meta_graph, b),
      defaults(meta_graph.meta_info_def().stripped_op_list()),
      signatures(meta_graph.meta_info_def().stripped_op_list(), meta_graph.graph_def().library()) {
  for (const tf::FunctionDef& fn : meta.graph_def().library().function())
    functions.emplace(fn.signature().name(), &fn);
}

Tensor MetaGraphContext::value(const std::string& key) const {
  auto it = values.find(key);
  return it != values.end() ? it->second : bundle.tensor(key);
}

std::string Scope::where(const std::string& node) const {
  return function.empty() ? fmt::format("node '{}'", node)
                          : fmt::format("node '{}' in function '{}'", node, function);
}

void NodeEnv::fail_here(ErrorCode code, const std::string& what) const {
  fail(code, "{} ({}): {}", where(), node.op(), what);
}

void NodeEnv::expect_inputs(std::size_t n) const {
  if (inputs.size() < n)
    fail_here(ErrorCode::corrupt, fmt::format("needs {} input(s), has {}", n, inputs.size()));
}

int NodeEnv::tensor_input(std::size_t i) const {
  expect_inputs(i + 1);
  const TfValue& v = inputs[i];
  if (v.kind == TfValue::Kind::resource) {
    fail_here(ErrorCode::unsupported,
              fmt::format("input {} is {}: only ReadVariableOp and ResourceGather read variables",
                          i, v.what));
  }
  if (v.kind == TfValue::Kind::none)
    fail_here(ErrorCode::unsupported, fmt::format("input {} is {}", i, v.what));
  return v.id;
}

GraphConverter::GraphConverter(const MetaGraphContext& context, graph::Graph& graph)
    : context_(context), graph_(graph) {
  for (const tf::NodeDef& node : context.meta.graph_def().node()) {
    if (!top_.nodes.emplace(node.name(), &node).second)
      fail(ErrorCode::corrupt, "the graph has two nodes named '{}'", node.name());
  }
  // Real exports inline each function a few times (a layer called twice, an unrolled RNN's
  // cell per step): the nodes the file defines, max_expansion times, plus 100,000.
  std::uint64_t defined = static_cast<std::uint64_t>(context.meta.graph_def().node_size());
  for (const tf::FunctionDef& fn : context.meta.graph_def().library().function())
    defined += static_cast<std::uint64_t>(fn.node_def_size());
  max_inlined_nodes_ = read_limits().max_expansion * defined + 100'000;
}

void GraphConverter::feed(const std::string& name, int value) {
  const TensorRef ref = parse_tensor_ref(name, "signature input");
  if (!top_.nodes.count(ref.node))
    fail(ErrorCode::corrupt, "signature input '{}' names no node of the graph", name);
  top_.feeds[fmt::format("{}:{}", ref.node, ref.index)] = TfValue::tensor(value);
}

TfValue GraphConverter::fetch(const std::string& name) {
  return resolve(top_, name, "signature output");
}

int GraphConverter::variable_constant(const std::string& key) {
  auto it = variable_ids_.find(key);
  if (it != variable_ids_.end()) return it->second;
  const int id = graph_.add_constant(key, context_.value(key));
  variable_ids_.emplace(key, id);
  return id;
}

TfValue GraphConverter::resolve(Scope& scope, const std::string& text, const std::string& user) {
  const TensorRef ref = parse_tensor_ref(text, user);
  if (!scope.function.empty() && text.find(':') == std::string::npos) {
    auto arg = scope.args.find(ref.node);
    if (arg != scope.args.end()) return arg->second;
  }
  if (ref.out_arg.empty()) {
    auto fed = scope.feeds.find(fmt::format("{}:{}", ref.node, ref.index));
    if (fed != scope.feeds.end()) return fed->second;
  }
  convert_upto(scope, ref.node);
  const tf::NodeDef& node = *scope.nodes.at(ref.node);
  const std::vector<TfValue>& outputs = scope.done.at(ref.node);
  const int flat = context_.signatures.flat_index(node, ref, context_.defaults);
  if (static_cast<std::size_t>(flat) >= outputs.size()) {
    fail(ErrorCode::corrupt, "{}: reads output {} of {} ({}), which has {} output(s)", user, flat,
         scope.where(ref.node), node.op(), outputs.size());
  }
  return outputs[static_cast<std::size_t>(flat)];
}

// Converts `target` and what it depends on, depth first without recursion (graphs can be
// thousands of nodes deep).
void GraphConverter::convert_upto(Scope& scope, const std::string& target) {
  if (scope.done.count(target)) return;
  std::vector<std::pair<std::string, bool>> stack{{target, false}};  // node, inputs queued
  std::set<std::string> open;                                        // the current path
  while (!stack.empty()) {
    const std::string name = stack.back().first;
    if (scope.done.count(name)) {
      stack.pop_back();
      continue;
    }
    auto found = scope.nodes.find(name);
    if (found == scope.nodes.end()) {
      fail(ErrorCode::corrupt, "{}: no node named '{}'",
           scope.function.empty() ? std::string("the graph")
                                  : fmt::format("function '{}'", scope.function),
           name);
    }
    const tf::NodeDef& node = *found->second;
    if (!stack.back().second) {
      stack.back().second = true;
      open.insert(name);
      for (const std::string& text : node.input()) {
        const TensorRef ref = parse_tensor_ref(text, scope.where(name));
        if (ref.control) continue;
        if (!scope.function.empty() && text.find(':') == std::string::npos &&
            scope.args.count(ref.node))
          continue;
        if (ref.out_arg.empty() && scope.feeds.count(fmt::format("{}:{}", ref.node, ref.index)))
          continue;
        if (scope.done.count(ref.node)) continue;
        if (open.count(ref.node)) {
          fail(ErrorCode::unsupported,
               "{} ({}) is part of a cycle through '{}' (TF1 control-flow loops are not "
               "supported)",
               scope.where(name), node.op(), ref.node);
        }
        stack.emplace_back(ref.node, false);
      }
      continue;
    }
    scope.done[name] = convert(scope, node);
    open.erase(name);
    stack.pop_back();
  }
}

std::vector<TfValue> GraphConverter::convert(Scope& scope, const tf::NodeDef& node) {
  NodeEnv env{*this, scope, node, {}};
  for (const std::string& text : node.input()) {
    if (!text.empty() && text[0] == '^') continue;
    env.inputs.push_back(resolve(scope, text, scope.where(node.name())));
  }
  auto builtin = builtin_nodes().find(node.op());
  if (builtin != builtin_nodes().end()) return builtin->second(env);
  if (context_.functions.count(node.op())) return call(env, node.op());

  const TfOpBuilder builder = find_tf_op(node.op());
  if (!builder) {
    fail(ErrorCode::unsupported, "op '{}' ({}) is not supported; supported TF ops: {}", node.op(),
         scope.where(node.name()), supported_list());
  }
  std::vector<int> ids;
  for (std::size_t i = 0; i < env.inputs.size(); ++i) ids.push_back(env.tensor_input(i));
  std::vector<int> outputs;
  try {
    TfOpContext ctx(graph_, node, std::move(ids), context_.defaults, scope.prefix);
    outputs = builder(ctx);
  } catch (const Error& e) {
    if (scope.function.empty()) throw;
    rethrow_with_context(e, fmt::format("in function '{}'", scope.function));
  }
  std::vector<TfValue> values;
  for (int id : outputs) values.push_back(TfValue::tensor(id));
  return values;
}

std::vector<TfValue> GraphConverter::call(NodeEnv& env, const std::string& function) {
  auto found = context_.functions.find(function);
  if (found == context_.functions.end()) {
    env.fail_here(ErrorCode::corrupt,
                  fmt::format("calls function '{}', which the library does not define", function));
  }
  const tf::FunctionDef& fn = *found->second;
  if (std::find(call_stack_.begin(), call_stack_.end(), function) != call_stack_.end()) {
    env.fail_here(ErrorCode::unsupported,
                  fmt::format("calls function '{}' recursively: not supported", function));
  }
  if (call_stack_.size() >= kMaxCallDepth) {
    env.fail_here(ErrorCode::unsupported,
                  fmt::format("function calls nest deeper than {}", kMaxCallDepth));
  }
  inlined_nodes_ += static_cast<std::uint64_t>(fn.node_def_size());
  if (inlined_nodes_ > max_inlined_nodes_) {
    env.fail_here(ErrorCode::corrupt,
                  fmt::format("inlining function calls makes more than {} nodes, implausible "
                              "for the nodes the file defines (ReadLimits::max_expansion is {}; "
                              "do functions call functions many times over?)",
                              max_inlined_nodes_, read_limits().max_expansion));
  }
  const tf::OpDef& sig = fn.signature();
  for (const tf::OpDef::ArgDef& arg : sig.input_arg()) {
    if (!arg.number_attr().empty() || !arg.type_list_attr().empty()) {
      env.fail_here(ErrorCode::unsupported,
                    fmt::format("function '{}' takes a list argument '{}'", function, arg.name()));
    }
  }
  if (env.inputs.size() != static_cast<std::size_t>(sig.input_arg_size())) {
    env.fail_here(ErrorCode::corrupt,
                  fmt::format("passes {} inputs to function '{}', which takes {}",
                              env.inputs.size(), function, sig.input_arg_size()));
  }
  Scope scope;
  scope.function = function;
  scope.prefix = env.name() + "/";
  for (const tf::NodeDef& node : fn.node_def()) {
    if (!scope.nodes.emplace(node.name(), &node).second)
      fail(ErrorCode::corrupt, "function '{}' has two nodes named '{}'", function, node.name());
  }
  const auto n = static_cast<std::size_t>(sig.input_arg_size());
  for (std::size_t i = 0; i < n; ++i)
    scope.args[sig.input_arg(static_cast<int>(i)).name()] = env.inputs[i];
  // TF2: the object graph says which variables the function captures (its last inputs).
  if (const std::vector<int>* bound = context_.variables.bound_inputs(function)) {
    if (bound->size() > n) {
      fail(ErrorCode::corrupt,
           "the object graph binds {} captured variables to function '{}', which takes {} inputs",
           bound->size(), function, n);
    }
    for (std::size_t j = 0; j < bound->size(); ++j) {
      const tf::OpDef::ArgDef& arg = sig.input_arg(static_cast<int>(n - bound->size() + j));
      const std::string* key = context_.variables.key_of_object((*bound)[j]);
      if (arg.type() == tf::DT_RESOURCE && key)
        scope.args[arg.name()] = TfValue::resource(*key, fmt::format("variable '{}'", *key));
    }
  }
  CallGuard guard(call_stack_, function);
  std::vector<TfValue> outputs;
  for (const tf::OpDef::ArgDef& out : sig.output_arg()) {
    auto ret = fn.ret().find(out.name());
    if (ret == fn.ret().end())
      fail(ErrorCode::corrupt, "function '{}' does not say where output '{}' comes from", function,
           out.name());
    outputs.push_back(resolve(scope, ret->second,
                              fmt::format("function '{}' output '{}'", function, out.name())));
  }
  return outputs;
}

std::shared_ptr<graph::Graph> convert_signature(const MetaGraphContext& context,
                                                const SignatureInfo& info,
                                                const tf::SignatureDef& def) {
  auto graph = std::make_shared<graph::Graph>();
  GraphConverter converter(context, *graph);
  for (const SignatureTensor& in : info.inputs) {
    const tf::TensorInfo& t = def.inputs().at(in.key);
    if (t.encoding_case() != tf::TensorInfo::kName)
      fail(ErrorCode::unsupported, "input '{}' is a sparse tensor: not supported", in.key);
    if (t.dtype() == tf::DT_STRING) {
      fail(ErrorCode::unsupported,
           "input '{}' is a string tensor (serialized tf.Example): ParseExample is not supported",
           in.key);
    }
    if (!dtype_from_tf(t.dtype())) {
      fail(ErrorCode::unsupported, "input '{}' is a {} tensor, which nnload does not support",
           in.key, tf_dtype_name(t.dtype()));
    }
    const int id = graph->add_input(in.key, in.dtype, in.shape);
    // Rank 0 declared: TensorFlow's session feeds don't enforce placeholder shapes, and real
    // TF 2.0 exports declare scalars that their users feed vectors (times_three_float).
    if (!in.rank_known || in.shape.empty()) graph->value(id).shape_known = false;
    converter.feed(t.name(), id);
  }
  std::set<int> used;
  for (const SignatureTensor& out : info.outputs) {
    const tf::TensorInfo& t = def.outputs().at(out.key);
    if (t.encoding_case() != tf::TensorInfo::kName)
      fail(ErrorCode::unsupported, "output '{}' is a sparse tensor: not supported", out.key);
    const TfValue v = converter.fetch(t.name());
    if (v.kind != TfValue::Kind::tensor) {
      fail(ErrorCode::unsupported, "output '{}' ('{}') is not a tensor nnload can compute: {}",
           out.key, t.name(), v.what);
    }
    int id = v.id;
    // Each output gets a value of its own, computed by a node.
    if (graph->value(id).producer < 0 || !used.insert(id).second)
      id = graph->add("Identity", "output/" + out.key, {id});
    graph->add_output(id, out.key);
  }
  return graph;
}

}  // namespace nnload::formats::savedmodel
