// Tensor references inside GraphDefs and FunctionDefs: "node" and "node:1" at the top level,
// "arg", "node:out_arg:2" inside functions, "^node" for control edges; and the flat output
// index an op's output arg layout gives "node:out_arg:i".
#pragma once

#include <map>
#include <string>

#include "formats/savedmodel/tf_op_context.hpp"
#include "graph.pb.h"

namespace nnload::formats::savedmodel {

struct TensorRef {
  std::string node;     // a node, or a function input arg when `arg` names none
  std::string out_arg;  // "z" in "mul:z:0"; empty for "node" and "node:1"
  int index = 0;
  bool control = false;  // "^node"
};

// Error(corrupt) naming `where` for a malformed reference.
TensorRef parse_tensor_ref(const std::string& ref, const std::string& where);

// Output arg layouts: the function library's signatures and the meta graph's stripped_op_list.
class OpSignatures {
 public:
  OpSignatures() = default;
  OpSignatures(const tf::OpList& ops, const tf::FunctionDefLibrary& library);
  const tf::OpDef* find(const std::string& op) const;

  // The flat output index of `ref` (an output of `node`): the outputs of the args before
  // `ref.out_arg` (an arg with number_attr counts N, with type_list_attr the list's length),
  // plus ref.index. Refs without an arg name are flat already; ops missing from both tables
  // are taken to have one output arg. Error(corrupt) for an unknown arg or an index beyond it.
  int flat_index(const tf::NodeDef& node, const TensorRef& ref, const OpDefaults& defaults) const;

 private:
  std::map<std::string, const tf::OpDef*> ops_;
};

}  // namespace nnload::formats::savedmodel
