// If (opset 1-25): the branches are compiled for the If node's input types; the condition picks
// one at run time (or at compile time when it is a constant).
#include "ops/control/if_op.hpp"

#include <cstring>

#include "core/fail.hpp"
#include "graph/executor.hpp"
#include "graph/passes/passes.hpp"
#include "ops/control/families.hpp"

namespace nnload::ops {

namespace {

struct CompiledBranch {
  std::shared_ptr<const graph::Executor> executor;
  std::vector<TensorType> outputs;
};

// The branch graph with its inputs typed as the If node's inputs are, compiled.
CompiledBranch compile(const IfBranch& branch, std::span<const InputInfo> inputs,
                       const char* which) {
  auto g = std::make_shared<graph::Graph>(*branch.graph);
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < branch.inputs.size(); ++i) {
    const auto at = static_cast<std::size_t>(branch.inputs[i]);
    if (at >= inputs.size() || !inputs[at].present)
      fail(ErrorCode::invalid_argument, "If: the {} reads input {}, which is missing", which, at);
    graph::Value& v = g->value(g->inputs()[i]);
    v.dtype = inputs[at].dtype;
    v.shape = inputs[at].shape;
    v.shape_known = true;
    shapes.push_back(inputs[at].shape);
  }
  try {
    graph::passes::sort_topologically(*g);
    CompiledBranch compiled;
    compiled.executor = std::make_shared<const graph::Executor>(g);
    const graph::InferredGraph inferred = compiled.executor->infer(shapes);
    for (int id : g->outputs()) {
      if (!inferred.known[static_cast<std::size_t>(id)])
        fail(ErrorCode::shape, "output '{}' has no type", g->value(id).name);
      compiled.outputs.push_back(inferred.types[static_cast<std::size_t>(id)]);
    }
    return compiled;
  } catch (const Error& e) {
    rethrow_with_context(e, fmt::format("If: {}", which));
  }
}

bool condition_of(const Tensor& cond) {
  if (cond.numel() != 1)
    fail(ErrorCode::shape, "If: the condition has {} values, expected one", cond.numel());
  return cond.value_as_double(0) != 0.0;
}

class IfKernel final : public Kernel {
 public:
  IfKernel(std::shared_ptr<const graph::Executor> then_exec, IfBranch then_branch,
           std::shared_ptr<const graph::Executor> else_exec, IfBranch else_branch)
      : then_exec_(std::move(then_exec)),
        else_exec_(std::move(else_exec)),
        then_branch_(std::move(then_branch)),
        else_branch_(std::move(else_branch)) {}

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    const bool take_then = condition_of(inputs[0]);
    const graph::Executor* exec = take_then ? then_exec_.get() : else_exec_.get();
    const IfBranch& branch = take_then ? then_branch_ : else_branch_;
    if (exec == nullptr) fail(ErrorCode::internal, "If: branch not compiled");
    std::vector<Tensor> branch_inputs;
    for (std::int64_t at : branch.inputs)
      branch_inputs.push_back(inputs[static_cast<std::size_t>(at)]);
    std::vector<Tensor> results = exec->run(branch_inputs);
    for (std::size_t o = 0; o < outputs.size(); ++o) {
      if (results[o].shape() != outputs[o].shape() || results[o].dtype() != outputs[o].dtype()) {
        fail(ErrorCode::shape, "If: branch output {} is {} {}, expected {} {}", o,
             dtype_name(results[o].dtype()), shape_to_string(results[o].shape()),
             dtype_name(outputs[o].dtype()), shape_to_string(outputs[o].shape()));
      }
      if (results[o].nbytes() > 0)
        std::memcpy(outputs[o].mutable_raw(), results[o].raw(), results[o].nbytes());
    }
  }

 private:
  std::shared_ptr<const graph::Executor> then_exec_;
  std::shared_ptr<const graph::Executor> else_exec_;
  IfBranch then_branch_;
  IfBranch else_branch_;
};

class IfOp final : public Op {
 public:
  explicit IfOp(const graph::Node& node)
      : then_(*std::static_pointer_cast<const IfBranch>(node.attrs.get_object("then_branch"))),
        else_(*std::static_pointer_cast<const IfBranch>(node.attrs.get_object("else_branch"))) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    if (inputs.empty() || !inputs[0].present) fail(ErrorCode::invalid_argument, "If: no condition");
    if (inputs[0].has_value()) {
      return condition_of(*inputs[0].value) ? compile(then_, inputs, "then_branch").outputs
                                            : compile(else_, inputs, "else_branch").outputs;
    }
    std::vector<TensorType> a = compile(then_, inputs, "then_branch").outputs;
    const std::vector<TensorType> b = compile(else_, inputs, "else_branch").outputs;
    for (std::size_t o = 0; o < a.size(); ++o) {
      if (a[o].dtype != b[o].dtype || a[o].shape != b[o].shape) {
        fail(ErrorCode::unsupported,
             "If: output {} is {} {} in then_branch and {} {} in else_branch; nnload needs output "
             "types that do not depend on a condition known only at run time",
             o, dtype_name(a[o].dtype), shape_to_string(a[o].shape), dtype_name(b[o].dtype),
             shape_to_string(b[o].shape));
      }
    }
    return a;
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    std::shared_ptr<const graph::Executor> then_exec;
    std::shared_ptr<const graph::Executor> else_exec;
    const bool known = inputs[0].has_value();
    const bool take_then = known && condition_of(*inputs[0].value);
    if (!known || take_then) then_exec = compile(then_, inputs, "then_branch").executor;
    if (!known || !take_then) else_exec = compile(else_, inputs, "else_branch").executor;
    return std::make_unique<IfKernel>(then_exec, then_, else_exec, else_);
  }

 private:
  IfBranch then_;
  IfBranch else_;
};

}  // namespace

OpTable if_ops() {
  return {{"", "If", 1, graph::kLatestOpset, [](const graph::Node& node) -> std::unique_ptr<Op> {
             return std::make_unique<IfOp>(node);
           }}};
}

}  // namespace nnload::ops
