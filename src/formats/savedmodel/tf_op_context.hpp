// What a TensorFlow op builder works with: the NodeDef (attributes, with the defaults a
// stripped SavedModel leaves out filled in from its stripped_op_list), the node's data inputs as
// graph values, and helpers that add nnload nodes named "<tf node>/<step>". Builders map TF op
// semantics onto ONNX-semantics ops; no numerics happen here.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "graph.pb.h"
#include "graph/graph.hpp"

namespace nnload::formats::savedmodel {

// Attribute defaults per op type, from the MetaGraphDef's stripped_op_list.
class OpDefaults {
 public:
  OpDefaults() = default;
  explicit OpDefaults(const tf::OpList& ops);
  const tf::AttrValue* find(const std::string& op, const std::string& attr) const;

 private:
  std::map<std::string, std::map<std::string, tf::AttrValue>> defaults_;
};

class TfOpContext {
 public:
  TfOpContext(graph::Graph& graph, const tf::NodeDef& node, std::vector<int> inputs,
              const OpDefaults& defaults, std::string name_prefix);
  // The context keeps a reference to `defaults`: a temporary would dangle (it did, in a fuzz
  // test of Keras' TensorFlowOpLayer).
  TfOpContext(graph::Graph& graph, const tf::NodeDef& node, std::vector<int> inputs,
              const OpDefaults&& defaults, std::string name_prefix) = delete;

  const tf::NodeDef& node() const { return node_; }
  const std::string& op() const { return node_.op(); }
  // "<function>/<node>" inside an inlined function; the node's name at the top level.
  std::string name() const { return prefix_ + node_.name(); }

  // --- data inputs (control inputs are not here)
  std::size_t input_count() const { return inputs_.size(); }
  int input(std::size_t i) const;
  const std::vector<int>& inputs() const { return inputs_; }
  void expect_inputs(std::size_t min, std::size_t max) const;
  // The value of input i when it is a constant now (a Const node, a folded weight).
  const Tensor* constant_input(std::size_t i) const;
  DType input_dtype(std::size_t i) const;  // as far as the graph knows it (constants, inputs)

  // --- attributes: the node's own, else the op's default from stripped_op_list, else
  // `fallback`; Error(corrupt) naming the node and attribute when none applies or the type is
  // wrong.
  const tf::AttrValue* attr(const std::string& name) const;
  bool has_attr(const std::string& name) const { return attr(name) != nullptr; }
  std::int64_t attr_int(const std::string& name, std::optional<std::int64_t> fallback = {}) const;
  float attr_float(const std::string& name, std::optional<float> fallback = {}) const;
  bool attr_bool(const std::string& name, std::optional<bool> fallback = {}) const;
  std::string attr_string(const std::string& name, std::optional<std::string> fallback = {}) const;
  int attr_type(const std::string& name, std::optional<int> fallback = {}) const;  // tf::DataType
  DType attr_dtype(const std::string& name, std::optional<DType> fallback = {}) const;
  std::vector<std::int64_t> attr_ints(const std::string& name,
                                      std::optional<std::vector<std::int64_t>> fallback = {}) const;
  std::vector<float> attr_floats(const std::string& name,
                                 std::optional<std::vector<float>> fallback = {}) const;
  std::vector<std::string> attr_strings(
      const std::string& name, std::optional<std::vector<std::string>> fallback = {}) const;
  Tensor attr_tensor(const std::string& name) const;
  std::optional<Shape> attr_shape(const std::string& name) const;  // nullopt: unknown rank

  // --- building
  std::string node_name(const std::string& step) const;
  int add(const std::string& op, const std::string& step, std::vector<int> inputs,
          graph::Attributes attrs = {}, const std::string& domain = "");
  std::vector<int> add_multi(const std::string& op, const std::string& step,
                             std::vector<int> inputs, int outputs, graph::Attributes attrs = {},
                             const std::string& domain = "");
  int constant(const std::string& step, Tensor value);
  int int64s(const std::string& step, std::vector<std::int64_t> values);
  int scalar(const std::string& step, float value);
  graph::Graph& graph() { return graph_; }

  [[noreturn]] void unsupported(const std::string& what) const;
  [[noreturn]] void corrupt(const std::string& what) const;

 private:
  const tf::AttrValue& require(const std::string& name, tf::AttrValue::ValueCase kind,
                               const char* what) const;

  graph::Graph& graph_;
  const tf::NodeDef& node_;
  std::vector<int> inputs_;
  const OpDefaults& defaults_;
  std::string prefix_;
};

// A TF op's builder: adds the op's nodes and returns its outputs in TF's output order (multi-
// output ops like Split, Unpack, IdentityN return several).
using TfOpBuilder = std::vector<int> (*)(TfOpContext& ctx);
using TfOpRows = std::vector<std::pair<std::string_view, TfOpBuilder>>;

// The family tables (src/formats/savedmodel/ops/<family>.cpp).
TfOpRows tf_math_ops();
TfOpRows tf_nn_ops();
TfOpRows tf_array_ops();
TfOpRows tf_image_ops();

TfOpBuilder find_tf_op(std::string_view op);
std::vector<std::string> supported_tf_ops();

}  // namespace nnload::formats::savedmodel
