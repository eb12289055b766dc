#include "graph/executor.hpp"

#include <algorithm>
#include <optional>

#include "core/fail.hpp"
#include "core/threads.hpp"
#include "graph/plan.hpp"
#include "ops/registry.hpp"

namespace nnload::graph {

namespace {
// Plans kept per executor; a model fed ever-changing shapes must not grow without bound.
constexpr std::size_t kMaxCachedPlans = 16;

// Inputs small enough to be shape data: integer tensors of at most this many elements.
constexpr std::int64_t kMaxShapeInputElements = 64;

// (String inputs count too: a string op's output shape depends on the text.)
bool is_shape_data(const Tensor& t) {
  return (t.dtype() == DType::i64 || t.dtype() == DType::i32 || t.dtype() == DType::string) &&
         t.numel() <= kMaxShapeInputElements;
}

// The inputs' contents as plan-cache key: raw bytes, or each string with its length.
std::vector<std::string> key_values(std::span<const Tensor> values) {
  std::vector<std::string> key;
  for (const Tensor& t : values) {
    std::string bytes;
    if (t.defined() && t.dtype() == DType::string) {
      for (const std::string& s : t.values<std::string>())
        bytes += std::to_string(s.size()) + ":" + s;
    } else if (t.defined()) {
      bytes.assign(static_cast<const char*>(t.raw()), t.nbytes());
    }
    key.push_back(std::move(bytes));
  }
  return key;
}
}  // namespace

Executor::Executor(std::shared_ptr<const Graph> graph) : graph_(std::move(graph)) {
  std::vector<std::string> problems;
  std::optional<Error> first;
  for (const Node& node : graph_->nodes()) {
    try {
      ops_.push_back(ops::create_op(node, graph_->opset(node.domain)));
    } catch (const Error& e) {
      if (!first) first = e;
      problems.push_back(e.what());
      ops_.push_back(nullptr);
    }
  }
  if (problems.size() == 1) throw *first;
  if (!problems.empty()) {
    const std::size_t shown = std::min<std::size_t>(problems.size(), 10);
    fail(first->code(), "{} nodes can't be run:\n  {}{}", problems.size(),
         fmt::join(problems.begin(), problems.begin() + static_cast<std::ptrdiff_t>(shown), "\n  "),
         problems.size() > shown ? "\n  ..." : "");
  }
}

Executor::~Executor() = default;

void Executor::check_inputs(std::span<const Tensor> inputs) const {
  const std::vector<int>& declared = graph_->inputs();
  if (inputs.size() != declared.size()) {
    fail(ErrorCode::invalid_argument, "the model takes {} input{}, {} given", declared.size(),
         declared.size() == 1 ? "" : "s", inputs.size());
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = graph_->value(declared[i]);
    const Tensor& t = inputs[i];
    if (!t.defined())
      fail(ErrorCode::invalid_argument, "input '{}' is an undefined tensor", v.name);
    if (t.dtype() != v.dtype) {
      fail(ErrorCode::shape, "input '{}' must be {}, got {}", v.name, dtype_name(v.dtype),
           dtype_name(t.dtype()));
    }
    bool fits = !v.shape_known || t.shape().size() == v.shape.size();
    for (std::size_t d = 0; fits && v.shape_known && d < v.shape.size(); ++d) {
      fits = v.shape[d] < 0 || v.shape[d] == t.shape()[d];
    }
    if (!fits) {
      fail(ErrorCode::shape, "input '{}' must have shape {}, got {}", v.name,
           shape_to_string(v.shape), shape_to_string(t.shape()));
    }
  }
}

std::shared_ptr<const Plan> Executor::plan_for(const std::vector<Shape>& input_shapes,
                                               std::span<const Tensor> values) const {
  const PlanKey key{num_threads(), input_shapes, key_values(values)};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = plans_.find(key);
    if (it != plans_.end()) return it->second;
  }
  // Compile outside the lock: a slow compile must not block runs of other cached plans. Two
  // threads may compile the same shapes at once; the first to finish is kept.
  auto plan = std::make_shared<const Plan>(*graph_, ops_, input_shapes, values);
  std::lock_guard<std::mutex> lock(mutex_);
  auto [it, inserted] = plans_.emplace(key, plan);
  if (inserted) {
    plan_order_.push_back(key);
    if (plan_order_.size() > kMaxCachedPlans) {
      plans_.erase(plan_order_.front());
      plan_order_.erase(plan_order_.begin());
    }
  }
  return it->second;
}

std::vector<Tensor> Executor::run(std::span<const Tensor> inputs) const {
  check_inputs(inputs);
  return plan_for_inputs(inputs)->run(inputs);
}

std::vector<Tensor> Executor::run_profiled(std::span<const Tensor> inputs,
                                           std::map<std::string, OpTime>& per_op) const {
  check_inputs(inputs);
  const std::shared_ptr<const Plan> plan = plan_for_inputs(inputs);
  std::vector<double> seconds;
  std::vector<Tensor> outputs = plan->run(inputs, &seconds);
  const std::vector<int> nodes = plan->step_nodes();
  for (std::size_t s = 0; s < nodes.size(); ++s) {
    const Node& node = graph_->node(nodes[s]);
    OpTime& t = per_op[node.domain.empty() ? node.op : node.domain + "." + node.op];
    ++t.steps;
    t.seconds += seconds[s];
  }
  return outputs;
}

std::shared_ptr<const Plan> Executor::plan_for_inputs(std::span<const Tensor> inputs) const {
  std::vector<Shape> shapes;
  shapes.reserve(inputs.size());
  for (const Tensor& t : inputs) shapes.push_back(t.shape());
  // The common case plans by shape alone and never looks at the data.
  const bool any_shape_data = std::any_of(inputs.begin(), inputs.end(), is_shape_data);
  if (!shape_inputs_ || !any_shape_data) {
    try {
      return plan_for(shapes);
    } catch (const Error&) {
      if (!any_shape_data) throw;
      // Retried below with the integer inputs' values known; if that plan fails too, its
      // error is the one that explains the model.
    }
  }
  std::vector<Tensor> shape_data;
  for (const Tensor& t : inputs) shape_data.push_back(is_shape_data(t) ? t : Tensor());
  std::shared_ptr<const Plan> plan = plan_for(shapes, shape_data);
  shape_inputs_ = true;
  return plan;
}

InferredGraph Executor::infer(const std::vector<Shape>& input_shapes,
                              std::size_t max_fold_bytes) const {
  return infer_graph(*graph_, ops_, input_shapes, max_fold_bytes);
}

std::size_t Executor::arena_bytes(const std::vector<Shape>& input_shapes) const {
  return plan_for(input_shapes)->arena_bytes();
}

}  // namespace nnload::graph
