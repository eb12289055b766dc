// ONNX sequence ops lowered while the graph is read: nnload runs tensors only, so a sequence
// is tracked as the list of tensors it holds, and each op becomes list edits plus tensor ops
// (Concat, Split, Squeeze/Unsqueeze, Identity). Positions and split counts must therefore be
// known when the model is read (constants or initializers), or the op is Error(unsupported).
#pragma once

#include "formats/onnx/graph_reader.hpp"

namespace nnload::formats::onnx {

// SequenceEmpty, SequenceConstruct, SequenceInsert, SequenceErase, SequenceAt, SequenceLength,
// ConcatFromSequence, SplitToSequence. False for any other op.
bool lower_sequence_op(GraphReader& reader, const pb::NodeProto& node);

}  // namespace nnload::formats::onnx
