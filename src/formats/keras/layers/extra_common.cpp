// Node-building helpers shared by the attention and extra Keras layer builders.
#include "formats/keras/layers/extra_common.hpp"

#include "core/fail.hpp"
#include "graph/shape_probe.hpp"
#include "ops/onnx_dtype.hpp"

namespace nnload::formats::keras::extra {

Shape shape_of(LayerContext& ctx, int value) {
  const graph::Value& v = ctx.graph().value(value);
  if (v.is_constant()) return v.shape;
  if (v.producer < 0 && v.shape_known) return v.shape;
  std::optional<Shape> shape = graph::probe_shape(ctx.graph(), value);
  if (!shape) ctx.corrupt("the shape of one of its inputs can't be inferred");
  return *shape;
}

int transpose(LayerContext& ctx, int x, std::vector<int64_t> perm, const std::string& step) {
  graph::Attributes a;
  a.set("perm", std::move(perm));
  return ctx.add("Transpose", step, {x}, a);
}

int reshape(LayerContext& ctx, int x, std::vector<int64_t> shape, const std::string& step) {
  return ctx.add("Reshape", step, {x, ctx.int64s(step + "_shape", std::move(shape))});
}

int unsqueeze(LayerContext& ctx, int x, std::vector<int64_t> axes, const std::string& step) {
  return ctx.add("Unsqueeze", step, {x, ctx.int64s(step + "_axes", std::move(axes))});
}

int cast(LayerContext& ctx, int x, DType to, const std::string& step) {
  graph::Attributes a;
  a.set("to", ops::onnx_dtype_number(to));
  return ctx.add("Cast", step, {x}, a);
}

int dim(LayerContext& ctx, int x, int64_t axis, const std::string& step) {
  graph::Attributes a;
  a.set("axis", int64_t{0});
  const int shape = ctx.add("Shape", step + "_shape", {x});
  return ctx.add("Gather", step,
                 {shape, ctx.constant(step + "_axis", Tensor::scalar<int64_t>(axis))}, a);
}

int mask_scores(LayerContext& ctx, int x, int mask, const std::string& step) {
  const int keep = cast(ctx, mask, DType::boolean, step + "_bool");
  const int bias =
      ctx.add("Where", step + "_bias",
              {keep, ctx.scalar(step + "_zero", 0.0f), ctx.scalar(step + "_neg", -1e9f)});
  return ctx.add("Add", step, {x, bias});
}

int and_masks(LayerContext& ctx, int a, int b, const std::string& step) {
  if (a < 0) return b;
  if (b < 0) return a;
  return ctx.add(
      "And", step,
      {cast(ctx, a, DType::boolean, step + "_a"), cast(ctx, b, DType::boolean, step + "_b")});
}

int causal_mask(LayerContext& ctx, int row_source, int64_t row_axis, int col_source,
                int64_t col_axis, const std::string& step) {
  const int zero = ctx.constant(step + "_start", Tensor::scalar<int64_t>(0));
  const int one = ctx.constant(step + "_delta", Tensor::scalar<int64_t>(1));
  const int rows =
      ctx.add("Range", step + "_rows", {zero, dim(ctx, row_source, row_axis, step + "_t"), one});
  const int cols =
      ctx.add("Range", step + "_cols", {zero, dim(ctx, col_source, col_axis, step + "_s"), one});
  const int mask =
      ctx.add("GreaterOrEqual", step, {unsqueeze(ctx, rows, {1}, step + "_rows_column"), cols});
  return unsqueeze(ctx, mask, {0}, step + "_batch");
}

std::vector<int> kwarg_list(LayerContext& ctx, const char* key) {
  const Json* j = ctx.call_kwarg(key);
  if (!j) return {};
  const std::vector<int> tensors = ctx.kwarg_values(key);
  std::size_t next = 0;
  auto is_tensor = [](const Json& e) {
    return (e.is_object() && e.value("class_name", "") == "__keras_tensor__") ||
           (e.is_array() && e.size() == 3 && e[0].is_string());
  };
  std::vector<int> out;
  if (!j->is_array() || is_tensor(*j)) {
    out.push_back(is_tensor(*j) && next < tensors.size() ? tensors[next++] : -1);
    return out;
  }
  for (const Json& e : *j)
    out.push_back(is_tensor(e) && next < tensors.size() ? tensors[next++] : -1);
  return out;
}

bool call_flag(LayerContext& ctx, const char* key, bool fallback) {
  const Json* j = ctx.call_kwarg(key);
  if (!j) return fallback;
  if (!j->is_boolean())
    ctx.unsupported(fmt::format("call argument {}={} is not true/false", key, j->dump()));
  return j->get<bool>();
}

int inverse_l2_norm(LayerContext& ctx, int x, const std::vector<int64_t>& axes, double epsilon,
                    bool clamp_inverse, const std::string& step) {
  graph::Attributes keep;
  keep.set("keepdims", int64_t{1});
  const int sum = ctx.add("ReduceSumSquare", step + "_sum_squares",
                          {x, ctx.int64s(step + "_axes", axes)}, keep);
  if (clamp_inverse) {
    const int inv =
        ctx.add("Reciprocal", step + "_rsqrt", {ctx.add("Sqrt", step + "_norm", {sum})});
    return ctx.add("Min", step,
                   {inv, ctx.scalar(step + "_max_inverse", static_cast<float>(1.0 / epsilon))});
  }
  const int clamped = ctx.add("Max", step + "_clamped",
                              {sum, ctx.scalar(step + "_epsilon", static_cast<float>(epsilon))});
  return ctx.add("Reciprocal", step, {ctx.add("Sqrt", step + "_norm", {clamped})});
}

// --- op-layer arguments

Json value_placeholder(int value) { return Json{{"__nnload_value__", value}}; }

Json replace_tensor_refs(const Json& j, bool (*is_ref)(const Json&), const std::vector<int>& values,
                         std::size_t& next) {
  if (is_ref(j)) return next < values.size() ? value_placeholder(values[next++]) : Json();
  if (j.is_array()) {
    Json out = Json::array();
    for (const Json& e : j) out.push_back(replace_tensor_refs(e, is_ref, values, next));
    return out;
  }
  if (j.is_object()) {
    Json out = Json::object();
    for (const auto& [k, v] : j.items()) out[k] = replace_tensor_refs(v, is_ref, values, next);
    return out;
  }
  return j;
}
bool is_value(const Json& j) { return j.is_object() && j.contains("__nnload_value__"); }
int value_of(const Json& j) { return j["__nnload_value__"].get<int>(); }

const Json* OpArgs::find(std::size_t position, std::initializer_list<const char*> names) const {
  if (position < positional.size() && !positional[position].is_null()) return &positional[position];
  for (const char* name : names) {
    auto it = named.find(name);
    if (it != named.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

const Json& OpArgs::need(std::size_t position, std::initializer_list<const char*> names) const {
  const Json* j = find(position, names);
  if (!j) ctx.corrupt(fmt::format("the call has no argument '{}'", *names.begin()));
  return *j;
}

namespace {

void flatten_numbers(const Json& j, std::vector<double>& out, Shape& shape, std::size_t depth,
                     bool& any_float, LayerContext& ctx) {
  if (j.is_array()) {
    if (shape.size() <= depth) shape.push_back(static_cast<int64_t>(j.size()));
    if (shape[depth] != static_cast<int64_t>(j.size()))
      ctx.corrupt("a constant argument is ragged");
    for (const Json& e : j) flatten_numbers(e, out, shape, depth + 1, any_float, ctx);
  } else if (j.is_number() || j.is_boolean()) {
    if (shape.size() != depth) ctx.corrupt("a constant argument is ragged");
    any_float = any_float || j.is_number_float();
    out.push_back(j.is_boolean() ? (j.get<bool>() ? 1.0 : 0.0) : j.get<double>());
  } else {
    ctx.unsupported("argument " + j.dump() + " is not a tensor or a number");
  }
}

}  // namespace

int OpArgs::tensor(const Json& j, int like, const std::string& step) {
  if (is_value(j)) return value_of(j);
  std::vector<double> values;
  Shape shape;
  bool any_float = false;
  flatten_numbers(j, values, shape, 0, any_float, ctx);
  Tensor t;
  if (any_float || like >= 0) {
    std::vector<float> f(values.begin(), values.end());
    t = Tensor::from_vector<float>(f, shape);
  } else {
    std::vector<int64_t> i;
    for (double v : values) i.push_back(static_cast<int64_t>(v));
    t = Tensor::from_vector<int64_t>(i, shape);
  }
  const int c = ctx.constant(step, std::move(t));
  return like >= 0 ? ctx.add("CastLike", step + "_like", {c, like}) : c;
}

}  // namespace nnload::formats::keras::extra
