// torch.nn activation modules as ONNX ops.
#include <limits>

#include "formats/torch/modules/modules.hpp"

namespace nnload::formats::torch {

namespace {

graph::Attributes float_attr(const char* name, double value) {
  graph::Attributes a;
  a.set(name, value);
  return a;
}

int op(ModuleContext& ctx, const char* name, graph::Attributes attrs = {},
       const char* domain = "") {
  return ctx.add(name, name, {ctx.input()}, std::move(attrs), domain);
}

std::vector<int> clip(ModuleContext& ctx, float lo, float hi) {
  return {ctx.add("Clip", "Clip", {ctx.input(), ctx.scalar("min", lo), ctx.scalar("max", hi)})};
}

std::vector<int> softmax_like(ModuleContext& ctx, const char* name) {
  // dim=None (legacy) picks 1 for inputs of rank 0, 1 and 3 (PyTorch's _get_softmax_dim): 0
  // for rank 0/1/3, else 1.
  std::int64_t dim;
  if (ctx.is_none("dim")) {
    const std::size_t rank = ctx.input_rank();
    dim = rank == 0 || rank == 1 || rank == 3 ? 0 : 1;
  } else {
    dim = ctx.get_int("dim");
  }
  graph::Attributes a;
  a.set("axis", dim);
  return {ctx.add(name, name, {ctx.input()}, a)};
}

// PyTorch's Softplus(beta, threshold) = log(1 + exp(beta x)) / beta, linear above threshold
// (where the two agree to float precision).
std::vector<int> softplus(ModuleContext& ctx) {
  const double beta = ctx.get_float("beta", 1.0);
  if (beta == 1.0) return {op(ctx, "Softplus")};
  const int scaled =
      ctx.add("Mul", "scale", {ctx.input(), ctx.scalar("beta", static_cast<float>(beta))});
  const int sp = ctx.add("Softplus", "Softplus", {scaled});
  return {ctx.add("Div", "unscale", {sp, ctx.scalar("beta_div", static_cast<float>(beta))})};
}

// PReLU's weight has num_parameters entries along the channel axis (1); reshape it so it
// broadcasts against NC... inputs.
std::vector<int> prelu(ModuleContext& ctx) {
  int slope = ctx.required_parameter("weight");
  const std::int64_t n = ctx.get_int("num_parameters", 1);
  const std::size_t rank = ctx.input_rank();
  if (n > 1 && rank > 2) {
    std::vector<std::int64_t> shape(rank - 1, 1);
    shape[0] = n;
    slope = ctx.add("Reshape", "slope_shape", {slope, ctx.int64s("slope_dims", shape)});
  }
  return {ctx.add("PRelu", "PRelu", {ctx.input(), slope})};
}

}  // namespace

ModuleRows activation_modules() {
  return {
      {"torch.nn.modules.activation.ReLU",
       [](ModuleContext& c) { return std::vector<int>{op(c, "Relu")}; }},
      {"torch.nn.modules.activation.ReLU6", [](ModuleContext& c) { return clip(c, 0.0f, 6.0f); }},
      {"torch.nn.modules.activation.Hardtanh",
       [](ModuleContext& c) {
         return clip(c, static_cast<float>(c.get_float("min_val", -1.0)),
                     static_cast<float>(c.get_float("max_val", 1.0)));
       }},
      {"torch.nn.modules.activation.LeakyReLU",
       [](ModuleContext& c) {
         return std::vector<int>{
             op(c, "LeakyRelu", float_attr("alpha", c.get_float("negative_slope", 0.01)))};
       }},
      {"torch.nn.modules.activation.ELU",
       [](ModuleContext& c) {
         return std::vector<int>{op(c, "Elu", float_attr("alpha", c.get_float("alpha", 1.0)))};
       }},
      {"torch.nn.modules.activation.CELU",
       [](ModuleContext& c) {
         return std::vector<int>{op(c, "Celu", float_attr("alpha", c.get_float("alpha", 1.0)))};
       }},
      {"torch.nn.modules.activation.SELU",
       [](ModuleContext& c) { return std::vector<int>{op(c, "Selu")}; }},
      {"torch.nn.modules.activation.GELU",
       [](ModuleContext& c) {
         graph::Attributes a;
         a.set("approximate", c.get_string("approximate", "none"));
         return std::vector<int>{op(c, "Gelu", a)};
       }},
      {"torch.nn.modules.activation.SiLU",
       [](ModuleContext& c) {
         return std::vector<int>{op(c, "Swish", float_attr("alpha", 1.0), "nnload")};
       }},
      {"torch.nn.modules.activation.Mish",
       [](ModuleContext& c) { return std::vector<int>{op(c, "Mish")}; }},
      {"torch.nn.modules.activation.Sigmoid",
       [](ModuleContext& c) { return std::vector<int>{op(c, "Sigmoid")}; }},
      {"torch.nn.modules.activation.Tanh",
       [](ModuleContext& c) { return std::vector<int>{op(c, "Tanh")}; }},
      {"torch.nn.modules.activation.Softsign",
       [](ModuleContext& c) { return std::vector<int>{op(c, "Softsign")}; }},
      {"torch.nn.modules.activation.Hardswish",
       [](ModuleContext& c) { return std::vector<int>{op(c, "HardSwish")}; }},
      // torch's hardsigmoid is relu6(x + 3) / 6.
      {"torch.nn.modules.activation.Hardsigmoid",
       [](ModuleContext& c) {
         graph::Attributes a;
         a.set("alpha", 1.0 / 6.0);
         a.set("beta", 0.5);
         return std::vector<int>{op(c, "HardSigmoid", a)};
       }},
      {"torch.nn.modules.activation.Softplus", softplus},
      {"torch.nn.modules.activation.PReLU", prelu},
      {"torch.nn.modules.activation.Softmax",
       [](ModuleContext& c) { return softmax_like(c, "Softmax"); }},
      {"torch.nn.modules.activation.LogSoftmax",
       [](ModuleContext& c) { return softmax_like(c, "LogSoftmax"); }},
      {"torch.nn.modules.activation.Threshold",
       [](ModuleContext& c) {
         // y = x > threshold ? x : value
         const float threshold = static_cast<float>(c.get_float("threshold"));
         const float value = static_cast<float>(c.get_float("value"));
         const int keep = c.add("Greater", "above", {c.input(), c.scalar("threshold", threshold)});
         return std::vector<int>{
             c.add("Where", "Where", {keep, c.input(), c.scalar("value", value)})};
       }},
  };
}

}  // namespace nnload::formats::torch
