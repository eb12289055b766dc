// ONNX GraphProto -> nnload graph: initializers as constants, Constant nodes folded in, nodes in
// dependency order (files are not always sorted; a cycle is an error), sequence ops lowered to
// tensor ops, If branches read into graphs of their own whose outer-scope reads become inputs.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "formats/onnx/tensor_proto.hpp"
#include "graph/graph.hpp"

namespace nnload::formats::onnx {

// What every graph of one model file shares.
struct ReadContext {
  std::string source;                 // the file, for messages
  std::shared_ptr<const void> owner;  // keeps the parsed ModelProto (raw_data views) alive
  ExternalData* external = nullptr;
  std::map<std::string, int> opsets;  // domain ("" for ONNX) -> version
};

// A sequence value, tracked at read time: the tensors it holds, in order.
struct SequenceValue {
  std::vector<int> elements;
  // A sequence whose length is known but whose tensors are not built (SplitToSequence with
  // run-time split sizes below opset 13): only SequenceLength may read it.
  std::optional<std::int64_t> length_only;

  std::int64_t length() const {
    return length_only ? *length_only : static_cast<std::int64_t>(elements.size());
  }
};

class GraphReader {
 public:
  // `is_subgraph`: names no scope of this graph defines are captured from the enclosing graph
  // (and become inputs); in a main graph they are an error.
  GraphReader(ReadContext& context, graph::Graph& graph, bool is_subgraph);

  void read(const pb::GraphProto& proto);

  // Outer-scope names a subgraph reads, in the order of the inputs they became.
  const std::vector<std::string>& captured() const { return captured_; }
  // Initializers that are also declared graph inputs (IR < 4 lists every weight as an input).
  const std::set<std::string>& initializer_inputs() const { return initializer_inputs_; }

  // For the op lowerings: the value a name refers to (captured in a subgraph when outer).
  int resolve(const std::string& name, const pb::NodeProto& reader);
  // The value id for an optional input ("" = omitted).
  int resolve_optional(const std::string& name, const pb::NodeProto& reader);
  void bind(const std::string& name, int value);
  void bind_sequence(const std::string& name, SequenceValue sequence);
  const SequenceValue& sequence(const std::string& name, const pb::NodeProto& reader) const;
  // The constant a name holds at read time, or nullptr.
  const Tensor* constant(const std::string& name) const;
  // The declared shape of a value when the file states it fully (graph inputs, value_info,
  // constants), else nullptr.
  const Shape* declared_shape(int value) const;
  // Adds an ONNX node of the model's opset; returns its outputs.
  std::vector<int> add(const std::string& op, const std::string& name, std::vector<int> inputs,
                       graph::Attributes attrs = {}, int num_outputs = 1);
  graph::Graph& graph() { return graph_; }
  const ReadContext& context() const { return context_; }

 private:
  void read_inputs(const pb::GraphProto& proto);
  void read_node(const pb::NodeProto& node);

  ReadContext& context_;
  graph::Graph& graph_;
  bool is_subgraph_;
  std::map<std::string, int> names_;
  std::map<std::string, SequenceValue> sequences_;
  std::map<std::string, Shape> value_info_shapes_;
  std::map<int, Shape> declared_shapes_;
  std::vector<std::string> captured_;
  std::set<std::string> initializer_inputs_;
};

// "'name' (Op)" for messages; unnamed nodes are named by their first output.
std::string node_label(const pb::NodeProto& node);

// Names a graph reads from enclosing scopes (recursively through its own subgraphs).
std::set<std::string> free_names(const pb::GraphProto& graph);

}  // namespace nnload::formats::onnx
