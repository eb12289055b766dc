// torch.nn LSTM, GRU and RNN as ONNX LSTM/GRU/RNN ops, one per layer. PyTorch stacks gates as
// i f g o (LSTM) and r z n (GRU); ONNX as i o f c and z r h, so weight blocks are reordered by
// Split/Concat nodes on the constants (folded at load). torch's GRU applies the reset gate after
// the recurrent product: ONNX's linear_before_reset=1.
#include "formats/torch/modules/modules.hpp"

namespace nnload::formats::torch {

namespace {

struct RnnKind {
  const char* onnx_op;
  std::int64_t gates;
  std::vector<std::int64_t> onnx_order;  // which torch block goes to each ONNX position
  int state_outputs;                     // 2 for LSTM (h, c), 1 otherwise
};

graph::Attributes int_attr(const char* name, std::int64_t v) {
  graph::Attributes a;
  a.set(name, v);
  return a;
}

// Reorders a [gates * H, ...] weight or [gates * H] bias into ONNX's gate order and adds the
// leading direction axis.
int reorder(ModuleContext& ctx, int tensor, const RnnKind& kind, const std::string& step) {
  graph::Attributes split = int_attr("axis", 0);
  split.set("num_outputs", kind.gates);
  std::vector<int> blocks =
      ctx.add_multi("Split", step + "_split", {tensor}, static_cast<int>(kind.gates), split);
  std::vector<int> ordered;
  for (std::int64_t b : kind.onnx_order) ordered.push_back(blocks[static_cast<std::size_t>(b)]);
  const int joined = ordered.size() == 1
                         ? ordered[0]
                         : ctx.add("Concat", step + "_concat", ordered, int_attr("axis", 0));
  return ctx.add("Unsqueeze", step, {joined, ctx.int64s(step + "_axes", {0})});
}

std::vector<int> recurrent(ModuleContext& ctx, const RnnKind& kind) {
  if (ctx.get_int("proj_size", 0) != 0) ctx.unsupported("proj_size is not supported");
  const std::int64_t layers = ctx.get_int("num_layers", 1);
  const std::int64_t hidden = ctx.get_int("hidden_size");
  const bool batch_first = ctx.get_bool("batch_first", false);
  const bool bidirectional = ctx.get_bool("bidirectional", false);
  const bool has_bias = ctx.get_bool("bias", true);
  const std::vector<std::string> suffixes =
      bidirectional ? std::vector<std::string>{"", "_reverse"} : std::vector<std::string>{""};
  int x = ctx.input();
  std::vector<std::vector<int>> states(static_cast<std::size_t>(kind.state_outputs));
  for (std::int64_t layer = 0; layer < layers; ++layer) {
    std::vector<int> w, r, b;
    for (const std::string& sfx : suffixes) {
      const std::string l = "l" + std::to_string(layer) + sfx;
      w.push_back(reorder(ctx, ctx.required_parameter(("weight_ih_" + l).c_str()), kind, "W_" + l));
      r.push_back(reorder(ctx, ctx.required_parameter(("weight_hh_" + l).c_str()), kind, "R_" + l));
      if (has_bias) {
        const int ih =
            reorder(ctx, ctx.required_parameter(("bias_ih_" + l).c_str()), kind, "Bih_" + l);
        const int hh =
            reorder(ctx, ctx.required_parameter(("bias_hh_" + l).c_str()), kind, "Bhh_" + l);
        b.push_back(ctx.add("Concat", "B_" + l, {ih, hh}, int_attr("axis", 1)));
      }
    }
    const std::string tag = "layer" + std::to_string(layer);
    auto stack = [&](const std::vector<int>& parts, const std::string& step) {
      return parts.size() == 1 ? parts[0] : ctx.add("Concat", step, parts, int_attr("axis", 0));
    };
    graph::Attributes a;
    a.set("hidden_size", hidden);
    a.set("layout", static_cast<std::int64_t>(batch_first));
    a.set("direction", std::string(bidirectional ? "bidirectional" : "forward"));
    if (std::string_view(kind.onnx_op) == "GRU") a.set("linear_before_reset", std::int64_t{1});
    if (std::string_view(kind.onnx_op) == "RNN") {
      const std::string nonlinearity = ctx.get_string("nonlinearity", "tanh");
      const std::string act = nonlinearity == "relu" ? "Relu" : "Tanh";
      a.set("activations", std::vector<std::string>(suffixes.size(), act));
    }
    std::vector<int> inputs = {x, stack(w, "W_" + tag), stack(r, "R_" + tag),
                               has_bias ? stack(b, "B_" + tag) : graph::kNoValue};
    const std::vector<int> outs =
        ctx.add_multi(kind.onnx_op, tag, inputs, 1 + kind.state_outputs, a);
    // Y: [seq, dirs, batch, H] (layout 0) or [batch, seq, dirs, H] (layout 1) -> torch's
    // [seq, batch, dirs * H] / [batch, seq, dirs * H].
    int y = outs[0];
    if (!batch_first) {
      graph::Attributes perm;
      perm.set("perm", std::vector<std::int64_t>{0, 2, 1, 3});
      y = ctx.add("Transpose", tag + "_y_order", {y}, perm);
    }
    x = ctx.add("Reshape", tag + "_y", {y, ctx.int64s(tag + "_y_shape", {0, 0, -1})});
    for (int s = 0; s < kind.state_outputs; ++s) {
      int state = outs[static_cast<std::size_t>(1 + s)];
      if (batch_first) {  // layout 1 gives [batch, dirs, H]; torch's h_n is [dirs, batch, H]
        graph::Attributes perm;
        perm.set("perm", std::vector<std::int64_t>{1, 0, 2});
        state = ctx.add("Transpose", tag + "_state" + std::to_string(s), {state}, perm);
      }
      states[static_cast<std::size_t>(s)].push_back(state);
    }
  }
  std::vector<int> result = {x};
  for (const std::vector<int>& per_layer : states) {
    result.push_back(per_layer.size() == 1
                         ? per_layer[0]
                         : ctx.add("Concat", "state", per_layer, int_attr("axis", 0)));
  }
  return result;
}

}  // namespace

ModuleRows rnn_modules() {
  return {
      {"torch.nn.modules.rnn.LSTM",
       [](ModuleContext& c) {
         return recurrent(c, {"LSTM", 4, {0, 3, 1, 2}, 2});
       }},
      {"torch.nn.modules.rnn.GRU",
       [](ModuleContext& c) {
         return recurrent(c, {"GRU", 3, {1, 0, 2}, 1});
       }},
      {"torch.nn.modules.rnn.RNN",
       [](ModuleContext& c) {
         return recurrent(c, {"RNN", 1, {0}, 1});
       }},
  };
}

}  // namespace nnload::formats::torch
