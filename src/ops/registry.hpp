// Finding the implementation of an op by domain, name and opset version.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ops/op.hpp"

namespace nnload::ops {

// The family tables, each defined in its ops/<family>/ folder.
const OpTable& elementwise_ops();
const OpTable& activation_ops();
const OpTable& reduce_ops();
const OpTable& norm_ops();
const OpTable& matmul_ops();
const OpTable& conv_ops();
const OpTable& pool_ops();
const OpTable& shape_ops();
const OpTable& index_ops();
const OpTable& resize_ops();
const OpTable& rnn_ops();
const OpTable& control_ops();  // If
const OpTable& text_ops();     // string tensors
const OpTable& tf_ops();  // TensorFlow semantics for the SavedModel reader
const OpTable& keras_custom_ops();  // users' Keras custom layers (nnload.KerasCustomLayer)

// The row implementing `name` at `opset`, or nullptr.
const OpDef* find_op(std::string_view domain, std::string_view name, int opset);
// Every registered row, for documentation and `nnload ops`.
std::vector<const OpDef*> all_ops();
// Creates the node's op for the graph's opset. Throws Error(unsupported) naming the node, its
// op and version when nnload has no implementation.
std::unique_ptr<Op> create_op(const graph::Node& node, int opset);

}  // namespace nnload::ops
