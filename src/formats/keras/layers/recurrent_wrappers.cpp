// Keras wrappers: Bidirectional (merge modes concat, sum, mul, ave and None; backward_layer;
// initial states; return_state; masks) and TimeDistributed (any single-output layer applied to
// every step).
//
// Bidirectional, as Keras computes it: the forward layer, the backward one (go_backwards, its
// sequence flipped back when it returns sequences), merged; states forward first. Since Keras
// 2.2 (and in Keras 3) both layers return zeros at masked steps when they return sequences
// (Bidirectional forces zero_output_for_mask = return_sequences). When both directions are
// plain cells of one kind and size, one bidirectional node runs them; otherwise each direction
// is built by its own layer's builder.
#include "core/fail.hpp"
#include "formats/keras/layers/layers.hpp"
#include "formats/keras/layers/recurrent_cells.hpp"

namespace nnload::formats::keras::rnn {

namespace {

graph::Attributes axis_attr(std::int64_t axis) {
  graph::Attributes a;
  a.set("axis", axis);
  return a;
}

// A wrapped layer's config entry ({"class_name", "config"}, Keras 3 adding module...) as a
// LayerConfig named `name` (node names only).
LayerConfig inner_config(LayerContext& ctx, const Json& j, const std::string& name) {
  if (!j.is_object() || !j.contains("class_name") || !j["class_name"].is_string())
    ctx.corrupt("the wrapped layer has no class_name: " + j.dump());
  LayerConfig layer;
  layer.class_name = j["class_name"].get<std::string>();
  layer.config = j.value("config", Json::object());
  if (!layer.config.is_object()) ctx.corrupt("the wrapped layer's config is not an object");
  layer.name = name;
  if (is_model_class(layer.class_name))
    ctx.unsupported("a model wrapped in " + ctx.layer().class_name + " is not supported");
  return layer;
}

bool config_bool(const LayerConfig& layer, const char* key, bool fallback) {
  const Json& c = layer.config;
  return c.contains(key) && c[key].is_boolean() ? c[key].get<bool>() : fallback;
}

// Keras' merge of the two directions' outputs.
std::vector<int> merge(LayerContext& ctx, const std::string& mode, int y, int y_rev) {
  if (mode == "concat") return {ctx.add("Concat", "concat", {y, y_rev}, axis_attr(-1))};
  if (mode == "sum") return {ctx.add("Add", "sum", {y, y_rev})};
  if (mode == "mul") return {ctx.add("Mul", "mul", {y, y_rev})};
  if (mode == "ave")
    return {
        ctx.add("Div", "ave", {ctx.add("Add", "ave_sum", {y, y_rev}), ctx.scalar("two", 2.0f)})};
  if (mode == "none") return {y, y_rev};
  ctx.unsupported("merge_mode '" + mode + "' is not one of concat, sum, mul, ave, None");
}

// Both directions in one bidirectional node.
bool fusable(const LayerConfig& fwd, const LayerConfig& bwd) {
  const auto kf = cell_kind(fwd.class_name), kb = cell_kind(bwd.class_name);
  const bool plain = fwd.class_name.find("Cell") == std::string::npos &&
                     bwd.class_name.find("Cell") == std::string::npos;
  return plain && kf && kb && *kf == *kb && fwd.class_name == bwd.class_name &&
         !config_bool(fwd, "go_backwards", false) && config_bool(bwd, "go_backwards", false) &&
         !config_bool(fwd, "time_major", false) && !config_bool(bwd, "time_major", false);
}

std::vector<int> bidirectional(LayerContext& ctx) {
  const Json* layer = ctx.find({"layer"});
  if (!layer) ctx.corrupt("config has no layer");
  LayerConfig fwd = inner_config(ctx, *layer, "forward");
  LayerConfig bwd;
  if (const Json* backward = ctx.find({"backward_layer"})) {
    bwd = inner_config(ctx, *backward, "backward");
  } else {
    bwd = fwd;
    bwd.name = "backward";
    bwd.config["go_backwards"] = !config_bool(fwd, "go_backwards", false);
  }
  std::string mode = "concat";
  if (ctx.config().contains("merge_mode")) {
    const Json& m = ctx.config()["merge_mode"];
    if (!m.is_null() && !m.is_string()) ctx.corrupt("merge_mode is not a string: " + m.dump());
    mode = m.is_null() ? "none" : m.get<std::string>();  // None: the two outputs, unmerged
  }
  const bool return_sequences = config_bool(fwd, "return_sequences", false);
  const bool return_state = config_bool(fwd, "return_state", false);
  const bool zero_masked =
      ctx.version().major >= 3 || (ctx.version().major == 2 && ctx.version().minor >= 2);
  for (LayerConfig* l : {&fwd, &bwd}) {
    if (zero_masked) l->config["zero_output_for_mask"] = return_sequences;
  }

  // The weights: the forward layer's, then the backward one's.
  const auto fwd_kind = cell_kind(fwd.class_name);
  std::size_t fwd_count = ctx.weight_count() / 2;
  if (fwd_kind && fwd.class_name.find("Cell") == std::string::npos) {
    const LayerContext probe(ctx.graph(), fwd, {}, ctx.weights(), ctx.version(), "");
    fwd_count = cell_weight_count(probe, *fwd_kind, 0);
  }
  if (fwd_count > ctx.weight_count()) {
    ctx.corrupt(fmt::format("the forward layer needs {} weights, the file holds {}", fwd_count,
                            ctx.weight_count()));
  }
  const std::vector<LayerWeight> fwd_weights(
      ctx.weights().begin(), ctx.weights().begin() + static_cast<std::ptrdiff_t>(fwd_count));
  const std::vector<LayerWeight> bwd_weights(
      ctx.weights().begin() + static_cast<std::ptrdiff_t>(fwd_count), ctx.weights().end());

  std::vector<int> y, y_rev;  // each direction's Keras outputs: output, then states
  int mask = -1;
  if (fusable(fwd, bwd)) {
    LayerContext fctx(ctx.graph(), fwd, ctx.inputs(), fwd_weights, ctx.version(),
                      ctx.node_name(""));
    LayerContext bctx(ctx.graph(), bwd, ctx.inputs(), bwd_weights, ctx.version(),
                      ctx.node_name(""));
    const CellKind kind = *fwd_kind;
    const bool cudnn = fwd.class_name.rfind("CuDNN", 0) == 0;
    for (LayerContext* c : {&fctx, &bctx}) {
      const std::size_t n = cell_weight_count(*c, kind, 0);
      if (c->weight_count() != n) {
        ctx.corrupt(fmt::format("the {} layer has {} weights, expected {}", c->name(),
                                c->weight_count(), n));
      }
    }
    const Cell fcell = read_cell(fctx, kind, 0, cudnn);
    const Cell bcell = read_cell(bctx, kind, 0, cudnn);
    const std::size_t states = state_count(kind);
    CallInputs in = read_call_inputs(ctx, 2 * states);
    if (cudnn) in.mask = -1;
    mask = in.mask;
    if (fcell.units != bcell.units || fcell.linear_before_reset != bcell.linear_before_reset) {
      ctx.unsupported("forward and backward layers of different units or reset_after");
    }
    RecurrentCall call;
    call.cells = {&fcell, &bcell};
    call.x = in.x;
    call.mask = in.mask;
    call.zero_output_for_mask = zero_masked && return_sequences;
    call.want_y = return_sequences;
    if (!in.states.empty()) {
      call.initial_h = {in.states[0], in.states[states]};
      if (kind == CellKind::lstm) call.initial_c = {in.states[1], in.states[states + 1]};
    }
    const RecurrentOutputs out = add_recurrent(ctx, "rnn", call);
    for (std::int64_t d = 0; d < 2; ++d) {
      std::vector<int>& target = d == 0 ? y : y_rev;
      const std::string dir = d == 0 ? "forward" : "backward";
      // The reverse direction's Y is already in time order: what Keras gets by flipping the
      // backward layer's outputs.
      target.push_back(return_sequences
                           ? direction_of_y(ctx, dir + "_sequence", out.y, d, false)
                           : direction_of_state(ctx, dir + "_last", out.y_h, d, false));
      if (return_state) {
        target.push_back(direction_of_state(ctx, dir + "_state_h", out.y_h, d, false));
        if (kind == CellKind::lstm)
          target.push_back(direction_of_state(ctx, dir + "_state_c", out.y_c, d, false));
      }
    }
  } else {
    // Each direction through its own builder; initial states split in halves as Keras does.
    const CallInputs in = read_call_inputs(ctx, kAnyStateCount);
    mask = in.mask;
    const std::size_t half = in.states.size() / 2;
    std::vector<int> fwd_inputs = {in.x}, bwd_inputs = {in.x};
    fwd_inputs.insert(fwd_inputs.end(), in.states.begin(),
                      in.states.begin() + static_cast<std::ptrdiff_t>(half));
    bwd_inputs.insert(bwd_inputs.end(), in.states.begin() + static_cast<std::ptrdiff_t>(half),
                      in.states.end());
    for (int d = 0; d < 2; ++d) {
      const LayerConfig& inner = d == 0 ? fwd : bwd;
      const LayerBuilder builder = find_layer_builder(inner.class_name);
      if (!builder)
        ctx.unsupported("wraps class '" + inner.class_name + "', which nnload does not implement");
      LayerContext sub(ctx.graph(), inner, d == 0 ? fwd_inputs : bwd_inputs,
                       d == 0 ? fwd_weights : bwd_weights, ctx.version(), ctx.node_name(""));
      sub.set_input_masks({mask});
      (d == 0 ? y : y_rev) = builder(sub);
    }
    // Keras flips the backward layer's sequence, whatever the layers' go_backwards say.
    if (return_sequences && !y_rev.empty())
      y_rev[0] = flip(ctx, "backward_time_order", y_rev[0], 1);
  }
  if (y.empty() || y_rev.empty() || y.size() != y_rev.size())
    ctx.corrupt("the forward and backward layers return different outputs");

  std::vector<int> outputs = merge(ctx, mode, y[0], y_rev[0]);
  const std::size_t merged = outputs.size();
  if (return_state) {
    outputs.insert(outputs.end(), y.begin() + 1, y.end());
    outputs.insert(outputs.end(), y_rev.begin() + 1, y_rev.end());
  }
  if (return_sequences && mask >= 0) {
    for (std::size_t i = 0; i < merged; ++i) ctx.set_output_mask(i, mask);
  }
  return outputs;
}

// Keras' TimeDistributed: the inner layer on [batch * time, ...], reshaped back. Dense needs
// no reshape (its MatMul already maps every step).
std::vector<int> time_distributed(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const Json* layer = ctx.find({"layer"});
  if (!layer) ctx.corrupt("config has no layer");
  const LayerConfig inner = inner_config(ctx, *layer, "inner");
  const LayerBuilder builder = find_layer_builder(inner.class_name);
  if (!builder)
    ctx.unsupported("wraps class '" + inner.class_name + "', which nnload does not implement");
  const int x = ctx.input();
  const bool per_row = inner.class_name == "Dense";
  const int merged = per_row ? x : merge_batch_time(ctx, "merge_batch_time", x);
  LayerContext sub(ctx.graph(), inner, {merged}, ctx.weights(), ctx.version(), ctx.node_name(""));
  const std::vector<int> outs = builder(sub);
  if (outs.size() != 1)
    ctx.unsupported("the wrapped layer returns " + std::to_string(outs.size()) + " outputs");
  const int y = per_row ? outs[0] : split_batch_time(ctx, "split_batch_time", outs[0], x);
  if (ctx.input_mask(0) >= 0) ctx.set_output_mask(0, ctx.input_mask(0));
  return {y};
}

}  // namespace

LayerRows wrapper_layers() {
  return {{"Bidirectional", bidirectional}, {"TimeDistributed", time_distributed}};
}

}  // namespace nnload::formats::keras::rnn
