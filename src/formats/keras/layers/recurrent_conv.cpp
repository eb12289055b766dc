// Keras ConvLSTM1D/2D/3D (Keras 2 and 3): the input convolution of every step at once (one Conv
// over batch*time images, bias included), then nnload.ConvLSTM's time loop, which convolves the
// hidden state with the recurrent kernel (stride 1, "same" padding, as Keras does). The loop
// runs channels-first; channels-last layers are transposed around it.
#include "core/fail.hpp"
#include "formats/keras/layers/layers.hpp"
#include "formats/keras/layers/recurrent_cells.hpp"

namespace nnload::formats::keras::rnn {

namespace {

graph::Attributes perm_attr(std::vector<std::int64_t> perm) {
  graph::Attributes a;
  a.set("perm", std::move(perm));
  return a;
}

graph::Attributes axis_attr(std::int64_t axis) {
  graph::Attributes a;
  a.set("axis", axis);
  return a;
}

// [lead..., spatial..., channels] <-> [lead..., channels, spatial...] for `lead` leading axes.
std::vector<std::int64_t> channels_first_perm(std::size_t lead, std::size_t spatial) {
  std::vector<std::int64_t> p;
  for (std::size_t i = 0; i < lead; ++i) p.push_back(static_cast<std::int64_t>(i));
  p.push_back(static_cast<std::int64_t>(lead + spatial));
  for (std::size_t i = 0; i < spatial; ++i) p.push_back(static_cast<std::int64_t>(lead + i));
  return p;
}
std::vector<std::int64_t> channels_last_perm(std::size_t lead, std::size_t spatial) {
  std::vector<std::int64_t> p;
  for (std::size_t i = 0; i < lead; ++i) p.push_back(static_cast<std::int64_t>(i));
  for (std::size_t i = 0; i < spatial; ++i) p.push_back(static_cast<std::int64_t>(lead + 1 + i));
  p.push_back(static_cast<std::int64_t>(lead));
  return p;
}

template <std::size_t Spatial>
std::vector<int> conv_lstm(LayerContext& ctx) {
  if (ctx.version().major == 1) ctx.unsupported("Keras 1's ConvLSTM2D is not supported");
  const SequenceOptions opt = read_sequence_options(ctx);
  if (opt.time_major) ctx.unsupported("time_major=True");
  const std::int64_t filters = ctx.get_int({"filters", "nb_filter"});
  const std::vector<std::int64_t> kernel_size = ctx.get_ints({"kernel_size"}, Spatial);
  const std::vector<std::int64_t> strides = ctx.get_ints({"strides"}, Spatial, 1);
  const std::vector<std::int64_t> dilations = ctx.get_ints({"dilation_rate"}, Spatial, 1);
  const std::string padding = ctx.get_string({"padding"}, "valid");
  const bool first = ctx.channels_first();
  const bool use_bias = ctx.get_bool({"use_bias"}, true);
  ctx.expect_weights(use_bias ? 3 : 2,
                     use_bias ? "kernel, recurrent_kernel, bias" : "kernel, recurrent_kernel");
  const Shape& k = ctx.weight_tensor(0, "kernel").shape();
  const Shape& rk = ctx.weight_tensor(1, "recurrent_kernel").shape();
  Shape expected_rk(kernel_size.begin(), kernel_size.end());
  expected_rk.push_back(filters);
  expected_rk.push_back(4 * filters);
  if (k.size() != Spatial + 2 || k[Spatial + 1] != 4 * filters || rk != expected_rk) {
    ctx.corrupt(
        fmt::format("kernel {} and recurrent_kernel {} do not fit {} filters, kernel_size "
                    "{} (expected [k..., in, {}] and {})",
                    shape_to_list(k), shape_to_list(rk), filters, shape_to_list(kernel_size),
                    4 * filters, shape_to_list(expected_rk)));
  }
  if (use_bias && ctx.weight_tensor(2, "bias").shape() != Shape{4 * filters}) {
    ctx.corrupt(fmt::format("bias has shape {}, expected [{}]",
                            shape_to_list(ctx.weight_tensor(2, "bias").shape()), 4 * filters));
  }
  CallInputs in = read_call_inputs(ctx, 2);

  // Keras kernels [k..., in, 4F] -> ONNX [4F, in, k...].
  std::vector<std::int64_t> to_oihw = {static_cast<std::int64_t>(Spatial) + 1,
                                       static_cast<std::int64_t>(Spatial)};
  for (std::size_t d = 0; d < Spatial; ++d) to_oihw.push_back(static_cast<std::int64_t>(d));
  const int w = ctx.add("Transpose", "kernel_oihw", {ctx.weight(0, "kernel")}, perm_attr(to_oihw));
  const int r = ctx.add("Transpose", "recurrent_kernel_oihw", {ctx.weight(1, "recurrent_kernel")},
                        perm_attr(to_oihw));

  int x = in.x;  // [batch, time, spatial..., C] or [batch, time, C, spatial...]
  if (!first)
    x = ctx.add("Transpose", "to_channels_first", {x}, perm_attr(channels_first_perm(2, Spatial)));
  graph::Attributes conv;
  conv.set("strides", strides);
  conv.set("dilations", dilations);
  if (padding == "same") {
    conv.set("auto_pad", std::string("SAME_UPPER"));
  } else if (padding == "valid") {
    conv.set("auto_pad", std::string("VALID"));
  } else {
    ctx.unsupported("padding '" + padding + "' is not supported");
  }
  std::vector<int> conv_inputs = {merge_batch_time(ctx, "images", x), w};
  if (use_bias) conv_inputs.push_back(ctx.weight(2, "bias"));
  const int projected =
      split_batch_time(ctx, "projected", ctx.add("Conv", "input_conv", conv_inputs, conv), x);

  // States [batch, spatial..., F] (channels last) or [batch, F, spatial...].
  auto state_in = [&](int s, const char* name) {
    return first ? s : ctx.add("Transpose", name, {s}, perm_attr(channels_first_perm(1, Spatial)));
  };
  auto state_out = [&](int s, const char* name) {
    return first ? s : ctx.add("Transpose", name, {s}, perm_attr(channels_last_perm(1, Spatial)));
  };
  graph::Attributes a;
  set_activations(
      a, {config_recurrent_activation(ctx), config_activation(ctx), config_activation(ctx)});
  a.set("direction", std::string(opt.go_backwards ? "reverse" : "forward"));
  if (opt.zero_output_for_mask) a.set("zero_output_for_mask", std::int64_t{1});
  std::vector<int> inputs = {projected, r, graph::kNoValue, graph::kNoValue, graph::kNoValue};
  if (!in.states.empty()) {
    inputs[2] = state_in(in.states[0], "initial_h");
    inputs[3] = state_in(in.states[1], "initial_c");
  }
  if (in.mask >= 0) inputs[4] = in.mask;
  while (inputs.back() == graph::kNoValue) inputs.pop_back();
  const std::vector<int> out = ctx.add_multi("ConvLSTM", "ConvLSTM", inputs, 3, a, "nnload");

  std::vector<int> result;
  const bool last_from_y = !opt.return_sequences && opt.zero_output_for_mask && in.mask >= 0;
  if (opt.return_sequences) {
    int y = out[0];
    if (opt.go_backwards) y = flip(ctx, "processing_order", y, 1);
    if (!first)
      y = ctx.add("Transpose", "to_channels_last", {y}, perm_attr(channels_last_perm(2, Spatial)));
    result.push_back(y);
  } else if (last_from_y) {
    const int last = ctx.add(
        "Gather", "last_output",
        {out[0],
         ctx.constant("last_index", Tensor::scalar<std::int64_t>(opt.go_backwards ? 0 : -1))},
        axis_attr(1));
    result.push_back(state_out(last, "last_output_channels_last"));
  } else {
    result.push_back(state_out(out[1], "last_output_channels_last"));
  }
  if (opt.return_state) {
    result.push_back(state_out(out[1], "state_h_channels_last"));
    result.push_back(state_out(out[2], "state_c_channels_last"));
  }
  if (opt.return_sequences && in.mask >= 0) ctx.set_output_mask(0, in.mask);
  return result;
}

}  // namespace

LayerRows conv_recurrent_layers() {
  return {{"ConvLSTM1D", conv_lstm<1>}, {"ConvLSTM2D", conv_lstm<2>}, {"ConvLSTM3D", conv_lstm<3>}};
}

}  // namespace nnload::formats::keras::rnn
