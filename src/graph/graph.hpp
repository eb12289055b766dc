// The IR every format is translated into: values (tensors flowing between nodes), nodes (ops
// with ONNX semantics, or internal ops in the "nnload" domain), graph inputs and outputs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "graph/attributes.hpp"
#include "nnload/tensor.hpp"

namespace nnload::graph {

constexpr int kNoValue = -1;  // an omitted optional input

struct Value {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;               // declared shape; -1 for unknown dimensions
  bool shape_known = false;  // false: rank unknown too (filled in by shape inference)
  Tensor constant;           // defined for weights and constants
  int producer = -1;         // index of the producing node; -1 for inputs and constants

  bool is_constant() const { return constant.defined(); }
};

struct Node {
  std::string name;
  std::string op;
  std::string domain;  // "" for ONNX ops, "nnload" for internal ones
  std::vector<int> inputs;
  std::vector<int> outputs;
  Attributes attrs;

  // "'dense_1/MatMul' (MatMul)": how errors name a node.
  std::string describe() const;
};

// The newest ONNX opset whose semantics nnload implements; graphs built by non-ONNX frontends
// use it. Opsets 22..25 changed only the types of the ops nnload implements (bfloat16, float8,
// float4, int4/int2), so their rows run on to here.
constexpr int kLatestOpset = 25;

class Graph {
 public:
  // Opset version per domain ("" is ONNX), as a model's opset_import declares.
  int opset(const std::string& domain) const;
  void set_opset(const std::string& domain, int version) { opsets_[domain] = version; }

  int add_input(std::string name, DType dtype, Shape shape);
  int add_constant(std::string name, Tensor value);
  // Appends a node whose outputs are new values named "<name>:<i>" (or "<name>" for one output).
  std::vector<int> add_node(std::string op, std::string name, std::vector<int> inputs,
                            Attributes attrs = {}, int num_outputs = 1, std::string domain = "");
  // The common one-output case: returns that output's value id.
  int add(std::string op, std::string name, std::vector<int> inputs, Attributes attrs = {},
          std::string domain = "");
  void add_output(int value, std::string name);
  // A new value for a pass to produce (its node is added with set_nodes).
  int add_value(std::string name, DType dtype);

  Value& value(int id);
  const Value& value(int id) const;
  Node& node(int index) { return nodes_.at(static_cast<std::size_t>(index)); }
  const Node& node(int index) const { return nodes_.at(static_cast<std::size_t>(index)); }

  std::vector<Value>& values() { return values_; }
  const std::vector<Value>& values() const { return values_; }
  std::vector<Node>& nodes() { return nodes_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<int>& inputs() const { return inputs_; }
  const std::vector<int>& outputs() const { return outputs_; }
  const std::vector<std::string>& output_names() const { return output_names_; }
  std::vector<int>& mutable_outputs() { return outputs_; }

  // Replaces the node list (passes rebuild it) and recomputes every value's producer.
  void set_nodes(std::vector<Node> nodes);
  // Points every use of `from` (node inputs and graph outputs) at `to`.
  void replace_uses(int from, int to);
  // For each value, the indices of the nodes that read it.
  std::vector<std::vector<int>> consumers() const;

  // What compiling this graph may still copy of its constants (constant_copy_limit.hpp): set
  // from the loaded constants before the first pass copies any, then what the passes left.
  std::optional<std::uint64_t> constant_copy_allowance() const { return copy_allowance_; }
  void set_constant_copy_allowance(std::uint64_t bytes) { copy_allowance_ = bytes; }

 private:
  int new_value(std::string name);
  std::map<std::string, int> opsets_{{"", kLatestOpset}, {"nnload", 1}};
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<int> inputs_;
  std::vector<int> outputs_;
  std::vector<std::string> output_names_;
  std::optional<std::uint64_t> copy_allowance_;
};

}  // namespace nnload::graph
