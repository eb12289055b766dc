// ONNX If: each branch is read into a graph of its own; the outer values a branch reads become
// that graph's inputs and extra inputs of the If node (ops/control/if_op.hpp runs it).
#pragma once

#include "formats/onnx/graph_reader.hpp"

namespace nnload::formats::onnx {

void read_if(GraphReader& reader, const pb::NodeProto& node);

}  // namespace nnload::formats::onnx
