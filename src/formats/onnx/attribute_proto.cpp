#include "formats/onnx/attribute_proto.hpp"

#include "core/fail.hpp"

namespace nnload::formats::onnx {

namespace {

using AttrType = pb::AttributeProto::AttributeType;

// Files written before IR version 2... and some hand-made ones leave `type` unset.
AttrType type_of(const pb::AttributeProto& a) {
  if (a.type() != pb::AttributeProto::UNDEFINED) return a.type();
  if (a.floats_size() > 0) return pb::AttributeProto::FLOATS;
  if (a.ints_size() > 0) return pb::AttributeProto::INTS;
  if (a.strings_size() > 0) return pb::AttributeProto::STRINGS;
  if (a.has_t()) return pb::AttributeProto::TENSOR;
  if (a.has_g()) return pb::AttributeProto::GRAPH;
  if (!a.s().empty()) return pb::AttributeProto::STRING;
  if (a.f() != 0.0F) return pb::AttributeProto::FLOAT;
  return pb::AttributeProto::INT;
}

graph::AttrValue attribute_value(const pb::AttributeProto& a, const ReadContext& context,
                                 std::string_view label) {
  switch (type_of(a)) {
    case pb::AttributeProto::FLOAT:
      return static_cast<double>(a.f());
    case pb::AttributeProto::INT:
      return a.i();
    case pb::AttributeProto::STRING:
      return a.s();
    case pb::AttributeProto::TENSOR:
      return tensor_from_proto(a.t(), context.owner, context.external, context.source);
    case pb::AttributeProto::FLOATS:
      return std::vector<double>(a.floats().begin(), a.floats().end());
    case pb::AttributeProto::INTS:
      return std::vector<std::int64_t>(a.ints().begin(), a.ints().end());
    case pb::AttributeProto::STRINGS:
      return std::vector<std::string>(a.strings().begin(), a.strings().end());
    case pb::AttributeProto::GRAPH:
    case pb::AttributeProto::GRAPHS:
      fail(ErrorCode::unsupported,
           "{}: attribute '{}' holds a subgraph; nnload runs the subgraphs of If only", label,
           a.name());
    default:
      fail(ErrorCode::unsupported, "{}: attribute '{}' has type {}, which nnload does not read",
           label, a.name(), static_cast<int>(a.type()));
  }
}

}  // namespace

graph::Attributes read_attributes(const pb::NodeProto& node, const ReadContext& context,
                                  std::string_view label) {
  graph::Attributes attrs;
  for (const pb::AttributeProto& a : node.attribute()) {
    if (!a.ref_attr_name().empty()) {
      fail(ErrorCode::unsupported, "{}: attribute '{}' refers to a function attribute", label,
           a.name());
    }
    if (attrs.has(a.name()))
      fail(ErrorCode::corrupt, "{}: attribute '{}' is given twice", label, a.name());
    attrs.set(a.name(), attribute_value(a, context, label));
  }
  return attrs;
}

void read_constant(GraphReader& reader, const pb::NodeProto& node) {
  if (node.output_size() != 1 || node.attribute_size() != 1) {
    fail(ErrorCode::corrupt, "Constant needs one output and one attribute, has {} and {}",
         node.output_size(), node.attribute_size());
  }
  const ReadContext& context = reader.context();
  const graph::Attributes attrs = read_attributes(node, context, node_label(node));
  const std::string& name = node.attribute(0).name();
  Tensor value;
  if (name == "value") {
    value = attrs.get_tensor("value");
  } else if (name == "value_float") {
    value = Tensor::scalar<float>(static_cast<float>(attrs.get_float(name)));
  } else if (name == "value_int") {
    value = Tensor::scalar<std::int64_t>(attrs.get_int(name));
  } else if (name == "value_floats") {
    std::vector<float> v;
    for (double d : attrs.get_floats(name)) v.push_back(static_cast<float>(d));
    const auto n = static_cast<std::int64_t>(v.size());
    value = Tensor::from_vector(v, {n});
  } else if (name == "value_ints") {
    const std::vector<std::int64_t> v = attrs.get_ints(name);
    value = Tensor::from_vector(v, {static_cast<std::int64_t>(v.size())});
  } else {
    fail(ErrorCode::unsupported, "Constant attribute '{}' is not supported", name);
  }
  const int id = reader.graph().add_constant(node.output(0), std::move(value));
  reader.bind(node.output(0), id);
}

bool domain_supported(const std::string& domain) { return domain == "ai.onnx.preview.training"; }

}  // namespace nnload::formats::onnx
