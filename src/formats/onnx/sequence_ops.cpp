#include "formats/onnx/sequence_ops.hpp"

#include "core/fail.hpp"
#include "formats/onnx/attribute_proto.hpp"

namespace nnload::formats::onnx {

namespace {

std::int64_t index_input(const GraphReader& reader, const pb::NodeProto& node, int input) {
  const std::string& name = node.input(input);
  const Tensor* value = reader.constant(name);
  if (value == nullptr) {
    fail(ErrorCode::unsupported,
         "position '{}' is known only at run time; nnload lowers sequence ops when the model is "
         "read, so positions must be constants or initializers",
         name);
  }
  if (value->numel() != 1 || (value->dtype() != DType::i64 && value->dtype() != DType::i32))
    fail(ErrorCode::invalid_argument, "position '{}' must be one int32/int64 value", name);
  return value->item<std::int64_t>();
}

// ONNX positions count from the end when negative; `allow_end` accepts n (insert at the end).
std::int64_t checked_position(std::int64_t pos, std::int64_t n, bool allow_end) {
  const std::int64_t high = allow_end ? n : n - 1;
  if (pos < -n || pos > high) {
    fail(ErrorCode::invalid_argument, "position {} is outside [{}, {}] for a sequence of {}", pos,
         -n, high, n);
  }
  return pos < 0 ? pos + n : pos;
}

const std::vector<int>& tensors_of(const SequenceValue& seq, const pb::NodeProto& node) {
  if (seq.length_only) {
    fail(ErrorCode::unsupported,
         "{} reads the tensors of a SplitToSequence whose split sizes are known only at run time "
         "(supported from opset 13)",
         node_label(node));
  }
  return seq.elements;
}

int axes_node(GraphReader& reader, const std::string& op, int x, std::int64_t axis,
              const std::string& name) {
  graph::Attributes attrs;
  if (reader.graph().opset("") >= 13) {
    const int axes =
        reader.graph().add_constant(name + "/axes", Tensor::from_vector<std::int64_t>({axis}, {1}));
    return reader.add(op, name, {x, axes})[0];
  }
  attrs.set("axes", std::vector<std::int64_t>{axis});
  return reader.add(op, name, {x}, std::move(attrs))[0];
}

int output_axis_dim(const GraphReader& reader, int value, std::int64_t axis,
                    const pb::NodeProto& node) {
  const Shape* shape = reader.declared_shape(value);
  if (shape == nullptr) {
    fail(ErrorCode::unsupported,
         "{} splits a tensor whose shape the file does not declare; nnload needs it to count the "
         "sequence's tensors when the model is read",
         node_label(node));
  }
  const auto rank = static_cast<std::int64_t>(shape->size());
  if (axis < -rank || axis >= rank)
    fail(ErrorCode::invalid_argument, "axis {} is outside a rank-{} tensor", axis, rank);
  return static_cast<int>((*shape)[static_cast<std::size_t>(axis < 0 ? axis + rank : axis)]);
}

void split_to_sequence(GraphReader& reader, const pb::NodeProto& node) {
  const graph::Attributes attrs = read_attributes(node, reader.context(), node_label(node));
  const std::int64_t axis = attrs.int_or("axis", 0);
  const bool keepdims = attrs.int_or("keepdims", 1) != 0;
  const std::string name = node.name().empty() ? node.output(0) : node.name();
  const int input = reader.resolve(node.input(0), node);
  const bool has_split = node.input_size() > 1 && !node.input(1).empty();
  std::vector<std::int64_t> sizes;
  if (has_split) {
    const Tensor* split = reader.constant(node.input(1));
    const int split_value = reader.resolve(node.input(1), node);
    if (split == nullptr) {
      const Shape* split_shape = reader.declared_shape(split_value);
      if (split_shape == nullptr || split_shape->size() != 1) {
        fail(ErrorCode::unsupported,
             "split '{}' is known only at run time and its length is not declared", node.input(1));
      }
      const std::int64_t count = (*split_shape)[0];
      SequenceValue seq;
      if (reader.graph().opset("") < 13) {
        seq.length_only = count;
      } else {
        graph::Attributes split_attrs;
        split_attrs.set("axis", axis);
        seq.elements = reader.add("Split", name, {input, split_value}, std::move(split_attrs),
                                  static_cast<int>(count));
      }
      return reader.bind_sequence(node.output(0), std::move(seq));
    }
    const Tensor sizes_tensor = split->to(DType::i64);
    const std::span<const std::int64_t> values = sizes_tensor.values<std::int64_t>();
    if (split->rank() == 0) {
      const std::int64_t dim = output_axis_dim(reader, input, axis, node);
      const std::int64_t chunk = values[0];
      if (chunk <= 0) fail(ErrorCode::invalid_argument, "split size {} must be positive", chunk);
      for (std::int64_t done = 0; done < dim; done += chunk)
        sizes.push_back(std::min(chunk, dim - done));
    } else {
      sizes.assign(values.begin(), values.end());
    }
  } else {
    sizes.assign(static_cast<std::size_t>(output_axis_dim(reader, input, axis, node)), 1);
  }
  SequenceValue seq;
  if (!sizes.empty()) {
    graph::Attributes split_attrs;
    split_attrs.set("axis", axis);
    std::vector<int> split_inputs{input};
    if (reader.graph().opset("") >= 13) {
      split_inputs.push_back(reader.graph().add_constant(
          name + "/split", Tensor::from_vector(sizes, {static_cast<std::int64_t>(sizes.size())})));
    } else {
      split_attrs.set("split", sizes);
    }
    seq.elements = reader.add("Split", name, std::move(split_inputs), std::move(split_attrs),
                              static_cast<int>(sizes.size()));
  }
  if (!has_split && !keepdims) {
    for (std::size_t i = 0; i < seq.elements.size(); ++i) {
      seq.elements[i] = axes_node(reader, "Squeeze", seq.elements[i], axis,
                                  fmt::format("{}/squeeze_{}", name, i));
    }
  }
  reader.bind_sequence(node.output(0), std::move(seq));
}

void concat_from_sequence(GraphReader& reader, const pb::NodeProto& node) {
  const graph::Attributes attrs = read_attributes(node, reader.context(), node_label(node));
  const std::int64_t axis = attrs.get_int("axis");
  const bool new_axis = attrs.int_or("new_axis", 0) != 0;
  const std::vector<int>& tensors = tensors_of(reader.sequence(node.input(0), node), node);
  if (tensors.empty()) fail(ErrorCode::invalid_argument, "ConcatFromSequence of an empty sequence");
  const std::string name = node.name().empty() ? node.output(0) : node.name();
  std::vector<int> parts = tensors;
  if (new_axis) {
    for (std::size_t i = 0; i < parts.size(); ++i)
      parts[i] =
          axes_node(reader, "Unsqueeze", parts[i], axis, fmt::format("{}/unsqueeze_{}", name, i));
  }
  graph::Attributes concat_attrs;
  concat_attrs.set("axis", axis);
  reader.bind(node.output(0),
              reader.add("Concat", name, std::move(parts), std::move(concat_attrs))[0]);
}

}  // namespace

bool lower_sequence_op(GraphReader& reader, const pb::NodeProto& node) {
  const std::string& op = node.op_type();
  const auto input_given = [&](int i) { return node.input_size() > i && !node.input(i).empty(); };
  if (op == "SequenceEmpty") {
    reader.bind_sequence(node.output(0), {});
  } else if (op == "SequenceConstruct") {
    SequenceValue seq;
    for (const std::string& name : node.input()) seq.elements.push_back(reader.resolve(name, node));
    reader.bind_sequence(node.output(0), std::move(seq));
  } else if (op == "SequenceInsert") {
    SequenceValue seq = reader.sequence(node.input(0), node);
    std::vector<int> elements = tensors_of(seq, node);
    const auto n = static_cast<std::int64_t>(elements.size());
    const std::int64_t pos =
        input_given(2) ? checked_position(index_input(reader, node, 2), n, true) : n;
    elements.insert(elements.begin() + pos, reader.resolve(node.input(1), node));
    reader.bind_sequence(node.output(0), {std::move(elements), std::nullopt});
  } else if (op == "SequenceErase") {
    std::vector<int> elements = tensors_of(reader.sequence(node.input(0), node), node);
    const auto n = static_cast<std::int64_t>(elements.size());
    if (n == 0) fail(ErrorCode::invalid_argument, "SequenceErase on an empty sequence");
    const std::int64_t pos =
        input_given(1) ? checked_position(index_input(reader, node, 1), n, false) : n - 1;
    elements.erase(elements.begin() + pos);
    reader.bind_sequence(node.output(0), {std::move(elements), std::nullopt});
  } else if (op == "SequenceAt") {
    const std::vector<int>& elements = tensors_of(reader.sequence(node.input(0), node), node);
    const auto n = static_cast<std::int64_t>(elements.size());
    const std::int64_t pos = checked_position(index_input(reader, node, 1), n, false);
    const std::string name = node.name().empty() ? node.output(0) : node.name();
    reader.bind(node.output(0),
                reader.add("Identity", name, {elements[static_cast<std::size_t>(pos)]})[0]);
  } else if (op == "SequenceLength") {
    const std::int64_t n = reader.sequence(node.input(0), node).length();
    reader.bind(node.output(0),
                reader.graph().add_constant(node.output(0), Tensor::scalar<std::int64_t>(n)));
  } else if (op == "ConcatFromSequence") {
    concat_from_sequence(reader, node);
  } else if (op == "SplitToSequence") {
    split_to_sequence(reader, node);
  } else {
    return false;
  }
  return true;
}

}  // namespace nnload::formats::onnx
