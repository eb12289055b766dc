#include "graph/plan.hpp"

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "core/fail.hpp"
#include "graph/constant_copy_limit.hpp"
#include "graph/memory_plan.hpp"
#include "ops/constant_copy_budget.hpp"

namespace nnload::graph {

namespace {

std::vector<ops::InputInfo> input_infos(const Node& node, const InferredGraph& g) {
  std::vector<ops::InputInfo> infos;
  infos.reserve(node.inputs.size());
  for (int id : node.inputs) {
    ops::InputInfo info;
    if (id == kNoValue) {
      info.present = false;
    } else {
      const auto v = static_cast<std::size_t>(id);
      if (!g.known[v]) {
        fail(ErrorCode::internal, "node {} reads value {} before it is computed", node.describe(),
             id);
      }
      info.dtype = g.types[v].dtype;
      info.shape = g.types[v].shape;
      if (g.folded[v].defined()) info.value = &g.folded[v];
    }
    infos.push_back(std::move(info));
  }
  return infos;
}

// For ops that read only shapes: a tensor with the input's dtype and shape whose data pointer
// is never dereferenced (reads_only_input_shapes() promises it).
Tensor shape_stand_in(const ops::InputInfo& info) {
  static const std::byte never_read[64] = {};
  return Tensor::wrap(static_cast<const void*>(never_read), info.dtype, info.shape);
}

template <class Typed>
void refuse_strings(const ops::Op& op, const std::vector<Typed>& typed) {
  if (op.accepts_strings()) return;
  for (const Typed& t : typed) {
    if (t.dtype == DType::string)
      fail(ErrorCode::unsupported, "string tensors are not supported by this op");
  }
}

bool all_inputs_known(std::span<const ops::InputInfo> infos) {
  for (const ops::InputInfo& info : infos) {
    if (info.present && !info.has_value()) return false;
  }
  return true;
}

std::size_t byte_size(const ops::TensorType& t) {
  return static_cast<std::size_t>(shape_size(t.shape)) * dtype_size(t.dtype);
}

}  // namespace

InferredGraph infer_graph(const Graph& graph, std::span<const std::unique_ptr<ops::Op>> ops,
                          const std::vector<Shape>& input_shapes, std::size_t max_fold_bytes,
                          std::span<const Tensor> input_values) {
  const std::size_t n = graph.values().size();
  InferredGraph g;
  g.types.resize(n);
  g.known.assign(n, false);
  g.folded.resize(n);
  if (input_shapes.size() != graph.inputs().size()) {
    fail(ErrorCode::invalid_argument, "{} input shapes given for {} inputs", input_shapes.size(),
         graph.inputs().size());
  }
  for (std::size_t i = 0; i < graph.inputs().size(); ++i) {
    const auto id = static_cast<std::size_t>(graph.inputs()[i]);
    g.types[id] = {graph.values()[id].dtype, input_shapes[i]};
    g.known[id] = true;
    if (i < input_values.size() && input_values[i].defined())
      g.folded[id] = input_values[i].clone();
  }
  for (std::size_t v = 0; v < n; ++v) {
    const Value& value = graph.values()[v];
    if (value.is_constant()) {
      g.types[v] = {value.constant.dtype(), value.constant.shape()};
      g.known[v] = true;
      g.folded[v] = value.constant;
    }
  }
  for (std::size_t k = 0; k < graph.nodes().size(); ++k) {
    const Node& node = graph.nodes()[k];
    try {
      const std::vector<ops::InputInfo> infos = input_infos(node, g);
      refuse_strings(*ops[k], infos);
      std::vector<ops::TensorType> types = ops[k]->infer(infos);
      refuse_strings(*ops[k], types);
      if (types.size() != node.outputs.size()) {
        fail(ErrorCode::internal, "op gives {} outputs, the node has {}", types.size(),
             node.outputs.size());
      }
      for (std::size_t o = 0; o < types.size(); ++o) {
        const auto id = static_cast<std::size_t>(node.outputs[o]);
        g.types[id] = types[o];
        g.known[id] = true;
      }
      std::size_t input_bytes = 0;
      for (const ops::InputInfo& info : infos) {
        if (info.present)
          input_bytes += static_cast<std::size_t>(shape_size(info.shape)) * dtype_size(info.dtype);
      }
      const bool shape_only = ops[k]->reads_only_input_shapes();
      std::uint64_t output_bytes = 0;
      for (const ops::TensorType& t : types)
        output_bytes += static_cast<std::uint64_t>(shape_size(t.shape)) * dtype_size(t.dtype);
      if (shape_only || (all_inputs_known(infos) && input_bytes <= max_fold_bytes &&
                         ops::take_constant_copy_budget(output_bytes))) {
        // Everything this node reads is known before any prediction: compute it now, once.
        std::vector<Tensor> inputs;
        for (const ops::InputInfo& info : infos) {
          if (!info.present) {
            inputs.emplace_back();
          } else if (info.has_value()) {
            inputs.push_back(*info.value);
          } else {
            inputs.push_back(shape_stand_in(info));
          }
        }
        std::vector<Tensor> outputs;
        for (const ops::TensorType& t : types) outputs.push_back(Tensor::empty(t.dtype, t.shape));
        ops[k]->make_kernel(infos, types)->run(inputs, outputs);
        for (std::size_t o = 0; o < outputs.size(); ++o) {
          g.folded[static_cast<std::size_t>(node.outputs[o])] = std::move(outputs[o]);
        }
      }
    } catch (const Error& e) {
      rethrow_with_context(e, "node " + node.describe());
    }
  }
  return g;
}

Plan::Plan(const Graph& graph, std::span<const std::unique_ptr<ops::Op>> ops,
           const std::vector<Shape>& input_shapes, std::span<const Tensor> input_values)
    : graph_outputs_(graph.outputs()) {
  // Packed weights and folded values (constant_copy_limit.hpp).
  const ops::ScopedConstantCopyBudget budget(constant_copy_limit(graph));
  inferred_ = infer_graph(graph, ops, input_shapes, SIZE_MAX, input_values);
  build_steps(graph, ops);
  place_values(graph, ops);
}

void Plan::build_steps(const Graph& graph, std::span<const std::unique_ptr<ops::Op>> ops) {
  for (std::size_t k = 0; k < graph.nodes().size(); ++k) {
    const Node& node = graph.nodes()[k];
    bool all_folded = true;
    for (int out : node.outputs)
      all_folded &= inferred_.folded[static_cast<std::size_t>(out)].defined();
    if (all_folded) continue;
    try {
      const std::vector<ops::InputInfo> infos = input_infos(node, inferred_);
      std::vector<ops::TensorType> types;
      for (int out : node.outputs) types.push_back(inferred_.types[static_cast<std::size_t>(out)]);
      Step step;
      step.node = static_cast<int>(k);
      step.description = "node " + node.describe();
      step.kernel = ops[k]->make_kernel(infos, types);
      step.inputs = node.inputs;
      step.outputs = node.outputs;
      steps_.push_back(std::move(step));
    } catch (const Error& e) {
      rethrow_with_context(e, "node " + node.describe());
    }
  }
}

void Plan::place_values(const Graph& graph, std::span<const std::unique_ptr<ops::Op>> ops) {
  const std::size_t n = graph.values().size();
  placements_.resize(n);
  for (std::size_t v = 0; v < n; ++v) placements_[v].type = inferred_.types[v];
  for (std::size_t i = 0; i < graph.inputs().size(); ++i) {
    Placement& p = placements_[static_cast<std::size_t>(graph.inputs()[i])];
    p.base = Placement::Base::graph_input;
    p.index = static_cast<int>(i);
  }
  for (std::size_t v = 0; v < n; ++v) {
    if (inferred_.folded[v].defined()) {
      placements_[v].base = Placement::Base::constant;
      placements_[v].constant = inferred_.folded[v];
    }
  }
  for (std::size_t j = 0; j < graph_outputs_.size(); ++j) {
    const int v = graph_outputs_[j];
    Placement& p = placements_[static_cast<std::size_t>(v)];
    output_types_.push_back(p.type);
    if (p.base == Placement::Base::none) {
      p.base = Placement::Base::graph_output;
      p.index = static_cast<int>(j);
    } else {
      output_copies_.emplace_back(static_cast<int>(j), v);
    }
  }

  // Every value a step writes gets arena memory, unless it is a graph output or an alias that
  // reinterprets its input's bytes. Aliases share their root's buffer and extend its lifetime.
  std::vector<int> root(n, -1);
  std::vector<BufferRequest> requests;
  std::vector<int> request_of(n, -1);
  for (std::size_t s = 0; s < steps_.size(); ++s) {
    const Step& step = steps_[s];
    const int alias = ops[static_cast<std::size_t>(step.node)]->output_aliases_input();
    for (std::size_t o = 0; o < step.outputs.size(); ++o) {
      const auto v = static_cast<std::size_t>(step.outputs[o]);
      Placement& p = placements_[v];
      if (p.base != Placement::Base::none) continue;
      if (p.type.dtype == DType::string) {
        // The arena holds raw bytes; std::string objects need construction.
        fail(ErrorCode::unsupported,
             "{}: string tensors are supported as model inputs and outputs, not between ops",
             step.description);
      }
      if (o == 0 && alias >= 0 && static_cast<std::size_t>(alias) < step.inputs.size() &&
          step.inputs[static_cast<std::size_t>(alias)] != kNoValue) {
        const auto u = static_cast<std::size_t>(step.inputs[static_cast<std::size_t>(alias)]);
        if (byte_size(placements_[u].type) == byte_size(p.type) &&
            placements_[u].type.dtype == p.type.dtype) {
          const ops::TensorType type = p.type;
          p = placements_[u];
          p.type = type;
          if (p.base == Placement::Base::constant) p.constant = p.constant.reshaped(type.shape);
          root[v] = root[u];
          continue;
        }
      }
      p.base = Placement::Base::arena;
      root[v] = static_cast<int>(v);
      request_of[v] = static_cast<int>(requests.size());
      requests.push_back({byte_size(p.type), static_cast<int>(s), static_cast<int>(s)});
    }
    for (int in : step.inputs) {
      if (in == kNoValue || root[static_cast<std::size_t>(in)] < 0) continue;
      BufferRequest& r = requests[static_cast<std::size_t>(
          request_of[static_cast<std::size_t>(root[static_cast<std::size_t>(in)])])];
      r.last_step = std::max(r.last_step, static_cast<int>(s));
    }
  }
  const MemoryPlan memory = plan_memory(requests);
  arena_bytes_ = memory.total_bytes;
  for (std::size_t v = 0; v < n; ++v) {
    if (placements_[v].base == Placement::Base::arena) {
      const int r = request_of[static_cast<std::size_t>(root[v])];
      placements_[v].offset = memory.offsets[static_cast<std::size_t>(r)];
    }
  }

  for (std::size_t s = 0; s < steps_.size(); ++s) {
    auto per_run = [&](int v) {
      if (v == kNoValue) return false;
      const Placement::Base b = placements_[static_cast<std::size_t>(v)].base;
      return b == Placement::Base::graph_input || b == Placement::Base::graph_output;
    };
    for (std::size_t i = 0; i < steps_[s].inputs.size(); ++i) {
      if (per_run(steps_[s].inputs[i])) patches_.push_back({s, i, steps_[s].inputs[i], false});
    }
    for (std::size_t o = 0; o < steps_[s].outputs.size(); ++o) {
      if (per_run(steps_[s].outputs[o])) patches_.push_back({s, o, steps_[s].outputs[o], true});
    }
  }
}

Tensor Plan::tensor_for(int value, std::span<const Tensor> inputs, std::span<Tensor> outputs,
                        const std::byte* arena) const {
  if (value == kNoValue) return Tensor();
  const Placement& p = placements_[static_cast<std::size_t>(value)];
  auto reshaped = [&](const Tensor& t) {
    return t.shape() == p.type.shape ? t : t.reshaped(p.type.shape);
  };
  switch (p.base) {
    case Placement::Base::graph_input:
      return reshaped(inputs[static_cast<std::size_t>(p.index)]);
    case Placement::Base::graph_output:
      return reshaped(outputs[static_cast<std::size_t>(p.index)]);
    case Placement::Base::arena:
      return Tensor::wrap(const_cast<std::byte*>(arena) + p.offset, p.type.dtype, p.type.shape);
    case Placement::Base::constant:
      return p.constant;
    case Placement::Base::none:
      break;
  }
  fail(ErrorCode::internal, "value {} has no placement in the plan", value);
}

std::unique_ptr<Arena> Plan::acquire_arena() const {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!pool_.empty()) {
      std::unique_ptr<Arena> arena = std::move(pool_.back());
      pool_.pop_back();
      return arena;
    }
  }
  auto arena = std::make_unique<Arena>();
  const std::size_t bytes = std::max<std::size_t>(arena_bytes_, 64);
  arena->memory = std::shared_ptr<std::byte>(
      static_cast<std::byte*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)),
      [](std::byte* p) { std::free(p); });
  if (!arena->memory) fail(ErrorCode::invalid_argument, "out of memory: arena of {} bytes", bytes);
  const std::byte* base = arena->memory.get();
  for (const Step& step : steps_) {
    std::vector<Tensor> in, out;
    for (int v : step.inputs) {
      const Placement::Base b =
          v == kNoValue ? Placement::Base::none : placements_[static_cast<std::size_t>(v)].base;
      in.push_back(b == Placement::Base::graph_input || b == Placement::Base::graph_output
                       ? Tensor()
                       : tensor_for(v, {}, {}, base));
    }
    for (int v : step.outputs) {
      const Placement::Base b = placements_[static_cast<std::size_t>(v)].base;
      out.push_back(b == Placement::Base::graph_input || b == Placement::Base::graph_output
                        ? Tensor()
                        : tensor_for(v, {}, {}, base));
    }
    arena->step_inputs.push_back(std::move(in));
    arena->step_outputs.push_back(std::move(out));
  }
  return arena;
}

void Plan::release_arena(std::unique_ptr<Arena> arena) const {
  for (const Patch& patch : patches_) {
    (patch.is_output ? arena->step_outputs : arena->step_inputs)[patch.step][patch.position] =
        Tensor();
  }
  std::lock_guard<std::mutex> lock(pool_mutex_);
  pool_.push_back(std::move(arena));
}

std::vector<int> Plan::step_nodes() const {
  std::vector<int> nodes;
  for (const Step& step : steps_) nodes.push_back(step.node);
  return nodes;
}

std::vector<Tensor> Plan::run(std::span<const Tensor> inputs,
                              std::vector<double>* step_seconds) const {
  if (step_seconds != nullptr) step_seconds->resize(steps_.size(), 0.0);
  std::vector<Tensor> outputs(graph_outputs_.size());
  for (std::size_t j = 0; j < graph_outputs_.size(); ++j) {
    if (placements_[static_cast<std::size_t>(graph_outputs_[j])].base ==
            Placement::Base::graph_output &&
        placements_[static_cast<std::size_t>(graph_outputs_[j])].index == static_cast<int>(j)) {
      outputs[j] = Tensor::empty(output_types_[j].dtype, output_types_[j].shape);
    }
  }
  std::unique_ptr<Arena> arena = acquire_arena();
  struct Release {
    const Plan* plan;
    std::unique_ptr<Arena>& arena;
    ~Release() { plan->release_arena(std::move(arena)); }
  } release{this, arena};

  for (const Patch& patch : patches_) {
    (patch.is_output ? arena->step_outputs : arena->step_inputs)[patch.step][patch.position] =
        tensor_for(patch.value, inputs, outputs, arena->memory.get());
  }
  for (std::size_t s = 0; s < steps_.size(); ++s) {
    try {
      if (step_seconds == nullptr) {
        steps_[s].kernel->run(arena->step_inputs[s], arena->step_outputs[s]);
      } else {
        const auto start = std::chrono::steady_clock::now();
        steps_[s].kernel->run(arena->step_inputs[s], arena->step_outputs[s]);
        (*step_seconds)[s] +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      }
    } catch (const Error& e) {
      rethrow_with_context(e, steps_[s].description);
    }
  }
  for (const auto& [position, value] : output_copies_) {
    outputs[static_cast<std::size_t>(position)] =
        tensor_for(value, inputs, outputs, arena->memory.get()).clone();
  }
  return outputs;
}

}  // namespace nnload::graph
