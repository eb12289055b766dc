// torch.nn Conv1d/2d/3d and ConvTranspose1d/2d/3d: PyTorch's layouts are ONNX's (NCHW,
// weights [out, in/groups, k...] and [in, out/groups, k...]), so they map one to one.
#include "formats/torch/modules/modules.hpp"

namespace nnload::formats::torch {

namespace {

graph::Attributes geometry(ModuleContext& ctx, std::size_t spatial) {
  if (ctx.get_string("padding_mode", "zeros") != "zeros") {
    ctx.unsupported("padding_mode '" + ctx.get_string("padding_mode") +
                    "' (only zeros is supported)");
  }
  graph::Attributes a;
  a.set("kernel_shape", ctx.get_ints("kernel_size", spatial));
  a.set("strides", ctx.get_ints("stride", spatial));
  a.set("dilations", ctx.get_ints("dilation", spatial));
  a.set("group", ctx.get_int("groups", 1));
  const io::pickle::Value* padding = ctx.attribute("padding");
  if (padding && padding->kind == io::pickle::Kind::string) {
    // padding="same" pads like TensorFlow's SAME for stride 1 (the only stride torch allows it
    // with), extra padding at the end; "valid" pads nothing.
    a.set("auto_pad", std::string(padding->text == "same" ? "SAME_UPPER" : "VALID"));
  } else {
    std::vector<std::int64_t> pads = ctx.get_ints("padding", spatial);
    pads.insert(pads.end(), pads.begin(), pads.end());  // begins, then ends: symmetric
    a.set("pads", pads);
  }
  return a;
}

template <std::size_t Spatial>
std::vector<int> conv(ModuleContext& ctx) {
  std::vector<int> inputs = {ctx.input(), ctx.required_parameter("weight")};
  if (const std::optional<int> bias = ctx.parameter("bias")) inputs.push_back(*bias);
  return {ctx.add("Conv", "Conv", inputs, geometry(ctx, Spatial))};
}

template <std::size_t Spatial>
std::vector<int> conv_transpose(ModuleContext& ctx) {
  graph::Attributes a = geometry(ctx, Spatial);
  a.set("output_padding", ctx.get_ints("output_padding", Spatial));
  std::vector<int> inputs = {ctx.input(), ctx.required_parameter("weight")};
  if (const std::optional<int> bias = ctx.parameter("bias")) inputs.push_back(*bias);
  return {ctx.add("ConvTranspose", "ConvTranspose", inputs, a)};
}

}  // namespace

ModuleRows conv_modules() {
  return {
      {"torch.nn.modules.conv.Conv1d", conv<1>},
      {"torch.nn.modules.conv.Conv2d", conv<2>},
      {"torch.nn.modules.conv.Conv3d", conv<3>},
      {"torch.nn.modules.conv.ConvTranspose1d", conv_transpose<1>},
      {"torch.nn.modules.conv.ConvTranspose2d", conv_transpose<2>},
      {"torch.nn.modules.conv.ConvTranspose3d", conv_transpose<3>},
  };
}

}  // namespace nnload::formats::torch
