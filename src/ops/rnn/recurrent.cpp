// Attribute parsing and the shape rule shared by ONNX RNN, GRU and LSTM (all opsets).
#include "ops/rnn/recurrent.hpp"

#include <algorithm>

#include "core/fail.hpp"

namespace nnload::ops::rnn {

const RecurrentSpec kRnnSpec{"RNN", 1, 1, {"Tanh", "", ""}, 6, 2};
const RecurrentSpec kGruSpec{"GRU", 3, 2, {"Sigmoid", "Tanh", ""}, 6, 2};
const RecurrentSpec kLstmSpec{"LSTM", 4, 3, {"Sigmoid", "Tanh", "Tanh"}, 8, 3};

namespace {

Direction parse_direction(const std::string& name) {
  if (name == "forward") return Direction::forward;
  if (name == "reverse") return Direction::reverse;
  if (name == "bidirectional") return Direction::bidirectional;
  fail(ErrorCode::invalid_argument,
       "direction is '{}', expected 'forward', 'reverse' or 'bidirectional'", name);
}

// Alpha and beta values are consumed in the order of the activations, each by the functions
// that take one (ONNX Runtime's reading of "consumed in the order of activation functions");
// functions left without a value get their ONNX operator's default.
std::vector<linalg::RecurrentActivation> parse_activations(const graph::Attributes& a,
                                                           const RecurrentSpec& spec,
                                                           std::int64_t directions) {
  const auto per_direction = static_cast<std::size_t>(spec.activations_per_direction);
  const auto expected = per_direction * static_cast<std::size_t>(directions);
  std::vector<std::string> names;
  if (a.has("activations")) {
    names = a.get_strings("activations");
    // RNN's schema lists two defaults ("Tanh", "Tanh"); writers copy them onto one-direction
    // nodes, and ONNX Runtime reads the first.
    if (per_direction == 1 && directions == 1 && names.size() == 2) names.resize(1);
    if (names.size() != expected) {
      fail(ErrorCode::invalid_argument,
           "activations has {} entries, expected {} ({} per direction, {} direction{})",
           names.size(), expected, per_direction, directions, directions == 1 ? "" : "s");
    }
  } else {
    for (std::int64_t d = 0; d < directions; ++d) {
      for (std::size_t i = 0; i < per_direction; ++i)
        names.emplace_back(spec.default_activations[i]);
    }
  }
  const std::vector<double> alphas = a.floats_or("activation_alpha", {});
  const std::vector<double> betas = a.floats_or("activation_beta", {});
  std::size_t next_alpha = 0, next_beta = 0;
  std::vector<linalg::RecurrentActivation> out;
  for (const std::string& name : names) {
    const auto kind = linalg::recurrent_activation_from_name(name);
    if (!kind) {
      fail(ErrorCode::invalid_argument,
           "activation '{}' is not one of Relu, Tanh, Sigmoid, Affine, LeakyRelu, "
           "ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus",
           name);
    }
    linalg::RecurrentActivation f{*kind, linalg::default_alpha(*kind), linalg::default_beta(*kind)};
    if (linalg::uses_alpha(*kind) && next_alpha < alphas.size()) {
      f.alpha = alphas[next_alpha++];
    }
    if (linalg::uses_beta(*kind) && next_beta < betas.size()) {
      f.beta = betas[next_beta++];
    }
    out.push_back(f);
  }
  return out;
}

void check_dims(std::string_view name, const Shape& actual, const Shape& expected,
                std::string_view meaning) {
  if (actual != expected) {
    fail(ErrorCode::shape, "{} has shape {}, expected {} {}", name, shape_to_list(actual),
         shape_to_list(expected), meaning);
  }
}

}  // namespace

RecurrentAttrs parse_recurrent(const graph::Node& node, const RecurrentSpec& spec,
                               OpsetFeatures features) {
  const graph::Attributes& a = node.attrs;
  RecurrentAttrs attrs;
  attrs.direction = parse_direction(a.string_or("direction", "forward"));
  if (a.has("hidden_size")) {
    attrs.hidden_size = a.get_int("hidden_size");
    if (attrs.hidden_size <= 0) {
      fail(ErrorCode::invalid_argument, "hidden_size is {}, expected > 0", attrs.hidden_size);
    }
  }
  attrs.activations = parse_activations(a, spec, attrs.directions());
  if (a.has("clip")) {
    const double clip = a.get_float("clip");
    if (!(clip > 0)) fail(ErrorCode::invalid_argument, "clip is {}, expected > 0", clip);
    attrs.clip = clip;
  }
  if (features.layout) {
    const std::int64_t layout = a.int_or("layout", 0);
    if (layout != 0 && layout != 1) {
      fail(ErrorCode::invalid_argument, "layout is {}, expected 0 or 1", layout);
    }
    attrs.batch_first = layout == 1;
  }
  if (spec.gates == 4) attrs.input_forget = a.int_or("input_forget", 0) != 0;
  if (features.linear_before_reset) {
    attrs.linear_before_reset = a.int_or("linear_before_reset", 0) != 0;
  }
  if (features.keras_mask) {
    attrs.mask_input = spec.max_inputs;
    attrs.zero_output_for_mask = a.int_or("zero_output_for_mask", 0) != 0;
  }
  attrs.num_outputs = static_cast<int>(node.outputs.size());
  if (attrs.num_outputs > spec.max_outputs) {
    fail(ErrorCode::invalid_argument, "the node has {} outputs, {} has at most {}",
         attrs.num_outputs, spec.op, spec.max_outputs);
  }
  for (int i = 0; i < attrs.num_outputs; ++i) {
    attrs.want[static_cast<std::size_t>(i)] =
        node.outputs[static_cast<std::size_t>(i)] != graph::kNoValue;
  }
  return attrs;
}

Geometry check_inputs(const RecurrentSpec& spec, const RecurrentAttrs& attrs,
                      std::span<const InputInfo> inputs) {
  const int max_inputs = spec.max_inputs + (attrs.mask_input >= 0 ? 1 : 0);
  if (inputs.size() < 3 || static_cast<int>(inputs.size()) > max_inputs) {
    fail(ErrorCode::invalid_argument, "{} takes 3 to {} inputs, got {}", spec.op, max_inputs,
         inputs.size());
  }
  for (int i : {kX, kW, kR}) {
    if (!has_input(inputs, i)) {
      fail(ErrorCode::invalid_argument, "input {} ({}) is required", i,
           i == kX   ? "X"
           : i == kW ? "W"
                     : "R");
    }
  }
  Geometry g;
  g.dtype = inputs[kX].dtype;
  if (g.dtype == DType::f16 || g.dtype == DType::bf16) {
    fail(ErrorCode::unsupported, "X has dtype {}; convert to float32 first", dtype_name(g.dtype));
  }
  if (g.dtype != DType::f32 && g.dtype != DType::f64) {
    fail(ErrorCode::unsupported, "X has dtype {}, supported: float32, float64",
         dtype_name(g.dtype));
  }
  for (int i = 1; i < static_cast<int>(inputs.size()); ++i) {
    if (i == kSequenceLens || i == attrs.mask_input || !has_input(inputs, i)) continue;
    if (inputs[static_cast<std::size_t>(i)].dtype != g.dtype) {
      fail(ErrorCode::shape, "input {} has dtype {}, X has {}", i,
           dtype_name(inputs[static_cast<std::size_t>(i)].dtype), dtype_name(g.dtype));
    }
  }
  const Shape& x = inputs[kX].shape;
  if (x.size() != 3) {
    fail(ErrorCode::shape, "X has shape {}, expected rank 3 [{}]", shape_to_list(x),
         attrs.batch_first ? "batch_size, seq_length, input_size"
                           : "seq_length, batch_size, input_size");
  }
  g.batch_first = attrs.batch_first;
  g.seq = attrs.batch_first ? x[1] : x[0];
  g.batch = attrs.batch_first ? x[0] : x[1];
  g.input = x[2];
  g.directions = attrs.directions();
  const Shape& r = inputs[kR].shape;
  if (r.size() != 3) {
    fail(ErrorCode::shape,
         "R has shape {}, expected rank 3 [num_directions, {}*hidden_size, "
         "hidden_size]",
         shape_to_list(r), spec.gates);
  }
  if (attrs.hidden_size > 0 && r[2] != attrs.hidden_size) {
    fail(ErrorCode::shape, "R has shape {}: its last dim is hidden_size, the node says {}",
         shape_to_list(r), attrs.hidden_size);
  }
  g.hidden = r[2];
  // Bounds the products below (gates * hidden) whatever the shapes claim.
  if (g.hidden > (std::int64_t{1} << 40) || g.input > (std::int64_t{1} << 40)) {
    fail(ErrorCode::shape, "hidden_size {} or input_size {} is too large", g.hidden, g.input);
  }
  const std::int64_t d = g.directions, h = g.hidden, gates = spec.gates;
  const std::string rows = fmt::format("{}*hidden_size = {}", gates, gates * h);
  check_dims("W", inputs[kW].shape, {d, gates * h, g.input},
             fmt::format("[num_directions, {}, input_size] (hidden_size {})", rows, h));
  check_dims("R", r, {d, gates * h, h},
             fmt::format("[num_directions, {}, hidden_size] (hidden_size {})", rows, h));
  if (has_input(inputs, kB)) {
    check_dims("B", inputs[kB].shape, {d, 2 * gates * h},
               fmt::format("[num_directions, 2*{}] (hidden_size {})", rows, h));
  }
  if (has_input(inputs, kSequenceLens)) {
    const InputInfo& lens = inputs[kSequenceLens];
    if (lens.dtype != DType::i32 && lens.dtype != DType::i64) {
      fail(ErrorCode::shape, "sequence_lens has dtype {}, expected int32", dtype_name(lens.dtype));
    }
    check_dims("sequence_lens", lens.shape, {g.batch}, "[batch_size]");
    if (lens.has_value()) (void)sequence_lengths(lens.value, g.batch, g.seq);
  }
  const Shape state = attrs.batch_first ? Shape{g.batch, d, h} : Shape{d, g.batch, h};
  const std::string_view state_meaning = attrs.batch_first
                                             ? "[batch_size, num_directions, hidden_size]"
                                             : "[num_directions, batch_size, hidden_size]";
  if (has_input(inputs, kInitialH))
    check_dims("initial_h", inputs[kInitialH].shape, state, state_meaning);
  const bool lstm = spec.max_inputs > kP;  // initial_c and P are LSTM's only
  if (lstm && has_input(inputs, kInitialC))
    check_dims("initial_c", inputs[kInitialC].shape, state, state_meaning);
  if (lstm && has_input(inputs, kP)) {
    check_dims("P", inputs[kP].shape, {d, 3 * h},
               fmt::format("[num_directions, 3*hidden_size = {}]", 3 * h));
  }
  if (attrs.mask_input >= 0 && has_input(inputs, attrs.mask_input)) {
    const InputInfo& mask = inputs[static_cast<std::size_t>(attrs.mask_input)];
    if (mask.dtype != DType::boolean) {
      fail(ErrorCode::shape, "mask has dtype {}, expected bool", dtype_name(mask.dtype));
    }
    check_dims("mask", mask.shape, {g.batch, g.seq}, "[batch_size, seq_length]");
  }
  return g;
}

std::vector<std::int64_t> sequence_lengths(const Tensor* lens, std::int64_t batch,
                                           std::int64_t seq) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(batch), seq);
  if (lens == nullptr) return out;
  for (std::int64_t b = 0; b < batch; ++b) {
    const std::int64_t len =
        lens->dtype() == DType::i32 ? lens->data<std::int32_t>()[b] : lens->data<std::int64_t>()[b];
    if (len < 1 || len > seq) {
      fail(ErrorCode::invalid_argument, "sequence_lens[{}] is {}, expected 1..{} (seq_length)", b,
           len, seq);
    }
    out[static_cast<std::size_t>(b)] = len;
  }
  return out;
}

namespace {

class RecurrentOp final : public Op {
 public:
  RecurrentOp(const RecurrentSpec& spec, RecurrentAttrs attrs, KernelMaker make)
      : spec_(spec), attrs_(std::move(attrs)), make_(make) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    const Geometry g = check_inputs(spec_, attrs_, inputs);
    const Shape y = g.batch_first ? Shape{g.batch, g.seq, g.directions, g.hidden}
                                  : Shape{g.seq, g.directions, g.batch, g.hidden};
    const Shape state = g.batch_first ? Shape{g.batch, g.directions, g.hidden}
                                      : Shape{g.directions, g.batch, g.hidden};
    std::vector<TensorType> types;
    for (int i = 0; i < attrs_.num_outputs; ++i) types.push_back({g.dtype, i == 0 ? y : state});
    return types;
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    return make_(attrs_, check_inputs(spec_, attrs_, inputs), inputs);
  }

 private:
  const RecurrentSpec& spec_;
  RecurrentAttrs attrs_;
  KernelMaker make_;
};

}  // namespace

std::unique_ptr<Op> make_recurrent_op(const RecurrentSpec& spec, RecurrentAttrs attrs,
                                      KernelMaker make_kernel) {
  return std::make_unique<RecurrentOp>(spec, std::move(attrs), make_kernel);
}

}  // namespace nnload::ops::rnn
