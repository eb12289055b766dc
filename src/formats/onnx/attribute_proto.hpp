// ONNX AttributeProto -> nnload node attributes, and Constant nodes -> graph constants.
#pragma once

#include <string>
#include <string_view>

#include "formats/onnx/graph_reader.hpp"
#include "graph/attributes.hpp"

namespace nnload::formats::onnx {

// A node's attributes as typed values (FLOAT -> double, INT -> int64, STRING -> string, TENSOR ->
// Tensor, FLOATS/INTS/STRINGS -> vectors). Old files leave `type` unset: the field that is set
// decides. Subgraph, sparse and type attributes are Error(unsupported) naming the attribute
// (If's branches are read by control_flow.hpp, not here).
graph::Attributes read_attributes(const pb::NodeProto& node, const ReadContext& context,
                                  std::string_view label);

// Binds a Constant node's output to a graph constant (value, value_float(s), value_int(s)).
void read_constant(GraphReader& reader, const pb::NodeProto& node);

// Non-ONNX domains whose ops nnload implements.
bool domain_supported(const std::string& domain);

}  // namespace nnload::formats::onnx
