// Keras merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate.
#include "formats/keras/layers/layers.hpp"

namespace nnload::formats::keras {

namespace {

// Binary ops chained left to right keep each node fusable; variadic ONNX ops where they exist.
std::vector<int> chain(LayerContext& ctx, const char* op) {
  ctx.expect_inputs(1, 64);
  int y = ctx.input(0);
  for (std::size_t i = 1; i < ctx.input_count(); ++i) {
    y = ctx.add(op, std::string(op) + (i > 1 ? "_" + std::to_string(i) : ""), {y, ctx.input(i)});
  }
  return {y};
}

std::vector<int> variadic(LayerContext& ctx, const char* op) {
  ctx.expect_inputs(1, 64);
  return {ctx.add(op, op, ctx.inputs())};
}

std::vector<int> subtract(LayerContext& ctx) {
  ctx.expect_inputs(2, 2);
  return {ctx.add("Sub", "Sub", {ctx.input(0), ctx.input(1)})};
}

std::vector<int> concatenate(LayerContext& ctx) {
  ctx.expect_inputs(1, 64);
  graph::Attributes a;
  a.set("axis", ctx.get_int({"axis", "concat_axis"}, -1));
  return {ctx.add("Concat", "Concat", ctx.inputs(), a)};
}

}  // namespace

LayerRows merge_layers() {
  return {
      {"Add", [](LayerContext& c) { return chain(c, "Add"); }},
      {"Multiply", [](LayerContext& c) { return chain(c, "Mul"); }},
      {"Subtract", subtract},
      {"Average", [](LayerContext& c) { return variadic(c, "Mean"); }},
      {"Maximum", [](LayerContext& c) { return variadic(c, "Max"); }},
      {"Minimum", [](LayerContext& c) { return variadic(c, "Min"); }},
      {"Concatenate", concatenate},
  };
}

}  // namespace nnload::formats::keras
