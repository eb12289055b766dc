// Keras recurrent cells as nnload.RNN/GRU/LSTM nodes: each Keras version's config keys and
// weight layouts mapped onto ONNX's W, R, B (by nodes folded at load), and the node itself.
//
// Gate orders: Keras LSTM kernels hold i, f, c, o side by side, ONNX wants i, o, f, c; Keras 1
// stored one array per gate and role, listed i, c, f, o. GRU is z, r, h in both. CuDNN layers
// keep each gate's input kernel in cuDNN's own layout (a [units, in] matrix written into the
// [in, units] block) and their recurrent kernels untransposed (Keras 2's
// _convert_rnn_weights); CuDNNLSTM has separate input and recurrent biases (8 * units).
#include <climits>

#include "core/fail.hpp"
#include "formats/keras/layers/recurrent_cells.hpp"
#include "graph/executor.hpp"
#include "graph/shape_probe.hpp"

namespace nnload::formats::keras::rnn {

namespace {

using linalg::RecurrentActivation;
using Kind = linalg::RecurrentActivationKind;

std::string activation_name(LayerContext& ctx, const Json& a) {
  if (a.is_null()) return "linear";
  if (a.is_string()) return a.get<std::string>();
  if (a.is_object() && a.contains("config") && a["config"].is_string())
    return a["config"].get<std::string>();  // Keras 3 serialized function
  ctx.unsupported("activation " + a.dump() + " is not a Keras activation nnload knows");
}

}  // namespace

// hard_sigmoid is clip(0.2 x + 0.5, 0, 1) before Keras 3, relu6(x + 3) / 6 since.
RecurrentActivation keras_activation(LayerContext& ctx, const Json& a, const char* role) {
  const std::string name = activation_name(ctx, a);
  if (name == "tanh") return {Kind::tanh, 0, 0};
  if (name == "sigmoid") return {Kind::sigmoid, 0, 0};
  if (name == "hard_sigmoid")
    return {Kind::hard_sigmoid, ctx.version().major >= 3 ? 1.0 / 6 : 0.2, 0.5};
  if (name == "relu") return {Kind::relu, 0, 0};
  if (name == "linear") return {Kind::affine, 1, 0};
  if (name == "softsign") return {Kind::softsign, 0, 0};
  if (name == "softplus") return {Kind::softplus, 0, 0};
  if (name == "elu") return {Kind::elu, 1, 0};
  if (name == "leaky_relu") return {Kind::leaky_relu, 0.2, 0};  // Keras 3's negative_slope
  ctx.unsupported(fmt::format(
      "{} '{}' is not supported in a recurrent layer (supported: tanh, sigmoid, hard_sigmoid, "
      "relu, linear, softsign, softplus, elu, leaky_relu)",
      role, name));
}

RecurrentActivation config_activation(LayerContext& ctx) {
  const Json* a = ctx.find({"activation"});
  return a ? keras_activation(ctx, *a, "activation") : RecurrentActivation{Kind::tanh, 0, 0};
}

RecurrentActivation config_recurrent_activation(LayerContext& ctx) {
  const Json* ra = ctx.find({"recurrent_activation", "inner_activation"});
  return keras_activation(ctx,
                          ra ? *ra : Json(ctx.version().major >= 3 ? "sigmoid" : "hard_sigmoid"),
                          "recurrent_activation");
}

void set_activations(graph::Attributes& attrs, const std::vector<RecurrentActivation>& fs) {
  std::vector<std::string> names;
  std::vector<double> alphas, betas;
  for (const RecurrentActivation& f : fs) {
    names.emplace_back(linalg::recurrent_activation_name(f.kind));
    if (linalg::uses_alpha(f.kind)) alphas.push_back(f.alpha);
    if (linalg::uses_beta(f.kind)) betas.push_back(f.beta);
  }
  attrs.set("activations", names);
  if (!alphas.empty()) attrs.set("activation_alpha", alphas);
  if (!betas.empty()) attrs.set("activation_beta", betas);
}

namespace {

// Keras 1's per-gate array names end in "_<role>_<gate>": "lstm_1_W_i:0" -> ('W', 'i').
std::optional<std::pair<char, char>> keras1_gate_array(const std::string& weight_name) {
  std::string name = weight_name;
  if (const auto colon = name.rfind(':'); colon != std::string::npos) name.resize(colon);
  if (const auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
  if (name.size() < 3 || name[name.size() - 2] != '_') return std::nullopt;
  const char gate = name.back();
  const std::size_t role_end = name.size() - 2;
  if (role_end == 0) return std::nullopt;
  const char role = name[role_end - 1];
  const bool role_alone = role_end == 1 || name[role_end - 2] == '_';
  if (!role_alone || (role != 'W' && role != 'U' && role != 'b')) return std::nullopt;
  if (std::string_view("ifcozrh").find(gate) == std::string_view::npos) return std::nullopt;
  return std::make_pair(role, gate);
}

bool keras1_per_gate(const LayerContext& ctx, std::size_t first) {
  return ctx.version().major == 1 && first < ctx.weight_count() &&
         keras1_gate_array(ctx.weights()[first].name).has_value();
}

// Keras' gates of a kind, in the order its kernels hold them.
std::string_view keras_gates(CellKind kind) {
  return kind == CellKind::lstm ? "ifco" : kind == CellKind::gru ? "zrh" : "i";
}

// For each ONNX gate, the Keras gate block it comes from.
std::vector<std::int64_t> onnx_order(CellKind kind) {
  if (kind == CellKind::lstm) return {0, 3, 1, 2};  // i, o, f, c from i, f, c, o
  if (kind == CellKind::gru) return {0, 1, 2};
  return {0};
}

bool is_identity(const std::vector<std::int64_t>& order) {
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (order[i] != static_cast<std::int64_t>(i)) return false;
  }
  return true;
}

graph::Attributes axis_attr(std::int64_t axis) {
  graph::Attributes a;
  a.set("axis", axis);
  return a;
}

graph::Attributes perm_attr(std::vector<std::int64_t> perm) {
  graph::Attributes a;
  a.set("perm", std::move(perm));
  return a;
}

int reshape(LayerContext& ctx, const std::string& step, int x, std::vector<std::int64_t> shape) {
  return ctx.add("Reshape", step, {x, ctx.int64s(step + "_shape", std::move(shape))});
}

// Keras kernel [in, G*U] -> ONNX [1, G*U, in], gates in ONNX order. `cudnn`: each gate block
// holds cuDNN's [U, in] matrix row-major (input kernels of CuDNN layers), which also describes
// an untransposed recurrent kernel.
int onnx_matrix(LayerContext& ctx, const std::string& step, int kernel, std::int64_t in,
                CellKind kind, std::int64_t units, bool cudnn) {
  const std::int64_t g = gates(kind);
  const int split = reshape(ctx, step + "_gates", kernel, {in, g, units});
  int x = ctx.add(
      "Transpose", step + "_per_gate", {split},
      perm_attr(cudnn ? std::vector<std::int64_t>{1, 0, 2} : std::vector<std::int64_t>{1, 2, 0}));
  if (cudnn) x = reshape(ctx, step + "_cudnn_rows", x, {g, units, in});
  const std::vector<std::int64_t> order = onnx_order(kind);
  if (!is_identity(order)) {
    x = ctx.add("Gather", step + "_onnx_order", {x, ctx.int64s(step + "_order", order)},
                axis_attr(0));
  }
  return reshape(ctx, step, x, {1, g * units, in});
}

// Keras bias -> ONNX B [1, 2*G*U]: [G*U] (input bias only), or [2, G*U] / [2*G*U] (input
// then recurrent biases: GRU reset_after, CuDNN layers).
int onnx_bias(LayerContext& ctx, int bias, CellKind kind, std::int64_t units, bool recurrent_part) {
  const std::int64_t g = gates(kind);
  const std::vector<std::int64_t> order = onnx_order(kind);
  if (recurrent_part) {
    int x = reshape(ctx, "B_gates", bias, {2, g, units});
    if (!is_identity(order))
      x = ctx.add("Gather", "B_onnx_order", {x, ctx.int64s("B_order", order)}, axis_attr(1));
    return reshape(ctx, "B", x, {1, 2 * g * units});
  }
  int x = reshape(ctx, "B_gates", bias, {g, units});
  if (!is_identity(order))
    x = ctx.add("Gather", "B_onnx_order", {x, ctx.int64s("B_order", order)}, axis_attr(0));
  x = reshape(ctx, "Wb", x, {1, g * units});
  const int zeros = ctx.constant("Rb", Tensor::zeros(DType::f32, {1, g * units}));
  return ctx.add("Concat", "B", {x, zeros}, axis_attr(1));
}

void expect_shape(LayerContext& ctx, std::size_t index, const char* role, const Shape& expected) {
  const Shape& actual = ctx.weight_tensor(index, role).shape();
  if (actual != expected) {
    ctx.corrupt(fmt::format("{} has shape {}, expected {}", role, shape_to_list(actual),
                            shape_to_list(expected)));
  }
}

// Keras 1's arrays W_<gate> [in, U], U_<gate> [U, U], b_<gate> [U] concatenated into Keras 2's
// kernel, recurrent kernel and bias (gates in Keras 2's order).
std::array<int, 3> keras1_concat(LayerContext& ctx, CellKind kind, std::size_t first,
                                 std::int64_t units, std::int64_t& in) {
  const std::string_view order = keras_gates(kind);
  const std::size_t count = 3 * order.size();
  if (first + count > ctx.weight_count()) {
    ctx.corrupt(fmt::format("expected {} per-gate weight arrays (Keras 1), the file holds {}",
                            count, ctx.weight_count() - first));
  }
  std::array<std::vector<int>, 3> parts;  // W, U, b; gates in Keras 2 order
  for (auto& p : parts) p.assign(order.size(), -1);
  for (std::size_t i = 0; i < count; ++i) {
    const auto which = keras1_gate_array(ctx.weights()[first + i].name);
    const std::size_t role = which ? std::string_view("WUb").find(which->first) : std::string::npos;
    const std::size_t gate = which ? order.find(which->second) : std::string::npos;
    if (role == std::string::npos || gate == std::string::npos || parts[role][gate] >= 0) {
      ctx.corrupt(fmt::format("weight '{}' is not one of the {} per-gate arrays W/U/b_[{}]",
                              ctx.weights()[first + i].name, count, order));
    }
    parts[role][gate] = static_cast<int>(first + i);
  }
  const Shape& w0 = ctx.weight_tensor(static_cast<std::size_t>(parts[0][0]), "W").shape();
  in = w0.empty() ? 0 : w0[0];
  std::array<int, 3> joined{};
  const char* const roles[3] = {"W", "U", "b"};
  for (std::size_t role = 0; role < 3; ++role) {
    std::vector<int> values;
    for (std::size_t gate = 0; gate < order.size(); ++gate) {
      const auto index = static_cast<std::size_t>(parts[role][gate]);
      expect_shape(ctx, index, roles[role],
                   role == 0   ? Shape{in, units}
                   : role == 1 ? Shape{units, units}
                               : Shape{units});
      values.push_back(ctx.weight(index, roles[role]));
    }
    joined[role] = values.size() == 1 ? values[0]
                                      : ctx.add("Concat", std::string("keras1_") + roles[role],
                                                values, axis_attr(role == 2 ? 0 : 1));
  }
  return joined;
}

}  // namespace

std::optional<CellKind> cell_kind(std::string_view class_name) {
  if (class_name == "SimpleRNN" || class_name == "SimpleRNNCell") return CellKind::simple;
  if (class_name == "GRU" || class_name == "GRUCell" || class_name == "CuDNNGRU")
    return CellKind::gru;
  if (class_name == "LSTM" || class_name == "LSTMCell" || class_name == "CuDNNLSTM")
    return CellKind::lstm;
  return std::nullopt;
}

int gates(CellKind kind) { return kind == CellKind::lstm ? 4 : kind == CellKind::gru ? 3 : 1; }

std::size_t state_count(CellKind kind) { return kind == CellKind::lstm ? 2 : 1; }

std::size_t cell_weight_count(const LayerContext& ctx, CellKind kind, std::size_t first) {
  if (keras1_per_gate(ctx, first)) return 3 * static_cast<std::size_t>(gates(kind));
  return ctx.get_bool({"use_bias"}, true) ? 3 : 2;
}

Cell read_cell(LayerContext& ctx, CellKind kind, std::size_t first, bool cudnn) {
  Cell cell;
  cell.kind = kind;
  cell.units = ctx.get_int({"units", "output_dim"});
  if (cell.units <= 0) ctx.corrupt(fmt::format("units is {}, expected > 0", cell.units));
  const std::int64_t units = cell.units, g = gates(kind);

  // CuDNN layers are fixed to tanh and sigmoid.
  const RecurrentActivation act =
      cudnn ? RecurrentActivation{Kind::tanh, 0, 0} : config_activation(ctx);
  const RecurrentActivation recurrent =
      cudnn ? RecurrentActivation{Kind::sigmoid, 0, 0} : config_recurrent_activation(ctx);
  if (kind == CellKind::lstm) cell.activations = {recurrent, act, act};
  if (kind == CellKind::gru) cell.activations = {recurrent, act};
  if (kind == CellKind::simple) cell.activations = {act};

  int kernel, recurrent_kernel, bias = -1;
  std::int64_t in = 0;
  bool recurrent_bias = cudnn;
  if (keras1_per_gate(ctx, first)) {
    const std::array<int, 3> joined = keras1_concat(ctx, kind, first, units, in);
    kernel = joined[0];
    recurrent_kernel = joined[1];
    bias = joined[2];
  } else {
    const bool use_bias = cudnn || ctx.get_bool({"use_bias"}, true);
    const Shape& k = ctx.weight_tensor(first, "kernel").shape();
    if (k.size() != 2 || k[1] != g * units) {
      ctx.corrupt(fmt::format("kernel has shape {}, expected [input_dim, {}] ({} gates x {} units)",
                              shape_to_list(k), g * units, g, units));
    }
    in = k[0];
    expect_shape(ctx, first + 1, "recurrent_kernel", {units, g * units});
    kernel = ctx.weight(first, "kernel");
    recurrent_kernel = ctx.weight(first + 1, "recurrent_kernel");
    if (use_bias) {
      const Shape& b = ctx.weight_tensor(first + 2, "bias").shape();
      if (kind == CellKind::gru && !cudnn) {
        // reset_after (default since tf.keras 2 and in Keras 3) keeps both biases as [2, 3U].
        const bool reset_after = ctx.get_bool({"reset_after"}, b.size() == 2);
        recurrent_bias = reset_after;
        cell.linear_before_reset = reset_after;
      }
      const Shape expected = cudnn            ? Shape{2 * g * units}
                             : recurrent_bias ? Shape{2, g * units}
                                              : Shape{g * units};
      expect_shape(ctx, first + 2, "bias", expected);
      bias = ctx.weight(first + 2, "bias");
    } else if (kind == CellKind::gru) {
      cell.linear_before_reset = ctx.get_bool({"reset_after"}, false);
    }
  }
  if (kind == CellKind::gru && cudnn) cell.linear_before_reset = true;
  cell.w = onnx_matrix(ctx, "W", kernel, in, kind, units, cudnn);
  cell.r = onnx_matrix(ctx, "R", recurrent_kernel, units, kind, units, cudnn);
  if (bias >= 0) cell.b = onnx_bias(ctx, bias, kind, units, recurrent_bias);
  return cell;
}

SequenceOptions read_sequence_options(const LayerContext& ctx) {
  SequenceOptions opt;
  opt.return_sequences = ctx.get_bool({"return_sequences"}, false);
  opt.return_state = ctx.get_bool({"return_state"}, false);
  opt.go_backwards = ctx.get_bool({"go_backwards"}, false);
  opt.zero_output_for_mask = ctx.get_bool({"zero_output_for_mask"}, false);
  opt.time_major = ctx.get_bool({"time_major"}, false);
  return opt;
}

namespace {

// The dtype of a value of the graph being built (compiles a copy for a computed value).
std::optional<DType> value_dtype(LayerContext& ctx, int value) {
  const graph::Value& v = ctx.graph().value(value);
  if (v.is_constant()) return v.constant.dtype();
  if (v.producer < 0) return v.dtype;
  const graph::Node& producer = ctx.graph().node(v.producer);
  static const char* const kBoolOps[] = {"Not",         "Equal",          "Less", "Greater",
                                         "LessOrEqual", "GreaterOrEqual", "And",  "Or",
                                         "Xor",         "IsNaN",          "IsInf"};
  for (const char* op : kBoolOps) {
    if (producer.domain.empty() && producer.op == op) return DType::boolean;
  }
  auto snapshot = std::make_shared<graph::Graph>(ctx.graph());
  snapshot->mutable_outputs().clear();
  const graph::Executor executor(snapshot);
  const auto type = graph::probe_types(executor, {value})[0];
  return type ? std::optional<DType>(type->dtype) : std::nullopt;
}

}  // namespace

CallInputs read_call_inputs(LayerContext& ctx, std::size_t states) {
  CallInputs in;
  in.x = ctx.input(0);
  for (std::size_t i = 1; i < ctx.input_count(); ++i) {
    const int v = ctx.input(i);
    if (in.mask < 0 && value_dtype(ctx, v) == DType::boolean) {
      in.mask = v;  // Keras 3 passes a mask it recorded as a call argument
    } else {
      in.states.push_back(v);
    }
  }
  if (!in.states.empty() && states != kAnyStateCount && in.states.size() != states) {
    ctx.corrupt(fmt::format("is called with {} initial state tensor(s), expected {}",
                            in.states.size(), states));
  }
  if (in.mask < 0) in.mask = ctx.input_mask(0);
  if (in.mask >= 0 && value_dtype(ctx, in.mask) != DType::boolean) {
    graph::Attributes a;
    a.set("to", std::int64_t{9});  // ONNX BOOL
    in.mask = ctx.add("Cast", "mask_to_bool", {in.mask}, a);
  }
  return in;
}

RecurrentOutputs add_recurrent(LayerContext& ctx, const std::string& step,
                               const RecurrentCall& call) {
  const Cell& first = *call.cells[0];
  const auto dirs = static_cast<std::int64_t>(call.cells.size());
  const std::int64_t units = first.units, g = gates(first.kind);
  std::vector<int> w, r, b;
  bool any_bias = false;
  for (const Cell* c : call.cells) {
    if (c->kind != first.kind || c->units != units ||
        c->linear_before_reset != first.linear_before_reset) {
      ctx.corrupt("the two directions' cells differ in kind, units or reset_after");
    }
    w.push_back(c->w);
    r.push_back(c->r);
    any_bias = any_bias || c->b >= 0;
  }
  for (std::size_t d = 0; any_bias && d < call.cells.size(); ++d) {
    b.push_back(call.cells[d]->b >= 0
                    ? call.cells[d]->b
                    : ctx.constant(step + "_no_bias" + std::to_string(d),
                                   Tensor::zeros(DType::f32, {1, 2 * g * units})));
  }
  auto join = [&](const std::vector<int>& parts, const char* name) {
    return parts.size() == 1 ? parts[0] : ctx.add("Concat", step + "_" + name, parts, axis_attr(0));
  };
  const std::int64_t state_axis = call.time_major ? 0 : 1;
  auto initial = [&](const std::vector<int>& states, const char* name) {
    if (states.empty()) return graph::kNoValue;
    std::vector<int> parts;
    for (std::size_t d = 0; d < states.size(); ++d) {
      parts.push_back(ctx.add(
          "Unsqueeze", step + "_" + name + std::to_string(d),
          {states[d], ctx.int64s(step + "_" + name + "_axes" + std::to_string(d), {state_axis})}));
    }
    return parts.size() == 1 ? parts[0]
                             : ctx.add("Concat", step + "_" + name, parts, axis_attr(state_axis));
  };

  graph::Attributes a;
  a.set("hidden_size", units);
  a.set("direction", std::string(dirs == 2      ? "bidirectional"
                                 : call.reverse ? "reverse"
                                                : "forward"));
  a.set("layout", std::int64_t{call.time_major ? 0 : 1});
  std::vector<RecurrentActivation> activations;
  for (const Cell* c : call.cells)
    activations.insert(activations.end(), c->activations.begin(), c->activations.end());
  set_activations(a, activations);
  if (first.kind == CellKind::gru)
    a.set("linear_before_reset", std::int64_t{first.linear_before_reset ? 1 : 0});
  if (call.zero_output_for_mask) a.set("zero_output_for_mask", std::int64_t{1});

  const char* op = first.kind == CellKind::lstm  ? "LSTM"
                   : first.kind == CellKind::gru ? "GRU"
                                                 : "RNN";
  std::vector<int> inputs = {call.x,          join(w, "W"),
                             join(r, "R"),    any_bias ? join(b, "B") : graph::kNoValue,
                             graph::kNoValue, initial(call.initial_h, "initial_h")};
  if (first.kind == CellKind::lstm) {
    inputs.push_back(initial(call.initial_c, "initial_c"));
    inputs.push_back(graph::kNoValue);  // P: Keras has no peepholes
  }
  if (call.mask >= 0) inputs.push_back(call.mask);
  while (inputs.back() == graph::kNoValue) inputs.pop_back();
  const int outputs = first.kind == CellKind::lstm ? 3 : 2;
  const std::vector<int> ids = ctx.add_multi(op, step, inputs, outputs, a, "nnload");
  RecurrentOutputs out;
  out.y = ids[0];
  out.y_h = ids[1];
  if (outputs == 3) out.y_c = ids[2];
  // The graph IR has no omitted outputs, so Y is computed even when nobody reads it.
  if (!call.want_y) out.y = -1;
  return out;
}

int direction_of_y(LayerContext& ctx, const std::string& step, int y, std::int64_t d,
                   bool time_major) {
  const std::int64_t axis = time_major ? 1 : 2;
  return ctx.add("Gather", step,
                 {y, ctx.constant(step + "_index", Tensor::scalar<std::int64_t>(d))},
                 axis_attr(axis));
}

int direction_of_state(LayerContext& ctx, const std::string& step, int state, std::int64_t d,
                       bool time_major) {
  const std::int64_t axis = time_major ? 0 : 1;
  return ctx.add("Gather", step,
                 {state, ctx.constant(step + "_index", Tensor::scalar<std::int64_t>(d))},
                 axis_attr(axis));
}

int merge_batch_time(LayerContext& ctx, const std::string& step, int x) {
  graph::Attributes from2;
  from2.set("start", std::int64_t{2});
  const int rest = ctx.add("Shape", step + "_rest", {x}, from2);
  const int shape = ctx.add("Concat", step + "_shape",
                            {ctx.int64s(step + "_batch_time", {-1}), rest}, axis_attr(0));
  return ctx.add("Reshape", step, {x, shape});
}

int split_batch_time(LayerContext& ctx, const std::string& step, int y, int x) {
  graph::Attributes first2, from1;
  first2.set("start", std::int64_t{0});
  first2.set("end", std::int64_t{2});
  from1.set("start", std::int64_t{1});
  const int batch_time = ctx.add("Shape", step + "_batch_time", {x}, first2);
  const int rest = ctx.add("Shape", step + "_rest", {y}, from1);
  const int shape = ctx.add("Concat", step + "_shape", {batch_time, rest}, axis_attr(0));
  return ctx.add("Reshape", step, {y, shape});
}

int flip(LayerContext& ctx, const std::string& step, int x, std::int64_t axis) {
  return ctx.add("Slice", step,
                 {x, ctx.int64s(step + "_starts", {-1}), ctx.int64s(step + "_ends", {LLONG_MIN}),
                  ctx.int64s(step + "_axes", {axis}), ctx.int64s(step + "_steps", {-1})});
}

std::vector<int> keras_outputs(LayerContext& ctx, const Cell& cell, const SequenceOptions& opt,
                               const CallInputs& in) {
  RecurrentCall call;
  call.cells = {&cell};
  call.reverse = opt.go_backwards;
  call.time_major = opt.time_major;
  call.x = in.x;
  call.mask = in.mask;
  call.zero_output_for_mask = opt.zero_output_for_mask;
  if (!in.states.empty()) {
    call.initial_h = {in.states[0]};
    if (cell.kind == CellKind::lstm) call.initial_c = {in.states[1]};
  }
  // Keras' last output is the last step's output, zeros where that step is masked and
  // zero_output_for_mask is set; otherwise it is the final h.
  const bool last_from_y = !opt.return_sequences && opt.zero_output_for_mask && in.mask >= 0;
  call.want_y = opt.return_sequences || last_from_y;
  const RecurrentOutputs out = add_recurrent(ctx, "rnn", call);
  const std::int64_t time_axis = opt.time_major ? 0 : 1;
  std::vector<int> result;
  if (opt.return_sequences) {
    int y = direction_of_y(ctx, "sequence", out.y, 0, opt.time_major);
    // Keras returns the outputs in the order it computed them: reversed for go_backwards.
    if (opt.go_backwards) y = flip(ctx, "processing_order", y, time_axis);
    result.push_back(y);
  } else if (last_from_y) {
    const int y = direction_of_y(ctx, "sequence", out.y, 0, opt.time_major);
    const int last =
        ctx.constant("last_index", Tensor::scalar<std::int64_t>(opt.go_backwards ? 0 : -1));
    result.push_back(ctx.add("Gather", "last_output", {y, last}, axis_attr(time_axis)));
  } else {
    result.push_back(direction_of_state(ctx, "last_output", out.y_h, 0, opt.time_major));
  }
  if (opt.return_state) {
    if (result.size() == 1 && !opt.return_sequences && !last_from_y) {
      result.push_back(result[0]);  // h is the last output
    } else {
      result.push_back(direction_of_state(ctx, "state_h", out.y_h, 0, opt.time_major));
    }
    if (cell.kind == CellKind::lstm)
      result.push_back(direction_of_state(ctx, "state_c", out.y_c, 0, opt.time_major));
  }
  return result;
}

}  // namespace nnload::formats::keras::rnn
