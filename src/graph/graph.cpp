#include "graph/graph.hpp"

#include "core/fail.hpp"

namespace nnload::graph {

std::string Node::describe() const {
  return fmt::format("'{}' ({}{})", name, domain.empty() ? "" : domain + ".", op);
}

int Graph::opset(const std::string& domain) const {
  auto it = opsets_.find(domain);
  if (it == opsets_.end())
    fail(ErrorCode::unsupported, "no opset imported for domain '{}'", domain);
  return it->second;
}

int Graph::new_value(std::string name) {
  values_.push_back(Value{});
  values_.back().name = std::move(name);
  return static_cast<int>(values_.size() - 1);
}

int Graph::add_input(std::string name, DType dtype, Shape shape) {
  const int id = new_value(std::move(name));
  Value& v = values_[static_cast<std::size_t>(id)];
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.shape_known = true;
  inputs_.push_back(id);
  return id;
}

int Graph::add_constant(std::string name, Tensor value) {
  if (!value.defined()) fail(ErrorCode::internal, "constant '{}' has no data", name);
  const int id = new_value(std::move(name));
  Value& v = values_[static_cast<std::size_t>(id)];
  v.dtype = value.dtype();
  v.shape = value.shape();
  v.shape_known = true;
  v.constant = std::move(value);
  return id;
}

std::vector<int> Graph::add_node(std::string op, std::string name, std::vector<int> inputs,
                                 Attributes attrs, int num_outputs, std::string domain) {
  for (int in : inputs) {
    if (in != kNoValue && (in < 0 || in >= static_cast<int>(values_.size()))) {
      fail(ErrorCode::internal, "node '{}' reads value {} that does not exist", name, in);
    }
  }
  Node node;
  node.op = std::move(op);
  node.domain = std::move(domain);
  node.inputs = std::move(inputs);
  node.attrs = std::move(attrs);
  const int index = static_cast<int>(nodes_.size());
  for (int i = 0; i < num_outputs; ++i) {
    const int id = new_value(num_outputs == 1 ? name : fmt::format("{}:{}", name, i));
    values_[static_cast<std::size_t>(id)].producer = index;
    node.outputs.push_back(id);
  }
  node.name = std::move(name);
  nodes_.push_back(std::move(node));
  return nodes_.back().outputs;
}

int Graph::add(std::string op, std::string name, std::vector<int> inputs, Attributes attrs,
               std::string domain) {
  return add_node(std::move(op), std::move(name), std::move(inputs), std::move(attrs), 1,
                  std::move(domain))[0];
}

int Graph::add_value(std::string name, DType dtype) {
  const int id = new_value(std::move(name));
  values_[static_cast<std::size_t>(id)].dtype = dtype;
  return id;
}

void Graph::add_output(int value, std::string name) {
  this->value(value);  // bounds check
  outputs_.push_back(value);
  output_names_.push_back(std::move(name));
}

Value& Graph::value(int id) {
  if (id < 0 || id >= static_cast<int>(values_.size())) {
    fail(ErrorCode::internal, "value id {} out of range", id);
  }
  return values_[static_cast<std::size_t>(id)];
}

const Value& Graph::value(int id) const { return const_cast<Graph*>(this)->value(id); }

void Graph::set_nodes(std::vector<Node> nodes) {
  nodes_ = std::move(nodes);
  for (Value& v : values_) v.producer = -1;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    for (int out : nodes_[i].outputs) value(out).producer = static_cast<int>(i);
  }
}

void Graph::replace_uses(int from, int to) {
  for (Node& n : nodes_) {
    for (int& in : n.inputs) {
      if (in == from) in = to;
    }
  }
  for (int& out : outputs_) {
    if (out == from) out = to;
  }
}

std::vector<std::vector<int>> Graph::consumers() const {
  std::vector<std::vector<int>> result(values_.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    for (int in : nodes_[i].inputs) {
      if (in != kNoValue) result[static_cast<std::size_t>(in)].push_back(static_cast<int>(i));
    }
  }
  return result;
}

}  // namespace nnload::graph
