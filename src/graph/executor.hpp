// The executor: compiles a graph, for one set of concrete input shapes, into a plan (types
// inferred, shape computations folded to constants, kernels chosen and weights pre-packed once,
// intermediate buffers placed in one arena by liveness), caches plans per input shapes, and runs
// them re-entrantly.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <tuple>
#include <vector>

#include "graph/graph.hpp"
#include "ops/op.hpp"

namespace nnload::graph {

class Plan;

// Types of every value for given input shapes, and the values known without running the
// model (graph constants and everything folded from them and from the input shapes).
struct InferredGraph {
  std::vector<ops::TensorType> types;  // indexed by value id
  std::vector<bool> known;             // type inferred (false for values of unreachable nodes)
  std::vector<Tensor> folded;          // defined where the value is known at compile time
};

class Executor {
 public:
  // Creates every node's op (attributes parsed once). Throws Error(unsupported) naming the first
  // node nnload can't run, after validating the whole graph.
  explicit Executor(std::shared_ptr<const Graph> graph);
  ~Executor();

  // Runs the graph; inputs in graph input order, outputs in graph output order (fresh tensors
  // the caller owns). Re-entrant: many threads may call run() on one executor at once.
  std::vector<Tensor> run(std::span<const Tensor> inputs) const;

  // run() timing every kernel: per op type ("Conv", "nnload.Conv"), the steps that ran and their
  // seconds are added to `per_op`.
  struct OpTime {
    int steps = 0;
    double seconds = 0;
  };
  std::vector<Tensor> run_profiled(std::span<const Tensor> inputs,
                                   std::map<std::string, OpTime>& per_op) const;

  // Shape inference alone (no kernels built), for summaries and metadata. Only computations
  // on at most max_fold_bytes of known inputs are folded (shape arithmetic, not weights).
  InferredGraph infer(const std::vector<Shape>& input_shapes,
                      std::size_t max_fold_bytes = std::size_t{1} << 16) const;

  const Graph& graph() const { return *graph_; }
  // Bytes of intermediate memory the plan for these shapes uses per concurrent run.
  std::size_t arena_bytes(const std::vector<Shape>& input_shapes) const;

 private:
  // `values`: the inputs whose data the plan may assume (see shape_inputs_), else empty.
  // The plan for these inputs (by shape, or by value for shape-data inputs; see shape_inputs_).
  std::shared_ptr<const Plan> plan_for_inputs(std::span<const Tensor> inputs) const;
  std::shared_ptr<const Plan> plan_for(const std::vector<Shape>& input_shapes,
                                       std::span<const Tensor> values = {}) const;
  void check_inputs(std::span<const Tensor> inputs) const;

  std::shared_ptr<const Graph> graph_;
  std::vector<std::unique_ptr<ops::Op>> ops_;  // indexed by node
  mutable std::mutex mutex_;
  // Plans per (thread count, input shapes): oneDNN partitions work for the thread count it is
  // created under, so a model run with --threads 1 and later with 2 gets a plan for each.
  // Models whose output shapes depend on input data (an ONNX Expand fed its target shape as an
  // input) can't be planned from shapes alone. The first time that fails, the executor starts
  // planning with the values of small integer inputs known, one plan per distinct value.
  mutable std::atomic<bool> shape_inputs_{false};
  using PlanKey = std::tuple<int, std::vector<Shape>, std::vector<std::string>>;
  mutable std::map<PlanKey, std::shared_ptr<const Plan>> plans_;
  mutable std::vector<PlanKey> plan_order_;  // oldest first, for eviction
};

}  // namespace nnload::graph
