// The machinery behind convert_signature: values as the converter tracks them, the scopes of
// the top-level graph and of inlined functions, and the nodes the converter handles itself
// (builtin_nodes.cpp) rather than through the TF op builders.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "formats/savedmodel/graph_converter.hpp"

namespace nnload::formats::savedmodel {

// One output of a TensorFlow node, as converted.
struct TfValue {
  enum class Kind { tensor, resource, none };
  Kind kind = Kind::none;
  int id = -1;           // tensor: the graph value
  std::string variable;  // resource: the bundle key of the variable it refers to; "" unbound
  std::string what;      // resource: the handle, for messages; none: why there is no tensor

  static TfValue tensor(int id) { return {Kind::tensor, id, {}, {}}; }
  static TfValue resource(std::string key, std::string what) {
    return {Kind::resource, -1, std::move(key), std::move(what)};
  }
  static TfValue nothing(std::string why) { return {Kind::none, -1, {}, std::move(why)}; }
};

// The top-level graph or one inlined function call.
struct Scope {
  std::string function;  // "" at the top level
  std::string prefix;    // prepended to node names: "" or "<call node>/.../"
  std::map<std::string, const tf::NodeDef*> nodes;
  std::map<std::string, TfValue> args;               // a function's inputs
  std::map<std::string, std::vector<TfValue>> done;  // converted nodes' outputs
  std::map<std::string, TfValue> feeds;              // top level: "node:i" -> signature input

  // "node 'x'" or "node 'x' in function 'f'".
  std::string where(const std::string& node) const;
};

class GraphConverter;

// A node the converter is converting, with its data inputs resolved.
struct NodeEnv {
  GraphConverter& converter;
  const Scope& scope;
  const tf::NodeDef& node;
  std::vector<TfValue> inputs;

  std::string name() const { return scope.prefix + node.name(); }
  std::string where() const { return scope.where(node.name()); }
  [[noreturn]] void fail_here(ErrorCode code, const std::string& what) const;
  // Input i as a graph value; Error naming the node when it is a resource or has no value.
  int tensor_input(std::size_t i) const;
  void expect_inputs(std::size_t n) const;
};

using BuiltinNode = std::vector<TfValue> (*)(NodeEnv& env);
// Const, Placeholder(WithDefault), Identity-like ops, NoOp, variables, function calls.
const std::map<std::string, BuiltinNode, std::less<>>& builtin_nodes();

class GraphConverter {
 public:
  GraphConverter(const MetaGraphContext& context, graph::Graph& graph);

  // Makes top-level tensor `name` ("x:0", "x") the graph value `value`.
  void feed(const std::string& name, int value);
  // The value of top-level tensor `name`.
  TfValue fetch(const std::string& name);

  const MetaGraphContext& context() const { return context_; }
  graph::Graph& graph() { return graph_; }
  // The graph constant holding the variable under bundle key `key`, named by that key.
  int variable_constant(const std::string& key);
  // Inlines library function `function` called by `call` with `inputs`; its outputs.
  std::vector<TfValue> call(NodeEnv& call, const std::string& function);

 private:
  TfValue resolve(Scope& scope, const std::string& ref, const std::string& user);
  std::vector<TfValue> convert(Scope& scope, const tf::NodeDef& node);
  void convert_upto(Scope& scope, const std::string& node);

  const MetaGraphContext& context_;
  graph::Graph& graph_;
  Scope top_;
  std::map<std::string, int> variable_ids_;
  std::vector<std::string> call_stack_;
  // Nodes of the functions inlined so far, and their bound: calls repeat a function's nodes, so
  // two calls at each of 40 levels would make 2^40 (see call()).
  std::uint64_t inlined_nodes_ = 0;
  std::uint64_t max_inlined_nodes_ = 0;
};

}  // namespace nnload::formats::savedmodel
