// Which tensor-bundle entry holds the variable a graph refers to.
//
// TensorFlow 2 (checked on the real TF 2.0-2.3 exports): the SavedObjectGraph of the meta graph
// and the checkpoint's own TrackableObjectGraph (bundle key "_CHECKPOINTABLE_OBJECT_GRAPH")
// number their nodes the same way; checkpoint node i's attribute "VARIABLE_VALUE" names the
// bundle key of SavedObject node i (a SavedVariable). A concrete function's `bound_inputs` list
// the object nodes captured as its last inputs: that binds a signature's functions.
// Top-level variable nodes (VarHandleOp in TF2, VariableV2 in TF1) are bound the way
// TensorFlow's own C++ loader binds them, by the saver's restore op: it assigns
// RestoreV2's k-th tensor (named by its tensor_names constant) to each variable node, directly
// in TF1 graphs and inside the restore function (saver_def.restore_op_name calls it with the
// VarHandleOps as inputs) in TF2. Names alone are ambiguous: in int64_multiply both variables'
// SavedVariable.name and checkpoint full_name are "Variable", while the graph's handles are
// "Variable" and "Variable_1". Fallbacks: a unique checkpoint full_name, then a bundle key equal
// to the name (TF1 Saver's default keys).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "formats/savedmodel/tensor_bundle.hpp"
#include "saved_model.pb.h"

namespace nnload::formats::savedmodel {

class VariableIndex {
 public:
  VariableIndex() = default;
  // Error(corrupt) when the bundle's object graph is damaged.
  VariableIndex(const tf::MetaGraphDef& meta, const TensorBundle& bundle);

  // The bundle key of object-graph node `node_id`, when it is a variable the bundle holds.
  const std::string* key_of_object(int node_id) const;
  // The bundle key of a top-level variable node (VarHandleOp, VariableV2) `node`, whose
  // VarHandleOp shared_name is `shared_name` ("" for TF1 variables); null when unknown.
  const std::string* key_of_variable(const std::string& node, const std::string& shared_name) const;
  // The object nodes a concrete function captures as its last inputs; null when unknown.
  const std::vector<int>* bound_inputs(const std::string& function) const;
  // SavedVariable.trainable of the variable under `key`, when the object graph says.
  std::optional<bool> trainable(const std::string& key) const;

  bool has_object_graph() const { return !key_of_object_.empty(); }

 private:
  std::map<int, std::string> key_of_object_;
  std::map<std::string, std::string> restored_;     // top-level node -> key, by the restore op
  std::map<std::string, std::string> key_of_name_;  // unique full_names, bundle keys
  std::map<std::string, std::vector<int>> bound_inputs_;
  std::map<std::string, bool> trainable_;
};

// The bundle key of the checkpoint's object graph (a serialized TrackableObjectGraph).
inline constexpr const char* kObjectGraphKey = "_CHECKPOINTABLE_OBJECT_GRAPH";

}  // namespace nnload::formats::savedmodel
