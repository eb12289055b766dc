#include "ops/run_op.hpp"

#include "core/fail.hpp"
#include "ops/registry.hpp"

namespace nnload::ops {

InputInfo info_of(const Tensor& tensor) {
  InputInfo info;
  if (!tensor.defined()) {
    info.present = false;
    return info;
  }
  info.dtype = tensor.dtype();
  info.shape = tensor.shape();
  info.value = &tensor;
  return info;
}

std::vector<Tensor> run_op(const Op& op, std::span<const Tensor> inputs) {
  std::vector<InputInfo> infos;
  infos.reserve(inputs.size());
  for (const Tensor& t : inputs) infos.push_back(info_of(t));
  const std::vector<TensorType> types = op.infer(infos);
  std::vector<Tensor> outputs;
  outputs.reserve(types.size());
  for (const TensorType& t : types) outputs.push_back(Tensor::empty(t.dtype, t.shape));
  op.make_kernel(infos, types)->run(inputs, outputs);
  return outputs;
}

std::vector<Tensor> run_op(const graph::Node& node, std::span<const Tensor> inputs, int opset) {
  const std::unique_ptr<Op> op = create_op(node, opset);
  try {
    return run_op(*op, inputs);
  } catch (const Error& e) {
    rethrow_with_context(e, "node " + node.describe());
  }
}

std::vector<Tensor> run_op(const std::string& op_type, const std::vector<Tensor>& inputs,
                           const graph::Attributes& attrs, int num_outputs,
                           const std::string& domain, int opset) {
  graph::Node node;
  node.name = op_type;
  node.op = op_type;
  node.domain = domain;
  node.attrs = attrs;
  node.inputs.assign(inputs.size(), 0);
  node.outputs.assign(static_cast<std::size_t>(num_outputs), 0);
  return run_op(node, inputs, opset);
}

}  // namespace nnload::ops
