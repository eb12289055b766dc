// Keras pooling: Max/AveragePooling1D/2D/3D and the global poolings (reductions over the
// spatial axes of either data format; GlobalAveragePooling1D honours a Keras mask).
#include "formats/keras/layers/layers.hpp"

namespace nnload::formats::keras {

namespace {

template <std::size_t Spatial>
std::vector<int> pool(LayerContext& ctx, const char* op) {
  ctx.expect_inputs(1, 1);
  const std::vector<int64_t> size = ctx.get_ints({"pool_size", "pool_length"}, Spatial, 2);
  // Keras' strides default (None) to the pool size.
  const std::vector<int64_t> strides =
      ctx.find({"strides", "stride"}) ? ctx.get_ints({"strides", "stride"}, Spatial) : size;
  const std::string padding = ctx.get_string({"padding", "border_mode"}, "valid");
  graph::Attributes a;
  a.set("kernel_shape", size);
  a.set("strides", strides);
  if (padding == "same") {
    a.set("auto_pad", std::string("SAME_UPPER"));
  } else if (padding == "valid") {
    a.set("auto_pad", std::string("VALID"));
  } else {
    ctx.unsupported("padding '" + padding + "' is not supported");
  }
  // TensorFlow's SAME average pooling divides by the number of real (unpadded) elements.
  if (std::string_view(op) == "AveragePool") a.set("count_include_pad", int64_t{0});
  const bool first = ctx.channels_first();
  if (!first) a.set("channels_last", int64_t{1});
  return {ctx.add(op, op, {ctx.input()}, a, first ? "" : "nnload")};
}

// Keras' GlobalAveragePooling1D with a mask [batch, steps]: sum(x * mask) / sum(mask) over the
// steps (Keras' max pooling ignores masks). Keras 3 may pass the mask as a second input.
int masked_mean_1d(LayerContext& ctx, int mask, bool keepdims) {
  const int x = ctx.input();
  const bool first = ctx.channels_first();
  const int m = ctx.add(
      "Unsqueeze", "mask_expanded",
      {ctx.add("CastLike", "mask_float", {mask, x}), ctx.int64s("mask_axis", {first ? 1 : 2})});
  graph::Attributes a;
  a.set("keepdims", static_cast<int64_t>(keepdims));
  const int steps = ctx.int64s("axes", {first ? 2 : 1});
  const int sum = ctx.add("ReduceSum", "masked_sum", {ctx.add("Mul", "masked", {x, m}), steps}, a);
  return ctx.add("Div", "masked_mean", {sum, ctx.add("ReduceSum", "mask_count", {m, steps}, a)});
}

template <std::size_t Spatial>
std::vector<int> global_pool(LayerContext& ctx, const char* op) {
  const bool mean_1d = Spatial == 1 && std::string_view(op) == "ReduceMean";
  ctx.expect_inputs(1, mean_1d ? 2 : 1);
  const bool keepdims = ctx.get_bool({"keepdims"}, false);
  if (mean_1d) {
    const int mask = ctx.input_count() > 1 ? ctx.input(1) : ctx.input_mask(0);
    if (mask >= 0) return {masked_mean_1d(ctx, mask, keepdims)};
  }
  const int64_t first_axis = ctx.channels_first() ? 2 : 1;
  std::vector<int64_t> axes;
  for (std::size_t d = 0; d < Spatial; ++d) axes.push_back(first_axis + static_cast<int64_t>(d));
  graph::Attributes a;
  a.set("keepdims", static_cast<int64_t>(keepdims));
  return {ctx.add(op, op, {ctx.input(), ctx.int64s("axes", axes)}, a)};
}

}  // namespace

LayerRows pooling_layers() {
  return {
      {"MaxPooling1D", [](LayerContext& c) { return pool<1>(c, "MaxPool"); }},
      {"MaxPooling2D", [](LayerContext& c) { return pool<2>(c, "MaxPool"); }},
      {"MaxPooling3D", [](LayerContext& c) { return pool<3>(c, "MaxPool"); }},
      {"AveragePooling1D", [](LayerContext& c) { return pool<1>(c, "AveragePool"); }},
      {"AveragePooling2D", [](LayerContext& c) { return pool<2>(c, "AveragePool"); }},
      {"AveragePooling3D", [](LayerContext& c) { return pool<3>(c, "AveragePool"); }},
      {"MaxPool1D", [](LayerContext& c) { return pool<1>(c, "MaxPool"); }},
      {"MaxPool2D", [](LayerContext& c) { return pool<2>(c, "MaxPool"); }},
      {"AvgPool1D", [](LayerContext& c) { return pool<1>(c, "AveragePool"); }},
      {"AvgPool2D", [](LayerContext& c) { return pool<2>(c, "AveragePool"); }},
      {"GlobalAveragePooling1D", [](LayerContext& c) { return global_pool<1>(c, "ReduceMean"); }},
      {"GlobalAveragePooling2D", [](LayerContext& c) { return global_pool<2>(c, "ReduceMean"); }},
      {"GlobalAveragePooling3D", [](LayerContext& c) { return global_pool<3>(c, "ReduceMean"); }},
      {"GlobalMaxPooling1D", [](LayerContext& c) { return global_pool<1>(c, "ReduceMax"); }},
      {"GlobalMaxPooling2D", [](LayerContext& c) { return global_pool<2>(c, "ReduceMax"); }},
      {"GlobalMaxPooling3D", [](LayerContext& c) { return global_pool<3>(c, "ReduceMax"); }},
      {"GlobalAvgPool1D", [](LayerContext& c) { return global_pool<1>(c, "ReduceMean"); }},
      {"GlobalAvgPool2D", [](LayerContext& c) { return global_pool<2>(c, "ReduceMean"); }},
      {"GlobalMaxPool1D", [](LayerContext& c) { return global_pool<1>(c, "ReduceMax"); }},
      {"GlobalMaxPool2D", [](LayerContext& c) { return global_pool<2>(c, "ReduceMax"); }},
      // Keras' short aliases of the 3-D pooling layers.
      {"MaxPool3D", [](LayerContext& c) { return pool<3>(c, "MaxPool"); }},
      {"AvgPool3D", [](LayerContext& c) { return pool<3>(c, "AveragePool"); }},
      {"GlobalAvgPool3D", [](LayerContext& c) { return global_pool<3>(c, "ReduceMean"); }},
      {"GlobalMaxPool3D", [](LayerContext& c) { return global_pool<3>(c, "ReduceMax"); }},
  };
}

}  // namespace nnload::formats::keras
