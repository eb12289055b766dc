// Keras 1 layers: Convolution1D/2D, AtrousConvolution1D/2D (nb_filter, filter_length or
// nb_row/nb_col, border_mode valid/same/full, subsample, dim_ordering th/tf, theano's flipped
// kernels) and Merge (mode sum/mul/concat/ave/max/dot/cos). Keras 1's Dense, Embedding,
// BatchNormalization, pooling, Reshape, Flatten, Dropout and Activation share the Keras 2
// builders, which read the Keras 1 spellings of their options.
#include <limits>

#include "formats/keras/layers/layers.hpp"
#include "formats/keras/layers/theano.hpp"

namespace nnload::formats::keras {

int theano_flipped(LayerContext& ctx, int kernel, const std::vector<int64_t>& spatial_axes) {
  if (ctx.version().backend != "theano") return kernel;
  const auto n = spatial_axes.size();
  return ctx.add(
      "Slice", "theano_kernel_flip",
      {kernel, ctx.int64s("flip_starts", std::vector<int64_t>(n, -1)),
       ctx.int64s("flip_ends", std::vector<int64_t>(n, std::numeric_limits<int64_t>::min())),
       ctx.int64s("flip_axes", spatial_axes),
       ctx.int64s("flip_steps", std::vector<int64_t>(n, -1))});
}

namespace {

// Keras 1 padding: valid, same (TensorFlow's SAME: the odd pixel last), or theano's full
// ((k - 1) * dilation zeros on both sides).
void set_padding(LayerContext& ctx, graph::Attributes& a, const std::vector<int64_t>& kernel,
                 const std::vector<int64_t>& dilations) {
  const std::string mode = ctx.get_string({"border_mode"}, "valid");
  if (mode == "valid") {
    a.set("auto_pad", std::string("VALID"));
  } else if (mode == "same") {
    a.set("auto_pad", std::string("SAME_UPPER"));
  } else if (mode == "full") {
    std::vector<int64_t> pads;
    for (int round = 0; round < 2; ++round) {
      for (std::size_t d = 0; d < kernel.size(); ++d)
        pads.push_back((kernel[d] - 1) * dilations[d]);
    }
    a.set("pads", pads);
  } else {
    ctx.unsupported("border_mode '" + mode + "' is not supported (valid, same, full)");
  }
}

std::vector<int> finish_conv(LayerContext& ctx, int kernel_oihw, graph::Attributes a,
                             bool channels_last) {
  const bool use_bias = ctx.get_bool({"bias"}, true);
  ctx.expect_weights(use_bias ? 2 : 1, use_bias ? "W, b" : "W");
  std::vector<int> inputs = {ctx.input(), kernel_oihw};
  if (use_bias) inputs.push_back(ctx.weight(1, "b"));
  a.set("group", int64_t{1});
  if (channels_last) a.set("channels_last", int64_t{1});
  const int y = ctx.add("Conv", "Conv", inputs, std::move(a), channels_last ? "nnload" : "");
  return {ctx.config_activation(y)};
}

int transpose(LayerContext& ctx, int x, std::vector<int64_t> perm, const std::string& step) {
  graph::Attributes a;
  a.set("perm", std::move(perm));
  return ctx.add("Transpose", step, {x}, a);
}

// Convolution2D / AtrousConvolution2D. Kernels: dim_ordering tf [rows, cols, in, out], th
// [out, in, rows, cols] (ONNX's layout already).
std::vector<int> convolution2d(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const Tensor& w = ctx.weight_tensor(0, "W");
  if (w.rank() != 4) ctx.corrupt("W has rank " + std::to_string(w.rank()) + ", expected 4");
  const bool th = ctx.channels_first();
  const std::vector<int64_t> kernel = {ctx.get_int({"nb_row"}), ctx.get_int({"nb_col"})};
  const Shape expect_spatial =
      th ? Shape{w.shape()[2], w.shape()[3]} : Shape{w.shape()[0], w.shape()[1]};
  if (expect_spatial != Shape(kernel.begin(), kernel.end())) {
    ctx.corrupt("W has shape " + shape_to_list(w.shape()) + ", which does not hold a " +
                std::to_string(kernel[0]) + "x" + std::to_string(kernel[1]) + " kernel (" +
                (th ? "th" : "tf") + " dim_ordering)");
  }
  const int64_t filters = ctx.get_int({"nb_filter"}, th ? w.shape()[0] : w.shape()[3]);
  if (filters != (th ? w.shape()[0] : w.shape()[3]))
    ctx.corrupt("W has shape " + shape_to_list(w.shape()) + " but nb_filter is " +
                std::to_string(filters));
  int k = theano_flipped(ctx, ctx.weight(0, "W"),
                         th ? std::vector<int64_t>{2, 3} : std::vector<int64_t>{0, 1});
  if (!th) k = transpose(ctx, k, {3, 2, 0, 1}, "W_to_oihw");
  const std::vector<int64_t> dilations = ctx.get_ints({"atrous_rate"}, 2, 1);
  graph::Attributes a;
  a.set("strides", ctx.get_ints({"subsample"}, 2, 1));
  a.set("dilations", dilations);
  set_padding(ctx, a, kernel, dilations);
  return finish_conv(ctx, k, std::move(a), !th);
}

// Convolution1D / AtrousConvolution1D on [batch, steps, channels]. Keras 1.2 stores W as
// [length, 1, in, out], Keras 1.1 as [out, in, length, 1].
std::vector<int> convolution1d(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const Tensor& w = ctx.weight_tensor(0, "W");
  const int64_t length = ctx.get_int({"filter_length"});
  if (w.rank() != 4) ctx.corrupt("W has rank " + std::to_string(w.rank()) + ", expected 4");
  const Shape& s = w.shape();
  int k = ctx.weight(0, "W");
  if (s[0] == length && s[1] == 1) {
    k = theano_flipped(ctx, k, {0});
    k = ctx.add("Reshape", "W_squeeze", {k, ctx.int64s("W_shape", {s[0], s[2], s[3]})});
    k = transpose(ctx, k, {2, 1, 0}, "W_to_oik");
  } else if (s[2] == length && s[3] == 1) {
    k = theano_flipped(ctx, k, {2});
    k = ctx.add("Reshape", "W_squeeze", {k, ctx.int64s("W_shape", {s[0], s[1], s[2]})});
  } else {
    ctx.corrupt("W has shape " + shape_to_list(s) + ", which holds no kernel of length " +
                std::to_string(length));
  }
  const std::vector<int64_t> dilations = {ctx.get_int({"atrous_rate"}, 1)};
  graph::Attributes a;
  a.set("strides", std::vector<int64_t>{ctx.get_int({"subsample_length"}, 1)});
  a.set("dilations", dilations);
  set_padding(ctx, a, {length}, dilations);
  return finish_conv(ctx, k, std::move(a), true);
}

int chain(LayerContext& ctx, const char* op) {
  int y = ctx.input(0);
  for (std::size_t i = 1; i < ctx.input_count(); ++i)
    y = ctx.add(op, std::string(op) + "_" + std::to_string(i), {y, ctx.input(i)});
  return y;
}

// Keras 1's batch_dot of two inputs along dot_axes: rank-2 inputs give [batch, 1]; rank-3
// inputs contracted over (2, 1) are a batched matrix product.
int batch_dot(LayerContext& ctx, int x, int y, const std::string& step) {
  const Shape xs = ctx.input_shape(0), ys = ctx.input_shape(1);
  std::vector<int64_t> axes = ctx.get_ints({"dot_axes"}, 2, -1);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto rank = static_cast<int64_t>(i == 0 ? xs.size() : ys.size());
    if (axes[i] < 0) axes[i] += rank;
  }
  if (xs.size() == 2 && ys.size() == 2 && axes[0] == 1 && axes[1] == 1) {
    graph::Attributes keep;
    keep.set("keepdims", int64_t{1});
    return ctx.add("ReduceSum", step,
                   {ctx.add("Mul", step + "_mul", {x, y}), ctx.int64s(step + "_axes", {1})}, keep);
  }
  if (xs.size() == 3 && ys.size() == 3 && axes[0] == 2 && axes[1] == 1)
    return ctx.add("MatMul", step, {x, y});
  ctx.unsupported("Merge dot over axes " + Json(axes).dump() + " of inputs of rank " +
                  std::to_string(xs.size()) + " and " + std::to_string(ys.size()) +
                  " is not supported (rank 2 with axes (1, 1), rank 3 with axes (2, 1))");
}

std::vector<int> merge(LayerContext& ctx) {
  // A Merge of models (config "layers") is called by the Sequential builder on the outputs of
  // the models it merges, like any other Merge.
  ctx.has("layers");
  ctx.expect_inputs(2, 64);
  const std::string mode = ctx.get_string({"mode"}, "sum");
  if (mode == "sum") return {chain(ctx, "Add")};
  if (mode == "mul") return {chain(ctx, "Mul")};
  if (mode == "ave") return {ctx.add("Mean", "Mean", ctx.inputs())};
  if (mode == "max") return {ctx.add("Max", "Max", ctx.inputs())};
  if (mode == "concat") {
    graph::Attributes a;
    a.set("axis", ctx.get_int({"concat_axis"}, -1));
    return {ctx.add("Concat", "Concat", ctx.inputs(), a)};
  }
  if (mode == "dot" || mode == "cos") {
    ctx.expect_inputs(2, 2);
    const int dot = batch_dot(ctx, ctx.input(0), ctx.input(1), "dot");
    if (mode == "dot") return {dot};
    // cos: dot / max(sqrt(dot(x, x) * dot(y, y)), epsilon). Keras 1.2.2's call adds
    // expand_dims(1), giving (batch, 1, 1) for vectors, but declares (None, 1): the shape it
    // declares (and the project's reference) is kept.
    const int xx = batch_dot(ctx, ctx.input(0), ctx.input(0), "dot_xx");
    const int yy = batch_dot(ctx, ctx.input(1), ctx.input(1), "dot_yy");
    const int norm = ctx.add("Max", "norm_floor",
                             {ctx.add("Sqrt", "norm", {ctx.add("Mul", "norm_sq", {xx, yy})}),
                              ctx.scalar("epsilon", 1e-7f)});
    return {ctx.add("Div", "cos", {dot, norm})};
  }
  ctx.unsupported("Merge mode '" + mode +
                  "' is not supported (sum, mul, concat, ave, max, dot, cos)");
}

}  // namespace

LayerRows keras1_layers() {
  return {
      {"Convolution1D", convolution1d},
      {"AtrousConvolution1D", convolution1d},
      {"Convolution2D", convolution2d},
      {"AtrousConvolution2D", convolution2d},
      {"Merge", merge},
  };
}

}  // namespace nnload::formats::keras
