// to_channels_last: runs ONNX's channels-first (NCHW) convolution chains in channels-last
// (NHWC) layout. oneDNN's fast convolutions (brgconv, brdgmm depthwise) work on NHWC; on NCHW it
// falls back to im2col + gemm or needs a reorder before and after every Conv (measured on this
// machine, one thread: ResNet-18's 3x3 64->64 at 56x56 1.55 ms NCHW vs 0.90 ms NHWC, a depthwise
// 3x3 over 32 channels at 112x112 1.27 vs 0.075 ms). So the layout changes once where a chain
// starts and changes back only where a consumer needs channels-first, like ONNX Runtime's NHWC
// transformer.
//
// Walks the nodes in order, keeping for each channels-first value its channels-last twin:
// - Conv/ConvTranspose with a constant float weight read their input's twin (a Transpose is
//   added when it has none) and produce a twin, as nnload-domain nodes with channels_last.
// - MaxPool/AveragePool/GlobalAveragePool/GlobalMaxPool over a twin do the same.
// - Pointwise ops (activations, Add/Mul/...) whose every input is a twin of the same rank or a
//   single-value constant run on the twins unchanged; Concat too, its axis renumbered.
// - Any other reader of a value that now only exists as a twin gets the value back through one
//   Transpose (added once), as do graph outputs. The graph's meaning is unchanged.
#include <algorithm>
#include <set>

#include "graph/passes/passes.hpp"
#include "graph/passes/pattern.hpp"

namespace nnload::graph::passes {

namespace {

// Ops that compute each output element from the same element of each input (scalars
// broadcast), so they commute with any transpose.
const std::set<std::string, std::less<>> kPointwise = {
    "Relu",      "LeakyRelu",  "Sigmoid",  "Tanh", "Elu",  "Selu",  "HardSigmoid",
    "HardSwish", "Softplus",   "Softsign", "Mish", "Gelu", "Clip",  "Abs",
    "Neg",       "Exp",        "Log",      "Sqrt", "Erf",  "Floor", "Ceil",
    "Round",     "Reciprocal", "Identity", "Add",  "Sub",  "Mul",   "Div",
    "Max",       "Min",        "Sum",      "Mean", "Pow",  "PRelu", "Swish"};

const std::set<std::string, std::less<>> kPools = {"MaxPool", "AveragePool", "GlobalAveragePool",
                                                   "GlobalMaxPool"};

// NHWC dim j holds NCHW dim to_last(rank)[j].
std::vector<std::int64_t> to_last(std::int64_t rank) {
  std::vector<std::int64_t> perm{0};
  for (std::int64_t d = 2; d < rank; ++d) perm.push_back(d);
  perm.push_back(1);
  return perm;
}

std::vector<std::int64_t> to_first(std::int64_t rank) {
  std::vector<std::int64_t> perm{0, rank - 1};
  for (std::int64_t d = 1; d < rank - 1; ++d) perm.push_back(d);
  return perm;
}

bool is_channels_first_conv(const Graph& graph, const Node& node) {
  if (!(is_op(node, "Conv") || is_op(node, "ConvTranspose")) ||
      node.attrs.int_or("channels_last", 0) != 0 || node.inputs.size() < 2 ||
      node.outputs.size() != 1) {
    return false;
  }
  const Tensor* w = constant_of(graph, node.inputs[1]);
  return w != nullptr && w->dtype() == DType::f32 && w->rank() >= 3 && w->rank() <= 5;
}

class Rewriter {
 public:
  explicit Rewriter(Graph& graph)
      : graph_(graph),
        twin_(graph.values().size(), -1),
        rank_(graph.values().size(), 0),
        moved_(graph.values().size(), false) {}

  int run() {
    std::vector<Node> nodes = std::move(graph_.nodes());
    graph_.nodes().clear();
    int converted = 0;
    for (Node& node : nodes) {
      if (convert(node)) {
        ++converted;
      } else {
        for (int& in : node.inputs) restore(in);
      }
      out_.push_back(std::move(node));
    }
    for (int value : graph_.outputs()) restore(value);
    graph_.set_nodes(std::move(out_));
    return converted;
  }

 private:
  bool convert(Node& node) {
    if (is_channels_first_conv(graph_, node)) {
      const auto rank = constant_of(graph_, node.inputs[1])->rank();
      return to_twins(node, {0}, rank);
    }
    if (!is_twin_candidate(node)) return false;
    const int first = node.inputs[0];
    const std::int64_t rank = rank_[static_cast<std::size_t>(first)];
    if (kPools.count(node.op) != 0) {
      if (node.attrs.int_or("channels_last", 0) != 0 || node.outputs.size() != 1) return false;
      return to_twins(node, {0}, rank);
    }
    if (node.op == "Concat") {
      std::int64_t axis = node.attrs.int_or("axis", 1);
      if (axis < 0) axis += rank;
      if (axis < 0 || axis >= rank || !all_twins(node, rank, false)) return false;
      const auto perm = to_last(rank);
      const auto at = std::find(perm.begin(), perm.end(), axis) - perm.begin();
      node.attrs.set("axis", static_cast<std::int64_t>(at));
      return to_twins(node, all_data_inputs(node), rank);
    }
    if (node.outputs.size() != 1 || !all_twins(node, rank, true)) return false;
    return to_twins(node, all_data_inputs(node), rank);
  }

  // Pools, pointwise ops and Concat are candidates when their first input has a twin.
  bool is_twin_candidate(const Node& node) const {
    const bool known =
        (node.domain.empty() &&
         (kPointwise.count(node.op) != 0 || kPools.count(node.op) != 0 || node.op == "Concat")) ||
        (node.domain == "nnload" && (node.op == "Swish" || kPools.count(node.op) != 0));
    return known && !node.inputs.empty() && node.inputs[0] != kNoValue &&
           twin_[static_cast<std::size_t>(node.inputs[0])] >= 0;
  }

  // Every input a twin of `rank`, or (when `scalars_ok`) a single-value constant that
  // broadcasts the same way in either layout.
  bool all_twins(const Node& node, std::int64_t rank, bool scalars_ok) const {
    for (int in : node.inputs) {
      if (in == kNoValue) continue;
      if (twin_[static_cast<std::size_t>(in)] >= 0) {
        if (rank_[static_cast<std::size_t>(in)] != rank) return false;
        continue;
      }
      const Tensor* c = constant_of(graph_, in);
      if (!scalars_ok || c == nullptr || c->numel() != 1 || c->rank() > rank) return false;
    }
    return true;
  }

  std::vector<std::size_t> all_data_inputs(const Node& node) const {
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] != kNoValue && twin_[static_cast<std::size_t>(node.inputs[i])] >= 0)
        which.push_back(i);
    }
    return which;
  }

  // Rewrites `node` to read the twins of inputs `which` (making them when missing) and to
  // produce a twin of its one output.
  bool to_twins(Node& node, const std::vector<std::size_t>& which, std::int64_t rank) {
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      if (std::find(which.begin(), which.end(), i) != which.end()) {
        node.inputs[i] = twin_of(node.inputs[i], rank);
      } else {
        restore(node.inputs[i]);  // weights, bias, bounds: read as they are
      }
    }
    const int original = node.outputs[0];
    const int twin = new_value(graph_.value(original).name + "/nhwc", original);
    twin_[static_cast<std::size_t>(original)] = twin;
    rank_[static_cast<std::size_t>(original)] = rank;
    moved_[static_cast<std::size_t>(original)] = true;
    node.outputs[0] = twin;
    if (node.domain.empty() && node.op != "Concat" && kPointwise.count(node.op) == 0) {
      node.domain = "nnload";
    }
    if (node.domain == "nnload" && node.op != "Swish") node.attrs.set("channels_last", 1);
    return true;
  }

  int twin_of(int value, std::int64_t rank) {
    const auto v = static_cast<std::size_t>(value);
    if (twin_[v] >= 0) return twin_[v];
    const int twin = new_value(graph_.value(value).name + "/nhwc", value);
    emit_transpose(value, twin, to_last(rank));
    twin_[v] = twin;
    rank_[v] = rank;
    return twin;
  }

  // A value whose producer now makes only its twin is made again, once, by a Transpose back.
  void restore(int value) {
    if (value == kNoValue) return;
    const auto v = static_cast<std::size_t>(value);
    if (v >= moved_.size() || !moved_[v]) return;
    emit_transpose(twin_[v], value, to_first(rank_[v]));
    moved_[v] = false;
  }

  void emit_transpose(int from, int to, std::vector<std::int64_t> perm) {
    Node t;
    t.name = graph_.value(to).name + "/transpose";
    t.op = "Transpose";
    t.inputs = {from};
    t.outputs = {to};
    t.attrs.set("perm", std::move(perm));
    out_.push_back(std::move(t));
  }

  int new_value(std::string name, int like) {
    const DType dtype = graph_.value(like).dtype;
    const int id = graph_.add_value(std::move(name), dtype);
    twin_.push_back(-1);
    rank_.push_back(0);
    moved_.push_back(false);
    return id;
  }

  Graph& graph_;
  std::vector<int> twin_;
  std::vector<std::int64_t> rank_;
  std::vector<bool> moved_;  // produced only as its twin so far
  std::vector<Node> out_;
};

}  // namespace

int to_channels_last(Graph& graph) {
  const bool any = std::any_of(graph.nodes().begin(), graph.nodes().end(),
                               [&](const Node& n) { return is_channels_first_conv(graph, n); });
  return any ? Rewriter(graph).run() : 0;
}

}  // namespace nnload::graph::passes
