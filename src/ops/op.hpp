// The contract between the executor and an op: parse attributes once (Op), infer output types,
// and build a shape-specialised kernel that runs re-entrantly.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "graph/graph.hpp"
#include "nnload/tensor.hpp"

namespace nnload::ops {

struct TensorType {
  DType dtype = DType::f32;
  Shape shape;
};

// What an op sees of one input while a plan is compiled: its type, and its value when that is
// known before any prediction runs (weights, constants, anything computed from shapes alone).
struct InputInfo {
  DType dtype = DType::f32;
  Shape shape;
  const Tensor* value = nullptr;
  bool present = true;  // false for an omitted optional input

  bool has_value() const { return value != nullptr; }
};

// A kernel is specialised to one set of input and output types. run() must be re-entrant: one
// kernel runs concurrently on different tensors from several threads.
class Kernel {
 public:
  virtual ~Kernel() = default;
  // `outputs` are allocated with the inferred types; omitted optional inputs are undefined
  // tensors.
  virtual void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const = 0;
};

// One node's op with its attributes parsed and validated.
class Op {
 public:
  virtual ~Op() = default;
  // Output types from the inputs. Throws Error(shape) with plain facts when they do not fit.
  virtual std::vector<TensorType> infer(std::span<const InputInfo> inputs) const = 0;
  virtual std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                              std::span<const TensorType> outputs) const = 0;
  // Ops that only reinterpret their input (Reshape, Flatten, Identity, Squeeze...) return the
  // input index whose storage output 0 can share; the executor then skips the copy.
  virtual int output_aliases_input() const { return -1; }
  // Ops whose kernels handle DType::string elements (std::string objects). The executor refuses
  // string tensors at every other op before a kernel could copy them as bytes.
  virtual bool accepts_strings() const { return false; }
  // Ops that read only their inputs' shapes and dtypes, never the data (Shape, Size): the
  // executor computes them while compiling a plan, even for inputs known only at run time.
  virtual bool reads_only_input_shapes() const { return false; }
};

using OpFactory = std::function<std::unique_ptr<Op>(const graph::Node& node)>;

// One registration row: an op name and the opset range (inclusive) this implementation covers.
struct OpDef {
  std::string_view domain;  // "" for ONNX, "nnload" for internal ops
  std::string_view name;
  int since_version = 1;
  int until_version = graph::kLatestOpset;
  OpFactory create;
};

using OpTable = std::vector<OpDef>;

}  // namespace nnload::ops
