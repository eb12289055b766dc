// Runs a list of TensorFlow NodeDefs as an nnload graph, for tests of the TF op builders:
// Placeholder nodes become graph inputs (shape from their `shape` attribute, else of unknown
// rank, as intermediate values are while a graph is built), Const nodes graph constants, every
// other node goes through its builder (find_tf_op). The graph runs with graph::Executor as
// built and again after the load-time passes; both results must agree.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/savedmodel/tf_op_context.hpp"
#include "graph.pb.h"
#include "nnload/tensor.hpp"

namespace nnload::formats::savedmodel::tftest {

using Attrs = std::map<std::string, tf::AttrValue>;

tf::AttrValue type_attr(DType dtype);
tf::AttrValue int_attr(std::int64_t value);
tf::AttrValue float_attr(float value);
tf::AttrValue bool_attr(bool value);
tf::AttrValue string_attr(const std::string& value);
tf::AttrValue ints_attr(const std::vector<std::int64_t>& values);
tf::AttrValue tensor_attr(const Tensor& value);
// A TensorShapeProto attribute; nullopt writes unknown_rank.
tf::AttrValue shape_attr(const std::optional<Shape>& shape);

tf::NodeDef node(const std::string& name, const std::string& op,
                 const std::vector<std::string>& inputs, const Attrs& attrs = {});
tf::NodeDef const_node(const std::string& name, const Tensor& value);
// A Placeholder of unknown shape, or of `shape` (-1 for unknown dims).
tf::NodeDef placeholder(const std::string& name, DType dtype,
                        const std::optional<Shape>& shape = std::nullopt);

struct BuiltGraph {
  std::shared_ptr<graph::Graph> graph;
  std::vector<std::string> input_names;  // graph input order
};

// Builds the nodes in order; fetches are "node" or "node:i". Throws what a builder throws.
BuiltGraph build_tf_graph(const std::vector<tf::NodeDef>& nodes,
                          const std::vector<std::string>& fetches, const OpDefaults& defaults = {});

// Builds and runs: feeds by placeholder name. Checks that the optimized graph gives the same
// outputs (within 1e-5: folding weights rounds differently) and returns the unoptimized graph's.
std::vector<Tensor> run_tf_graph(const std::vector<tf::NodeDef>& nodes,
                                 const std::map<std::string, Tensor>& feeds,
                                 const std::vector<std::string>& fetches,
                                 const OpDefaults& defaults = {});
// The one output of a single-fetch graph.
Tensor run_tf_graph1(const std::vector<tf::NodeDef>& nodes,
                     const std::map<std::string, Tensor>& feeds, const std::string& fetch);

// Passes when dtype, shape and values match (atol/rtol as testing::tensors_close).
::testing::AssertionResult same_tensor(const Tensor& actual, const Tensor& expected,
                                       double atol = 1e-5, double rtol = 1e-5);

}  // namespace nnload::formats::savedmodel::tftest
