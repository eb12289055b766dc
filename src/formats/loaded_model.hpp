// What a format reader hands over: the graph, its declared inputs and outputs, the weights as
// named in the file, metadata, and (for layer-based formats) the layer table of summary().
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "graph/graph.hpp"
#include "nnload/model.hpp"

namespace nnload::formats {

struct NamedWeight {
  std::string name;
  Tensor value;
  bool trainable = true;
  std::string location;  // "cuda:0" when the file records where it was saved
};

// One row of summary(): a layer, the graph values holding its outputs, its parameters.
struct LayerRow {
  std::string name;
  std::string class_name;
  std::vector<int> outputs;  // value ids in the graph
  std::int64_t params = 0;
  std::vector<std::string> connected_to;  // "input_1[0][0]" entries (functional models)
};

struct LayerTable {
  std::string model_name;
  bool show_connections = false;  // Functional models print Keras' "Connected to" column
  std::vector<LayerRow> rows;
  std::int64_t trainable_params = 0;
  std::int64_t non_trainable_params = 0;
};

// A signature as the reader built it: its graph (inputs in info.inputs order, outputs in
// info.outputs order), or why it can't be built.
struct LoadedSignature {
  SignatureInfo info;
  std::shared_ptr<graph::Graph> graph;  // null when `error_message` says why
  ErrorCode error_code = ErrorCode::unsupported;
  std::string error_message;
};

// ONNX initializers that the file also lists as graph inputs: their stored values are defaults
// that predict() by name may override. `graph` reads every graph input (the model's own and
// these) in `input_names` order; it is null, with `error` saying why, when the model can't be
// built with those values unknown (a sequence position must be known when the model is read).
struct OverridableInputs {
  std::vector<TensorInfo> infos;  // the overridable initializers
  std::vector<Tensor> defaults;   // their stored values, parallel to infos
  std::shared_ptr<graph::Graph> graph;
  std::vector<std::string> input_names;
  std::string error;
};

struct LoadedModel {
  ModelInfo info;
  std::shared_ptr<graph::Graph> graph;  // null for files that hold weights only
  // Why a weights-only file can't predict and what to do instead (set with a null graph).
  std::string weights_only_reason;
  ErrorCode weights_only_code = ErrorCode::invalid_argument;
  std::vector<TensorInfo> inputs;   // names, dtypes and declared shapes, graph input order
  std::vector<TensorInfo> outputs;  // graph output order
  std::vector<NamedWeight> weights;
  std::optional<LayerTable> layers;
  // The graph `layers` refers to when it is not `graph` (a SavedModel's Keras layer table is
  // rebuilt from the Keras config its metadata stores, beside the signature graphs).
  std::shared_ptr<graph::Graph> layer_graph;
  // SavedModel signatures; `default_signature` names the one predict() runs, whose graph is
  // also `graph` (with inputs and outputs named by key).
  std::vector<LoadedSignature> signatures;
  std::string default_signature;
  std::optional<OverridableInputs> overridable;
};

}  // namespace nnload::formats
