// torch.nn MaxPool/AvgPool 1d/2d/3d and the adaptive poolings.
#include "formats/torch/modules/modules.hpp"
#include "graph/shape_probe.hpp"

namespace nnload::formats::torch {

namespace {

template <std::size_t Spatial>
graph::Attributes window(ModuleContext& ctx) {
  graph::Attributes a;
  const std::vector<std::int64_t> kernel = ctx.get_ints("kernel_size", Spatial);
  a.set("kernel_shape", kernel);
  // stride=None (or an empty tuple) means stride = kernel_size.
  const io::pickle::Value* stride = ctx.attribute("stride");
  const bool default_stride =
      !stride || stride->kind == io::pickle::Kind::none ||
      ((stride->kind == io::pickle::Kind::tuple || stride->kind == io::pickle::Kind::list) &&
       stride->items.empty());
  a.set("strides", default_stride ? kernel : ctx.get_ints("stride", Spatial));
  std::vector<std::int64_t> pads = ctx.get_ints("padding", Spatial);
  pads.insert(pads.end(), pads.begin(), pads.end());
  a.set("pads", pads);
  a.set("ceil_mode", static_cast<std::int64_t>(ctx.get_bool("ceil_mode", false)));
  return a;
}

template <std::size_t Spatial>
std::vector<int> max_pool(ModuleContext& ctx) {
  if (ctx.get_bool("return_indices", false))
    ctx.unsupported("return_indices=True is not supported");
  graph::Attributes a = window<Spatial>(ctx);
  a.set("dilations", ctx.get_ints("dilation", Spatial));
  return {ctx.add("MaxPool", "MaxPool", {ctx.input()}, a)};
}

template <std::size_t Spatial>
std::vector<int> avg_pool(ModuleContext& ctx) {
  if (!ctx.is_none("divisor_override")) ctx.unsupported("divisor_override is not supported");
  graph::Attributes a = window<Spatial>(ctx);
  a.set("count_include_pad", static_cast<std::int64_t>(ctx.get_bool("count_include_pad", true)));
  return {ctx.add("AveragePool", "AveragePool", {ctx.input()}, a)};
}

// Adaptive pooling to output size 1 is the global pooling; other sizes need the input's
// spatial size, which must divide evenly (then it is an ordinary pooling).
template <std::size_t Spatial>
std::vector<int> adaptive_pool(ModuleContext& ctx, const char* global_op, const char* pool_op) {
  std::vector<std::int64_t> out;
  const io::pickle::Value* size = ctx.attribute("output_size");
  if (size && size->is_int()) {
    out.assign(Spatial, size->as_int());
  } else if (size &&
             (size->kind == io::pickle::Kind::tuple || size->kind == io::pickle::Kind::list) &&
             size->items.size() == Spatial) {
    for (const io::pickle::Value* d : size->items)
      out.push_back(d->kind == io::pickle::Kind::none ? -1 : d->as_int());
  } else {
    ctx.corrupt("output_size is missing");
  }
  bool global = true;
  for (std::int64_t d : out) global = global && d == 1;
  if (global) return {ctx.add(global_op, global_op, {ctx.input()})};
  const std::optional<Shape> shape = graph::probe_shape(ctx.graph(), ctx.input());
  if (!shape || shape->size() != Spatial + 2)
    ctx.unsupported("adaptive pooling needs the input's spatial size");
  std::vector<std::int64_t> kernel;
  for (std::size_t d = 0; d < Spatial; ++d) {
    const std::int64_t in = (*shape)[2 + d];
    const std::int64_t o = out[d] < 0 ? in : out[d];
    if (in < 0 || o <= 0 || in % o != 0) {
      ctx.unsupported(
          "adaptive pooling whose input size is unknown or not a multiple of the output size");
    }
    kernel.push_back(in / o);
  }
  graph::Attributes a;
  a.set("kernel_shape", kernel);
  a.set("strides", kernel);
  return {ctx.add(pool_op, pool_op, {ctx.input()}, a)};
}

}  // namespace

ModuleRows pool_modules() {
  return {
      {"torch.nn.modules.pooling.MaxPool1d", max_pool<1>},
      {"torch.nn.modules.pooling.MaxPool2d", max_pool<2>},
      {"torch.nn.modules.pooling.MaxPool3d", max_pool<3>},
      {"torch.nn.modules.pooling.AvgPool1d", avg_pool<1>},
      {"torch.nn.modules.pooling.AvgPool2d", avg_pool<2>},
      {"torch.nn.modules.pooling.AvgPool3d", avg_pool<3>},
      {"torch.nn.modules.pooling.AdaptiveAvgPool1d",
       [](ModuleContext& c) { return adaptive_pool<1>(c, "GlobalAveragePool", "AveragePool"); }},
      {"torch.nn.modules.pooling.AdaptiveAvgPool2d",
       [](ModuleContext& c) { return adaptive_pool<2>(c, "GlobalAveragePool", "AveragePool"); }},
      {"torch.nn.modules.pooling.AdaptiveMaxPool1d",
       [](ModuleContext& c) { return adaptive_pool<1>(c, "GlobalMaxPool", "MaxPool"); }},
      {"torch.nn.modules.pooling.AdaptiveMaxPool2d",
       [](ModuleContext& c) { return adaptive_pool<2>(c, "GlobalMaxPool", "MaxPool"); }},
  };
}

}  // namespace nnload::formats::torch
