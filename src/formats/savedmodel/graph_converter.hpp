// One signature of a meta graph as an nnload graph: its inputs (by key) feed the tensors the
// SignatureDef names, its outputs (by key) are the tensors it fetches, and only the nodes those
// outputs depend on are converted. Function calls (StatefulPartitionedCall, PartitionedCall, a
// library function used as an op) are inlined; resource variables and TF1 variables become
// constants holding their values from the bundle. Control edges ("^node") are dropped: the
// executor orders nodes by data dependencies, and the nodes a control edge would run first
// (variable initialisers, asserts, side effects) do not change inference results.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "formats/savedmodel/tensor_bundle.hpp"
#include "formats/savedmodel/tensor_refs.hpp"
#include "formats/savedmodel/tf_op_context.hpp"
#include "formats/savedmodel/variables.hpp"
#include "graph/graph.hpp"
#include "nnload/model.hpp"
#include "saved_model.pb.h"

namespace nnload::formats::savedmodel {

// What every signature of one meta graph shares.
struct MetaGraphContext {
  MetaGraphContext(const tf::MetaGraphDef& meta, const TensorBundle& bundle);

  const tf::MetaGraphDef& meta;
  const TensorBundle& bundle;
  VariableIndex variables;
  OpDefaults defaults;
  OpSignatures signatures;
  std::map<std::string, const tf::FunctionDef*> functions;
  // Variable values already read from the bundle (the model's weights), by bundle key.
  std::map<std::string, Tensor> values;

  // The value of the variable under bundle key `key` (read and checked once).
  Tensor value(const std::string& key) const;
};

// The graph of signature `info` (inputs and outputs in info's order, named by key). Throws
// Error naming the op, node and function that can't be converted.
std::shared_ptr<graph::Graph> convert_signature(const MetaGraphContext& context,
                                                const SignatureInfo& info,
                                                const tf::SignatureDef& def);

}  // namespace nnload::formats::savedmodel
