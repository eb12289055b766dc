#include "formats/onnx/graph_reader.hpp"

#include <deque>

#include "core/fail.hpp"
#include "formats/onnx/attribute_proto.hpp"
#include "formats/onnx/control_flow.hpp"
#include "formats/onnx/sequence_ops.hpp"

namespace nnload::formats::onnx {

namespace {

bool is_onnx_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

// Every name a node reads: its inputs and whatever its subgraphs take from outside.
std::set<std::string> names_read(const pb::NodeProto& node) {
  std::set<std::string> names(node.input().begin(), node.input().end());
  names.erase("");
  for (const pb::AttributeProto& attr : node.attribute()) {
    if (attr.has_g()) names.merge(free_names(attr.g()));
    for (const pb::GraphProto& g : attr.graphs()) names.merge(free_names(g));
  }
  return names;
}

// Files are supposed to list nodes in dependency order; some writers don't. Kahn's algorithm
// over the names each node reads; what is left over lies on a cycle.
std::vector<int> dependency_order(const pb::GraphProto& proto, const std::string& source) {
  const int n = proto.node_size();
  std::map<std::string, int> producer;
  for (int i = 0; i < n; ++i) {
    for (const std::string& out : proto.node(i).output()) {
      if (!out.empty()) producer.emplace(out, i);
    }
  }
  std::vector<int> pending(static_cast<std::size_t>(n), 0);
  std::vector<std::vector<int>> readers(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    for (const std::string& name : names_read(proto.node(i))) {
      auto it = producer.find(name);
      if (it == producer.end()) continue;
      ++pending[static_cast<std::size_t>(i)];
      readers[static_cast<std::size_t>(it->second)].push_back(i);
    }
  }
  std::deque<int> ready;
  for (int i = 0; i < n; ++i) {
    if (pending[static_cast<std::size_t>(i)] == 0) ready.push_back(i);
  }
  std::vector<int> order;
  while (!ready.empty()) {
    const int i = ready.front();
    ready.pop_front();
    order.push_back(i);
    for (int r : readers[static_cast<std::size_t>(i)]) {
      if (--pending[static_cast<std::size_t>(r)] == 0) ready.push_back(r);
    }
  }
  if (static_cast<int>(order.size()) != n) {
    for (int i = 0; i < n; ++i) {
      if (pending[static_cast<std::size_t>(i)] > 0) {
        fail(ErrorCode::corrupt, "{}: the graph has a cycle through node {}", source,
             node_label(proto.node(i)));
      }
    }
  }
  return order;
}

Shape declared_dims(const pb::TypeProto::Tensor& type) {
  Shape shape;
  for (const pb::TensorShapeProto::Dimension& d : type.shape().dim()) {
    shape.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : -1);
  }
  return shape;
}

bool fully_known(const Shape& shape) {
  for (std::int64_t d : shape) {
    if (d < 0) return false;
  }
  return true;
}

}  // namespace

std::string node_label(const pb::NodeProto& node) {
  const std::string& name =
      !node.name().empty() ? node.name() : (node.output_size() > 0 ? node.output(0) : "");
  const std::string domain = is_onnx_domain(node.domain()) ? "" : node.domain() + ".";
  return fmt::format("'{}' ({}{})", name, domain, node.op_type());
}

std::set<std::string> free_names(const pb::GraphProto& graph) {
  std::set<std::string> defined;
  for (const pb::TensorProto& t : graph.initializer()) defined.insert(t.name());
  for (const pb::ValueInfoProto& v : graph.input()) defined.insert(v.name());
  for (const pb::NodeProto& node : graph.node()) {
    defined.insert(node.output().begin(), node.output().end());
  }
  std::set<std::string> free;
  for (const pb::NodeProto& node : graph.node()) {
    for (const std::string& name : names_read(node)) {
      if (!defined.count(name)) free.insert(name);
    }
  }
  for (const pb::ValueInfoProto& v : graph.output()) {
    if (!defined.count(v.name())) free.insert(v.name());
  }
  return free;
}

GraphReader::GraphReader(ReadContext& context, graph::Graph& graph, bool is_subgraph)
    : context_(context), graph_(graph), is_subgraph_(is_subgraph) {}

void GraphReader::read(const pb::GraphProto& proto) {
  for (const pb::ValueInfoProto& info : proto.value_info()) {
    if (info.type().has_tensor_type())
      value_info_shapes_[info.name()] = declared_dims(info.type().tensor_type());
  }
  read_inputs(proto);
  for (int index : dependency_order(proto, context_.source)) {
    const pb::NodeProto& node = proto.node(index);
    try {
      read_node(node);
    } catch (const Error& e) {
      if (std::string_view(e.what()).find("node '") != std::string_view::npos) throw;
      rethrow_with_context(e, fmt::format("{}: node {}", context_.source, node_label(node)));
    }
  }
  for (const pb::ValueInfoProto& out : proto.output()) {
    if (sequences_.count(out.name())) {
      fail(ErrorCode::unsupported,
           "{}: graph output '{}' is a sequence; nnload returns tensors only", context_.source,
           out.name());
    }
    auto found = names_.find(out.name());
    int value = found != names_.end() ? found->second : -1;
    if (value < 0) {
      if (!is_subgraph_) {
        fail(ErrorCode::corrupt,
             "{}: graph output '{}' is produced by no node, input or initializer", context_.source,
             out.name());
      }
      captured_.push_back(out.name());
      value = graph_.add_input(out.name(), DType::f32, {});
      names_[out.name()] = value;
    }
    graph_.add_output(value, out.name());
  }
}

void GraphReader::read_inputs(const pb::GraphProto& proto) {
  for (const pb::TensorProto& init : proto.initializer()) {
    if (init.name().empty())
      fail(ErrorCode::corrupt, "{}: an initializer has no name", context_.source);
    Tensor value = tensor_from_proto(init, context_.owner, context_.external, context_.source);
    names_[init.name()] = graph_.add_constant(init.name(), std::move(value));
  }
  if (proto.sparse_initializer_size() > 0) {
    fail(ErrorCode::unsupported, "{}: sparse initializers ('{}') are not supported",
         context_.source, proto.sparse_initializer(0).values().name());
  }
  for (const pb::ValueInfoProto& input : proto.input()) {
    if (names_.count(input.name())) {
      initializer_inputs_.insert(input.name());
      continue;
    }
    if (!input.type().has_tensor_type()) {
      fail(ErrorCode::unsupported,
           "{}: graph input '{}' is not a tensor (sequence, map or optional)", context_.source,
           input.name());
    }
    const pb::TypeProto::Tensor& type = input.type().tensor_type();
    const DType dtype = dtype_of_onnx_type(
        type.elem_type(), fmt::format("{}: input '{}'", context_.source, input.name()));
    Shape shape = declared_dims(type);
    const int id = graph_.add_input(input.name(), dtype, shape);
    names_[input.name()] = id;
    if (fully_known(shape)) declared_shapes_[id] = std::move(shape);
  }
}

void GraphReader::read_node(const pb::NodeProto& node) {
  const std::string domain = is_onnx_domain(node.domain()) ? "" : node.domain();
  if (!context_.opsets.count(domain)) {
    fail(ErrorCode::unsupported, "op domain '{}' is not imported by the model", domain);
  }
  if (domain.empty()) {
    if (node.op_type() == "Constant") return read_constant(*this, node);
    if (lower_sequence_op(*this, node)) return;
    if (node.op_type() == "If") return read_if(*this, node);
  } else if (!domain_supported(domain)) {
    fail(ErrorCode::unsupported,
         "op domain '{}' is not supported by nnload (it runs the ONNX domain '' / ai.onnx)",
         domain);
  }
  std::vector<int> inputs;
  for (const std::string& name : node.input()) inputs.push_back(resolve_optional(name, node));
  graph::Attributes attrs = read_attributes(node, context_, node_label(node));
  const std::string name = node.name().empty() ? node.output(0) : node.name();
  const std::vector<int> outputs = graph_.add_node(node.op_type(), name, std::move(inputs),
                                                   std::move(attrs), node.output_size(), domain);
  for (int i = 0; i < node.output_size(); ++i) {
    if (!node.output(i).empty()) bind(node.output(i), outputs[static_cast<std::size_t>(i)]);
  }
}

int GraphReader::resolve(const std::string& name, const pb::NodeProto& reader) {
  if (name.empty()) fail(ErrorCode::corrupt, "a required input is empty");
  auto found = names_.find(name);
  if (found != names_.end()) return found->second;
  if (sequences_.count(name)) {
    fail(ErrorCode::unsupported, "input '{}' is a sequence, which {} can't read", name,
         node_label(reader));
  }
  if (!is_subgraph_) {
    fail(ErrorCode::corrupt, "input '{}' is produced by no node, input or initializer", name);
  }
  // The enclosing graph provides it; its dtype and shape reach the subgraph when it is compiled.
  captured_.push_back(name);
  const int id = graph_.add_input(name, DType::f32, {});
  names_[name] = id;
  return id;
}

int GraphReader::resolve_optional(const std::string& name, const pb::NodeProto& reader) {
  return name.empty() ? graph::kNoValue : resolve(name, reader);
}

void GraphReader::bind(const std::string& name, int value) {
  if (names_.count(name) || sequences_.count(name)) {
    fail(ErrorCode::corrupt, "value '{}' is produced twice", name);
  }
  names_[name] = value;
  graph::Value& v = graph_.value(value);
  if (v.producer >= 0) v.name = name;
  auto info = value_info_shapes_.find(name);
  if (info != value_info_shapes_.end() && fully_known(info->second))
    declared_shapes_[value] = info->second;
}

void GraphReader::bind_sequence(const std::string& name, SequenceValue sequence) {
  if (names_.count(name) || sequences_.count(name)) {
    fail(ErrorCode::corrupt, "value '{}' is produced twice", name);
  }
  sequences_[name] = std::move(sequence);
}

const SequenceValue& GraphReader::sequence(const std::string& name,
                                           const pb::NodeProto& reader) const {
  auto found = sequences_.find(name);
  if (found == sequences_.end()) {
    fail(ErrorCode::unsupported,
         "{} reads '{}', which is not a sequence built in this graph (sequences that are graph "
         "inputs or cross subgraphs are not supported)",
         node_label(reader), name);
  }
  return found->second;
}

const Tensor* GraphReader::constant(const std::string& name) const {
  auto found = names_.find(name);
  if (found == names_.end()) return nullptr;
  const graph::Value& v = graph_.value(found->second);
  return v.is_constant() ? &v.constant : nullptr;
}

const Shape* GraphReader::declared_shape(int value) const {
  const graph::Value& v = graph_.value(value);
  if (v.is_constant()) return &v.constant.shape();
  auto found = declared_shapes_.find(value);
  return found == declared_shapes_.end() ? nullptr : &found->second;
}

std::vector<int> GraphReader::add(const std::string& op, const std::string& name,
                                  std::vector<int> inputs, graph::Attributes attrs,
                                  int num_outputs) {
  return graph_.add_node(op, name, std::move(inputs), std::move(attrs), num_outputs);
}

}  // namespace nnload::formats::onnx
