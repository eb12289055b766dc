// bind(): the short way to define an op from three plain functions, as in
//   extern const OpDef kLeakyRelu{"", "LeakyRelu", 6, kLatestOpset,
//   ops::bind<LeakyReluAttrs>(parse, infer, run)};
// (Qualify it: inside namespace nnload::ops an unqualified bind(...) with std::span arguments
// finds std::bind by argument-dependent lookup.)
// parse reads the attributes once; infer gives the output types; run computes.
#pragma once

#include "ops/op.hpp"

namespace nnload::ops {

template <class Attrs>
using ParseFn = Attrs (*)(const graph::Node& node);
template <class Attrs>
using InferFn = std::vector<TensorType> (*)(const Attrs& attrs, std::span<const InputInfo> inputs);
template <class Attrs>
using RunFn = void (*)(const Attrs& attrs, std::span<const Tensor> inputs,
                       std::span<Tensor> outputs);

template <class Attrs>
class BoundOp final : public Op {
  class BoundKernel final : public Kernel {
   public:
    BoundKernel(const Attrs& attrs, RunFn<Attrs> run) : attrs_(attrs), run_(run) {}
    void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
      run_(attrs_, inputs, outputs);
    }

   private:
    Attrs attrs_;
    RunFn<Attrs> run_;
  };

 public:
  BoundOp(Attrs attrs, InferFn<Attrs> infer, RunFn<Attrs> run, int alias, bool shape_only = false)
      : attrs_(std::move(attrs)),
        infer_(infer),
        run_(run),
        alias_(alias),
        shape_only_(shape_only) {}
  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    return infer_(attrs_, inputs);
  }
  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo>,
                                      std::span<const TensorType>) const override {
    return std::make_unique<BoundKernel>(attrs_, run_);
  }
  int output_aliases_input() const override { return alias_; }
  bool reads_only_input_shapes() const override { return shape_only_; }

 private:
  Attrs attrs_;
  InferFn<Attrs> infer_;
  RunFn<Attrs> run_;
  int alias_;
  bool shape_only_;
};

template <class Attrs>
OpFactory bind(ParseFn<Attrs> parse, InferFn<Attrs> infer, RunFn<Attrs> run) {
  return [=](const graph::Node& node) -> std::unique_ptr<Op> {
    return std::make_unique<BoundOp<Attrs>>(parse(node), infer, run, -1);
  };
}

// For ops whose output 0 is input `input`'s data reinterpreted (Reshape, Flatten, ...). Their
// run() must still copy when the output does not share the input's storage.
template <class Attrs>
OpFactory bind_alias(ParseFn<Attrs> parse, InferFn<Attrs> infer, RunFn<Attrs> run, int input) {
  return [=](const graph::Node& node) -> std::unique_ptr<Op> {
    return std::make_unique<BoundOp<Attrs>>(parse(node), infer, run, input);
  };
}

// For ops whose run() reads only the inputs' shapes and dtypes (Shape, Size), so a plan can
// compute them before any data exists.
template <class Attrs>
OpFactory bind_shape_reader(ParseFn<Attrs> parse, InferFn<Attrs> infer, RunFn<Attrs> run) {
  return [=](const graph::Node& node) -> std::unique_ptr<Op> {
    return std::make_unique<BoundOp<Attrs>>(parse(node), infer, run, -1, true);
  };
}

// For ops with no attributes.
struct NoAttrs {};
inline NoAttrs parse_no_attrs(const graph::Node&) { return {}; }

}  // namespace nnload::ops
