// Running one op with some inputs unknown at compile time (InputInfo without a value), so the
// kernels' per-run parameter paths are tested, not only the folded-constant ones.
#pragma once

#include <random>
#include <vector>

#include "ops/registry.hpp"
#include "ops/run_op.hpp"

namespace nnload::ops::testing_norm {

inline std::vector<Tensor> run_with_runtime_inputs(const std::string& op_type,
                                                   const std::vector<Tensor>& inputs,
                                                   const graph::Attributes& attrs,
                                                   int num_outputs = 1, int opset = 21,
                                                   const std::string& domain = "") {
  graph::Node node;
  node.name = op_type;
  node.op = op_type;
  node.domain = domain;
  node.attrs = attrs;
  node.inputs.assign(inputs.size(), 0);
  node.outputs.assign(static_cast<std::size_t>(num_outputs), 0);
  const std::unique_ptr<Op> op = create_op(node, opset);
  std::vector<InputInfo> infos;
  for (const Tensor& t : inputs) {
    InputInfo info = info_of(t);
    info.value = nullptr;
    infos.push_back(info);
  }
  const std::vector<TensorType> types = op->infer(infos);
  std::vector<Tensor> outputs;
  for (const TensorType& t : types) outputs.push_back(Tensor::empty(t.dtype, t.shape));
  op->make_kernel(infos, types)->run(inputs, outputs);
  return outputs;
}

inline Tensor random_tensor(DType dtype, const Shape& shape, std::mt19937& rng, double lo = -2,
                            double hi = 2) {
  Tensor t = Tensor::empty(DType::f64, shape);
  std::uniform_real_distribution<double> dist(lo, hi);
  double* p = t.mutable_data<double>();
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = dist(rng);
  return t.to(dtype);
}

}  // namespace nnload::ops::testing_norm
