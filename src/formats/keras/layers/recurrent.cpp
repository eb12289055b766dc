// Keras recurrent layers: SimpleRNN, LSTM, GRU (Keras 1, 2 and 3 configs and weights), Keras 2's
// CuDNNLSTM/CuDNNGRU, the generic RNN layer over SimpleRNNCell/LSTMCell/GRUCell (stacked
// cells too), Masking and Keras 3's NotEqual and Any op layers (how its functional graphs record
// the masks of Embedding(mask_zero=True) and Masking). Bidirectional and TimeDistributed are in
// recurrent_wrappers.cpp, ConvLSTM1D/2D/3D in recurrent_conv.cpp.
//
// Inference semantics: dropout and recurrent_dropout are training-only; unroll changes nothing;
// stateful=True layers run from zero initial states at every call (the state a stateful Keras
// layer carries from one batch to the next is not kept between predictions).
#include "core/fail.hpp"
#include "formats/keras/layers/layers.hpp"
#include "formats/keras/layers/recurrent_cells.hpp"

namespace nnload::formats::keras {

namespace {

using rnn::CellKind;

std::vector<int> recurrent_layer(LayerContext& ctx) {
  const std::string& cls = ctx.layer().class_name;
  const CellKind kind = *rnn::cell_kind(cls);
  const bool cudnn = cls.rfind("CuDNN", 0) == 0;
  ctx.expect_weights(rnn::cell_weight_count(ctx, kind, 0),
                     "kernel, recurrent_kernel(, bias) or Keras 1's per-gate arrays");
  const rnn::Cell cell = rnn::read_cell(ctx, kind, 0, cudnn);
  const rnn::SequenceOptions opt = rnn::read_sequence_options(ctx);
  rnn::CallInputs in = rnn::read_call_inputs(ctx, rnn::state_count(kind));
  if (cudnn) in.mask = -1;  // CuDNN layers do not support masking in Keras
  if (in.mask >= 0 && opt.time_major) ctx.unsupported("a mask with time_major=True");
  std::vector<int> outputs = rnn::keras_outputs(ctx, cell, opt, in);
  if (opt.return_sequences && in.mask >= 0) ctx.set_output_mask(0, in.mask);
  return outputs;
}

// A cell config of RNN(cell=...): {"class_name": "LSTMCell", "config": {...}} (Keras 3 adds
// module/registered_name), or StackedRNNCells of several.
std::vector<LayerConfig> cell_configs(LayerContext& ctx) {
  const Json* cell = ctx.find({"cell"});
  if (!cell) ctx.corrupt("config has no cell");
  std::vector<const Json*> list;
  if (cell->is_array()) {
    for (const Json& c : *cell) list.push_back(&c);
  } else if (cell->is_object() && cell->value("class_name", "") == "StackedRNNCells") {
    const auto cfg = cell->find("config");
    if (cfg == cell->end() || !cfg->is_object() || !cfg->contains("cells") ||
        !(*cfg)["cells"].is_array())
      ctx.corrupt("StackedRNNCells has no cells list");
    for (const Json& c : (*cfg)["cells"]) list.push_back(&c);
  } else {
    list.push_back(cell);
  }
  std::vector<LayerConfig> configs;
  for (const Json* c : list) {
    if (!c->is_object() || !c->contains("class_name") || !(*c)["class_name"].is_string())
      ctx.corrupt("a cell entry has no class_name: " + c->dump());
    LayerConfig layer;
    layer.class_name = (*c)["class_name"].get<std::string>();
    layer.config = c->value("config", Json::object());
    layer.name = "cell" + std::to_string(configs.size());
    if (!rnn::cell_kind(layer.class_name) || layer.class_name.rfind("CuDNN", 0) == 0 ||
        layer.class_name.find("Cell") == std::string::npos) {
      ctx.unsupported("RNN cell class '" + layer.class_name +
                      "' is not supported (supported: SimpleRNNCell, GRUCell, LSTMCell)");
    }
    configs.push_back(std::move(layer));
  }
  if (configs.empty()) ctx.corrupt("the cell list is empty");
  return configs;
}

// RNN(cell): the cells run as layers one after the other over the whole sequence (each later
// cell reads the previous one's outputs, as StackedRNNCells does per step); go_backwards reverses
// the sequence (and mask) once, in front.
std::vector<int> generic_rnn(LayerContext& ctx) {
  const std::vector<LayerConfig> configs = cell_configs(ctx);
  const rnn::SequenceOptions opt = rnn::read_sequence_options(ctx);
  if (opt.time_major) ctx.unsupported("time_major=True on an RNN layer");
  std::size_t states = 0;
  for (const LayerConfig& c : configs) states += rnn::state_count(*rnn::cell_kind(c.class_name));
  const rnn::CallInputs in = rnn::read_call_inputs(ctx, states);

  // Each cell gets its own context over its slice of the weights.
  std::vector<std::vector<LayerWeight>> slices;
  std::vector<rnn::Cell> cells;
  std::size_t first = 0;
  for (const LayerConfig& c : configs) {
    const CellKind kind = *rnn::cell_kind(c.class_name);
    LayerContext probe(ctx.graph(), c, ctx.inputs(), ctx.weights(), ctx.version(), "");
    const std::size_t n = rnn::cell_weight_count(probe, kind, first);
    if (first + n > ctx.weight_count()) {
      ctx.corrupt(fmt::format("the cells need more than the {} weights the file holds",
                              ctx.weight_count()));
    }
    slices.emplace_back(ctx.weights().begin() + static_cast<std::ptrdiff_t>(first),
                        ctx.weights().begin() + static_cast<std::ptrdiff_t>(first + n));
    first += n;
  }
  if (first != ctx.weight_count()) {
    ctx.corrupt(
        fmt::format("the cells use {} weights, the file holds {}", first, ctx.weight_count()));
  }
  for (std::size_t i = 0; i < configs.size(); ++i) {
    LayerContext cell_ctx(ctx.graph(), configs[i], ctx.inputs(), slices[i], ctx.version(),
                          ctx.node_name(""));
    cells.push_back(rnn::read_cell(cell_ctx, *rnn::cell_kind(configs[i].class_name), 0));
  }

  std::vector<int> outputs;
  if (cells.size() == 1) {
    outputs = rnn::keras_outputs(ctx, cells[0], opt, in);
  } else {
    int x = in.x;
    int mask = in.mask;
    if (opt.go_backwards) {
      x = rnn::flip(ctx, "reversed_input", x, 1);
      if (mask >= 0) mask = rnn::flip(ctx, "reversed_mask", mask, 1);
    }
    std::vector<int> state_outputs;
    std::size_t next_state = 0;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const bool last = i + 1 == cells.size();
      rnn::RecurrentCall call;
      call.cells = {&cells[i]};
      call.x = x;
      call.mask = mask;
      call.zero_output_for_mask = last && opt.zero_output_for_mask;
      const bool last_from_y = !opt.return_sequences && call.zero_output_for_mask && mask >= 0;
      call.want_y = !last || opt.return_sequences || last_from_y;
      if (!in.states.empty()) {
        call.initial_h = {in.states[next_state]};
        if (cells[i].kind == CellKind::lstm) call.initial_c = {in.states[next_state + 1]};
      }
      next_state += rnn::state_count(cells[i].kind);
      const std::string step = "cell" + std::to_string(i);
      const rnn::RecurrentOutputs out = rnn::add_recurrent(ctx, step, call);
      if (call.want_y) x = rnn::direction_of_y(ctx, step + "_sequence", out.y, 0, false);
      if (last) {
        if (opt.return_sequences) {
          outputs.push_back(x);
        } else if (last_from_y) {
          outputs.push_back(
              ctx.add("Gather", "last_output",
                      {x, ctx.constant("last_index", Tensor::scalar<std::int64_t>(-1))}, [] {
                        graph::Attributes a;
                        a.set("axis", std::int64_t{1});
                        return a;
                      }()));
        } else {
          outputs.push_back(rnn::direction_of_state(ctx, step + "_last_output", out.y_h, 0, false));
        }
      }
      state_outputs.push_back(rnn::direction_of_state(ctx, step + "_state_h", out.y_h, 0, false));
      if (cells[i].kind == CellKind::lstm)
        state_outputs.push_back(rnn::direction_of_state(ctx, step + "_state_c", out.y_c, 0, false));
    }
    if (opt.return_state) outputs.insert(outputs.end(), state_outputs.begin(), state_outputs.end());
  }
  if (opt.return_sequences && in.mask >= 0) ctx.set_output_mask(0, in.mask);
  return outputs;
}

// Keras' Masking: steps whose features all equal mask_value are masked and zeroed.
std::vector<int> masking(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const int x = ctx.input();
  const float value = static_cast<float>(ctx.get_float({"mask_value"}, 0.0));
  const int like = ctx.add("CastLike", "mask_value", {ctx.scalar("mask_value_f32", value), x});
  const int same = ctx.add("Equal", "equal", {x, like});
  const int differs = ctx.add("Not", "not_equal", {same});
  graph::Attributes to_float;
  to_float.set("to", std::int64_t{1});
  graph::Attributes keep;
  keep.set("keepdims", std::int64_t{1});
  const int any = ctx.add(
      "ReduceMax", "any",
      {ctx.add("Cast", "not_equal_float", {differs}, to_float), ctx.int64s("feature_axis", {-1})},
      keep);  // [batch, time, 1]: 1 where a feature differs
  const int y = ctx.add("Mul", "zero_masked", {x, ctx.add("CastLike", "keep", {any, x})});
  graph::Attributes to_bool;
  to_bool.set("to", std::int64_t{9});
  const int squeezed = ctx.add("Squeeze", "any_squeezed", {any, ctx.int64s("squeeze_axis", {-1})});
  ctx.set_output_mask(0, ctx.add("Cast", "mask", {squeezed}, to_bool));
  return {y};
}

// Keras 3's op layer for `x1 != x2` (keras.src.ops.numpy.NotEqual), its operands tensors or
// constants written in the call's arguments.
std::vector<int> not_equal(LayerContext& ctx) {
  std::vector<int> operands;
  const auto& calls = ctx.layer().calls;
  const Json& args = calls.empty() ? Json::array() : calls[0].args;
  for (const auto& call : calls) {
    if (call.args != args && !call.args.empty()) {
      // Constants differ between calls: only the tensor operands can be told apart.
      ctx.unsupported("is called several times with different constant operands");
    }
  }
  std::size_t next_input = 0;
  std::vector<std::pair<std::size_t, double>> constants;
  if (args.is_array() && args.size() == 2) {
    for (std::size_t i = 0; i < 2; ++i) {
      const Json& a = args[i];
      if (a.is_number() || a.is_boolean()) {
        constants.emplace_back(i, a.is_boolean() ? (a.get<bool>() ? 1.0 : 0.0) : a.get<double>());
        operands.push_back(-1);
      } else {
        operands.push_back(ctx.input(next_input++));
      }
    }
  } else {
    ctx.expect_inputs(2, 2);
    operands = {ctx.input(0), ctx.input(1)};
  }
  if (operands[0] < 0 && operands[1] < 0) ctx.unsupported("compares two constants");
  for (const auto& [i, value] : constants) {
    const int other = operands[1 - i];
    operands[i] = ctx.add(
        "CastLike", "operand" + std::to_string(i),
        {ctx.constant("constant" + std::to_string(i), Tensor::scalar<double>(value)), other});
  }
  return {ctx.add("Not", "NotEqual", {ctx.add("Equal", "Equal", operands)})};
}

// Keras 3's op layer for `ops.any(x, axis, keepdims)` (keras.src.ops.numpy.Any), as its
// functional graphs record Masking's mask: any(x != mask_value, axis=-1).
std::vector<int> any(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  graph::Attributes to_float;
  to_float.set("to", std::int64_t{1});
  const int x = ctx.add("Cast", "as_float", {ctx.input()}, to_float);
  graph::Attributes reduce;
  reduce.set("keepdims", static_cast<std::int64_t>(ctx.get_bool({"keepdims"}, false)));
  std::vector<int> inputs = {x};
  const Json* axis = ctx.find({"axis"});
  if (axis && !axis->is_null()) {
    std::vector<std::int64_t> axes;
    if (axis->is_number_integer()) {
      axes.push_back(axis->get<std::int64_t>());
    } else if (axis->is_array()) {
      for (const Json& a : *axis) {
        if (!a.is_number_integer()) ctx.corrupt("axis holds a non-integer: " + axis->dump());
        axes.push_back(a.get<std::int64_t>());
      }
    } else {
      ctx.corrupt("axis is neither an integer nor a list: " + axis->dump());
    }
    inputs.push_back(ctx.int64s("axes", axes));
  }  // no axis: ONNX reduces over every axis, as ops.any(x) does
  graph::Attributes to_bool;
  to_bool.set("to", std::int64_t{9});
  return {ctx.add("Cast", "Any", {ctx.add("ReduceMax", "max", inputs, reduce)}, to_bool)};
}

}  // namespace

LayerRows recurrent_layers() {
  LayerRows rows = {
      {"SimpleRNN", recurrent_layer}, {"LSTM", recurrent_layer},     {"GRU", recurrent_layer},
      {"CuDNNLSTM", recurrent_layer}, {"CuDNNGRU", recurrent_layer}, {"RNN", generic_rnn},
      {"Masking", masking},           {"NotEqual", not_equal},       {"Any", any},
  };
  for (LayerRows more : {rnn::wrapper_layers(), rnn::conv_recurrent_layers()})
    rows.insert(rows.end(), more.begin(), more.end());
  return rows;
}

}  // namespace nnload::formats::keras
