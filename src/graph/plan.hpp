// A compiled plan: the steps to run for one set of input shapes, where each value lives, and a
// pool of arenas so concurrent runs each get their own intermediate memory.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "graph/executor.hpp"

namespace nnload::graph {

// Where a value's data lives during a run.
struct Placement {
  enum class Base { none, graph_input, graph_output, arena, constant };
  Base base = Base::none;
  int index = 0;           // graph input or output position for those bases
  std::size_t offset = 0;  // byte offset for Base::arena
  ops::TensorType type;
  Tensor constant;  // for Base::constant
};

struct Step {
  int node = 0;
  std::string description;  // "node 'conv1' (Conv)" for error messages
  std::unique_ptr<ops::Kernel> kernel;
  std::vector<int> inputs;   // value ids; kNoValue for omitted optional inputs
  std::vector<int> outputs;  // value ids
};

// One run's memory: the arena and the step argument arrays pre-built over it, so a run only
// patches the entries that refer to the caller's inputs and to the fresh outputs.
struct Arena {
  std::shared_ptr<std::byte> memory;
  std::vector<std::vector<Tensor>> step_inputs;
  std::vector<std::vector<Tensor>> step_outputs;
};

class Plan {
 public:
  // `input_values`: graph inputs whose values the plan may assume (defined entries), for
  // models whose shapes depend on input data; empty when none.
  Plan(const Graph& graph, std::span<const std::unique_ptr<ops::Op>> ops,
       const std::vector<Shape>& input_shapes, std::span<const Tensor> input_values = {});

  // `step_seconds`, when given, receives each step's kernel time (added to what it holds).
  std::vector<Tensor> run(std::span<const Tensor> inputs,
                          std::vector<double>* step_seconds = nullptr) const;
  // The graph node each step runs, in step order.
  std::vector<int> step_nodes() const;
  std::size_t arena_bytes() const { return arena_bytes_; }
  const InferredGraph& inferred() const { return inferred_; }

 private:
  void build_steps(const Graph& graph, std::span<const std::unique_ptr<ops::Op>> ops);
  void place_values(const Graph& graph, std::span<const std::unique_ptr<ops::Op>> ops);
  Tensor tensor_for(int value, std::span<const Tensor> inputs, std::span<Tensor> outputs,
                    const std::byte* arena) const;
  std::unique_ptr<Arena> acquire_arena() const;
  void release_arena(std::unique_ptr<Arena> arena) const;

  InferredGraph inferred_;
  std::vector<Step> steps_;
  std::vector<Placement> placements_;  // indexed by value id
  std::vector<int> graph_outputs_;
  std::vector<ops::TensorType> output_types_;
  std::size_t arena_bytes_ = 0;
  // (step, position) of arguments that depend on per-run tensors (inputs, outputs).
  struct Patch {
    std::size_t step;
    std::size_t position;
    int value;
    bool is_output;
  };
  std::vector<Patch> patches_;
  // Graph outputs that no step writes (an input or a constant passed straight through, or a
  // value listed twice): copied at the end of a run.
  std::vector<std::pair<int, int>> output_copies_;  // (output position, value id)

  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<Arena>> pool_;
};

// Infers types and folds known values over the whole graph (shared by Plan and Executor::infer).
// Nodes whose inputs are all known are folded when their inputs total at most max_fold_bytes.
InferredGraph infer_graph(const Graph& graph, std::span<const std::unique_ptr<ops::Op>> ops,
                          const std::vector<Shape>& input_shapes,
                          std::size_t max_fold_bytes = SIZE_MAX,
                          std::span<const Tensor> input_values = {});

}  // namespace nnload::graph
