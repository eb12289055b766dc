// Op layers: the simple tensor functions behind tf.keras' TFOpLambda ("math.add", "reshape",
// "__operators__.getitem", ...) and Keras 3's keras.ops op layers ("Add", "Reshape", "GetItem",
// ...), mapped onto ONNX ops from their call arguments. Basic indexing is in extra_getitem.cpp,
// the Keras 3 op-layer builder in extra_keras_ops.cpp.
#include <map>
#include <numeric>

#include "formats/keras/layers/extra_common.hpp"

namespace nnload::formats::keras {

namespace extra {

namespace {

// Integers from a constant argument (an int or a list of ints).
std::vector<int64_t> ints(LayerContext& ctx, const Json& j) {
  std::vector<int64_t> out;
  if (j.is_number_integer()) return {j.get<int64_t>()};
  if (!j.is_array()) ctx.unsupported("argument " + j.dump() + " is not a constant integer list");
  for (const Json& e : j) {
    if (!e.is_number_integer())
      ctx.unsupported("argument " + j.dump() + " is not a constant integer list");
    out.push_back(e.get<int64_t>());
  }
  return out;
}

int64_t rank_of(LayerContext& ctx, int x) { return static_cast<int64_t>(shape_of(ctx, x).size()); }

// Two operands, either of which may be a constant (converted to the other's type).
std::pair<int, int> operands(OpArgs& a, std::initializer_list<const char*> first,
                             std::initializer_list<const char*> second) {
  const Json& x = a.need(0, first);
  const Json& y = a.need(1, second);
  if (!is_value(x) && !is_value(y)) a.ctx.unsupported("has no tensor operand");
  const int tx = is_value(x) ? value_of(x) : -1;
  const int ty = is_value(y) ? value_of(y) : a.tensor(y, tx, "y");
  return {tx >= 0 ? tx : a.tensor(x, ty, "x"), ty};
}

template <const char* Op>
int binary(OpArgs& a) {
  const auto [x, y] = operands(a, {"x", "x1", "a"}, {"y", "x2", "b"});
  return a.ctx.add(Op, Op, {x, y});
}

template <const char* Op>
int unary(OpArgs& a) {
  const int x = a.tensor(a.need(0, {"x", "features", "input", "a", "logits"}), -1, "x");
  return a.ctx.add(Op, Op, {x});
}

int square(OpArgs& a) {
  const int x = a.tensor(a.need(0, {"x"}), -1, "x");
  return a.ctx.add("Mul", "square", {x, x});
}

int rsqrt(OpArgs& a) {
  const int x = a.tensor(a.need(0, {"x"}), -1, "x");
  return a.ctx.add("Reciprocal", "rsqrt", {a.ctx.add("Sqrt", "sqrt", {x})});
}

// A float keyword argument of an activation (tf.nn.leaky_relu's alpha); `fallback` when absent.
float float_arg(OpArgs& a, std::size_t position, const char* name, float fallback) {
  const Json* j = a.find(position, {name});
  if (!j) return fallback;
  if (!j->is_number())
    a.ctx.unsupported(fmt::format("argument {}={} is not a number", name, j->dump()));
  return j->get<float>();
}

int activation_input(OpArgs& a) {
  return a.tensor(a.need(0, {"features", "x", "input", "logits"}), -1, "x");
}

int relu6(OpArgs& a) {
  return a.ctx.add("Clip", "relu6",
                   {activation_input(a), a.ctx.scalar("zero", 0.0f), a.ctx.scalar("six", 6.0f)});
}

int leaky_relu(OpArgs& a) {
  graph::Attributes attrs;
  attrs.set("alpha", float_arg(a, 1, "alpha", 0.2f));
  return a.ctx.add("LeakyRelu", "LeakyRelu", {activation_input(a)}, attrs);
}

// tf.nn.gelu(features, approximate=False): erf form, or the tanh form when approximate.
int gelu(OpArgs& a) {
  const Json* approximate = a.find(1, {"approximate"});
  graph::Attributes attrs;
  attrs.set(
      "approximate",
      std::string(approximate && approximate->is_boolean() && approximate->get<bool>() ? "tanh"
                                                                                       : "none"));
  return a.ctx.add("Gelu", "Gelu", {activation_input(a)}, attrs);
}

// tf.nn.silu / tf.nn.swish(features, beta=1.0): x * sigmoid(beta * x).
int silu(OpArgs& a) {
  const int x = activation_input(a);
  const float beta = float_arg(a, 1, "beta", 1.0f);
  const int scaled = beta == 1.0f ? x : a.ctx.add("Mul", "beta_x", {x, a.ctx.scalar("beta", beta)});
  return a.ctx.add("Mul", "silu", {x, a.ctx.add("Sigmoid", "sigmoid", {scaled})});
}

int log_softmax(OpArgs& a) {
  const int x = a.tensor(a.need(0, {"logits", "x"}), -1, "x");
  const Json* axis = a.find(1, {"axis", "dim"});
  graph::Attributes attrs;
  attrs.set("axis", axis ? ints(a.ctx, *axis).at(0) : int64_t{-1});
  return a.ctx.add("LogSoftmax", "LogSoftmax", {x}, attrs);
}

// tf.math.squared_difference(x, y) = (x - y)^2.
int squared_difference(OpArgs& a) {
  const auto [x, y] = operands(a, {"x"}, {"y"});
  const int d = a.ctx.add("Sub", "difference", {x, y});
  return a.ctx.add("Mul", "squared_difference", {d, d});
}

int identity(OpArgs& a) {
  return a.ctx.add("Identity", "Identity", {a.tensor(a.need(0, {"input", "x"}), -1, "x")});
}

int softmax(OpArgs& a) {
  const int x = a.tensor(a.need(0, {"logits", "x"}), -1, "x");
  const Json* axis = a.find(1, {"axis", "dim"});
  const std::vector<int64_t> axes = axis ? ints(a.ctx, *axis) : std::vector<int64_t>{-1};
  if (axes.size() != 1) a.ctx.unsupported("softmax over several axes is not supported");
  graph::Attributes attrs;
  attrs.set("axis", axes[0]);
  return a.ctx.add("Softmax", "Softmax", {x}, attrs);
}

template <const char* Op>
int reduce(OpArgs& a) {
  const int x = a.tensor(a.need(0, {"input_tensor", "x", "input"}), -1, "x");
  const Json* axis = a.find(1, {"axis", "reduction_indices"});
  const Json* keep = a.find(2, {"keepdims", "keep_dims"});
  graph::Attributes attrs;
  attrs.set("keepdims", int64_t{keep && keep->is_boolean() && keep->get<bool>() ? 1 : 0});
  std::vector<int> inputs = {x};
  if (axis) inputs.push_back(a.ctx.int64s("axes", ints(a.ctx, *axis)));
  return a.ctx.add(Op, Op, inputs, attrs);
}

int matmul(OpArgs& a) {
  const auto [x, y] = operands(a, {"a", "x1"}, {"b", "x2"});
  auto flag = [&](std::size_t position, const char* name) {
    const Json* j = a.find(position, {name});
    return j && j->is_boolean() && j->get<bool>();
  };
  auto last_two = [&](int v, const std::string& step) {
    std::vector<int64_t> perm(static_cast<std::size_t>(rank_of(a.ctx, v)));
    std::iota(perm.begin(), perm.end(), 0);
    std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
    return transpose(a.ctx, v, perm, step);
  };
  const int lhs = flag(2, "transpose_a") || flag(4, "adjoint_a") ? last_two(x, "a_t") : x;
  const int rhs = flag(3, "transpose_b") || flag(5, "adjoint_b") ? last_two(y, "b_t") : y;
  return a.ctx.add("MatMul", "MatMul", {lhs, rhs});
}

int reshape_op(OpArgs& a) {
  const int x = a.tensor(a.need(0, {"tensor", "x"}), -1, "x");
  const Json& shape = a.need(1, {"shape", "newshape", "new_shape"});
  int target;
  if (is_value(shape)) {
    target = cast(a.ctx, value_of(shape), DType::i64, "shape_i64");
  } else {
    target = a.ctx.int64s("shape", ints(a.ctx, shape));
  }
  graph::Attributes attrs;
  attrs.set("allowzero", int64_t{1});  // TensorFlow's 0 is an empty dimension, not "copy"
  return a.ctx.add("Reshape", "Reshape", {x, target}, attrs);
}

int transpose_op(OpArgs& a) {
  const int x = a.tensor(a.need(0, {"a", "x"}), -1, "x");
  const Json* perm = a.find(1, {"perm", "axes"});
  std::vector<int64_t> p;
  if (perm) {
    p = ints(a.ctx, *perm);
  } else {
    for (int64_t d = rank_of(a.ctx, x); d-- > 0;) p.push_back(d);
  }
  return transpose(a.ctx, x, p, "Transpose");
}

int expand_dims(OpArgs& a) {
  const int x = a.tensor(a.need(0, {"input", "x"}), -1, "x");
  return unsqueeze(a.ctx, x, ints(a.ctx, a.need(1, {"axis", "dim"})), "Unsqueeze");
}

int squeeze(OpArgs& a) {
  const int x = a.tensor(a.need(0, {"input", "x"}), -1, "x");
  const Json* axis = a.find(1, {"axis", "squeeze_dims"});
  std::vector<int> inputs = {x};
  if (axis && !(axis->is_array() && axis->empty()))
    inputs.push_back(a.ctx.int64s("axes", ints(a.ctx, *axis)));
  return a.ctx.add("Squeeze", "Squeeze", inputs);
}

std::vector<int> tensor_list(OpArgs& a, const Json& values) {
  std::vector<int> out;
  if (!values.is_array() || is_value(values)) return {a.tensor(values, -1, "value")};
  for (std::size_t i = 0; i < values.size(); ++i)
    out.push_back(a.tensor(values[i], -1, "value_" + std::to_string(i)));
  return out;
}

int concat(OpArgs& a) {
  const std::vector<int> values = tensor_list(a, a.need(0, {"values", "xs"}));
  const Json* axis = a.find(1, {"axis"});
  graph::Attributes attrs;
  attrs.set("axis", axis ? ints(a.ctx, *axis).at(0) : int64_t{0});
  return a.ctx.add("Concat", "Concat", values, attrs);
}

int stack(OpArgs& a) {
  std::vector<int> values = tensor_list(a, a.need(0, {"values", "x", "xs"}));
  const Json* axis = a.find(1, {"axis"});
  const int64_t at = axis ? ints(a.ctx, *axis).at(0) : 0;
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = unsqueeze(a.ctx, values[i], {at}, "stack_item_" + std::to_string(i));
  graph::Attributes attrs;
  attrs.set("axis", at);
  return a.ctx.add("Concat", "Stack", values, attrs);
}

int cast_op(OpArgs& a) {
  const int x = a.tensor(a.need(0, {"x"}), -1, "x");
  const Json& dtype = a.need(1, {"dtype"});
  std::string name = dtype.is_string() ? dtype.get<std::string>() : "";
  if (dtype.is_object() && dtype.contains("config")) name = dtype["config"].value("name", "");
  const std::optional<DType> to = dtype_from_name(name);
  if (!to) a.ctx.unsupported("cast to '" + dtype.dump() + "' is not supported");
  return cast(a.ctx, x, *to, "Cast");
}

int getitem_op(OpArgs& a) {
  const int x = a.tensor(a.need(0, {"tensor", "x"}), -1, "x");
  return getitem(a.ctx, x, a.need(1, {"slice_spec", "key"}));
}

int where(OpArgs& a) {
  const int c = cast(a.ctx, a.tensor(a.need(0, {"condition"}), -1, "condition"), DType::boolean,
                     "condition_bool");
  // Where(condition, x1, x2): the operands are arguments 1 and 2.
  OpArgs shifted{a.ctx, Json::array(), a.named};
  for (std::size_t i = 1; i < a.positional.size(); ++i)
    shifted.positional.push_back(a.positional[i]);
  const auto [x, y] = operands(shifted, {"x1", "x"}, {"x2", "y"});
  return a.ctx.add("Where", "Where", {c, x, y});
}

int clip(OpArgs& a) {
  const int x = a.tensor(a.need(0, {"x", "t"}), -1, "x");
  const int lo = a.tensor(a.need(1, {"x_min", "clip_value_min"}), x, "min");
  const int hi = a.tensor(a.need(2, {"x_max", "clip_value_max"}), x, "max");
  return a.ctx.add("Max", "clip_high", {a.ctx.add("Min", "clip_low", {x, hi}), lo});
}

// x != y (Keras 3 records Embedding(mask_zero)'s mask as NotEqual(ids, 0)).
int not_equal(OpArgs& a) {
  const auto [x, y] = operands(a, {"x", "x1", "a"}, {"y", "x2", "b"});
  return a.ctx.add("Not", "NotEqual", {a.ctx.add("Equal", "Equal", {x, y})});
}

constexpr char kSin[] = "Sin", kCos[] = "Cos", kSign[] = "Sign", kRound[] = "Round",
               kSoftplus[] = "Softplus", kSoftsign[] = "Softsign", kElu[] = "Elu", kSelu[] = "Selu";
constexpr char kAdd[] = "Add", kSub[] = "Sub", kMul[] = "Mul", kDiv[] = "Div", kMax[] = "Max",
               kMin[] = "Min", kPow[] = "Pow", kNeg[] = "Neg", kAbs[] = "Abs", kSqrt[] = "Sqrt",
               kExp[] = "Exp", kLog[] = "Log", kSigmoid[] = "Sigmoid", kTanh[] = "Tanh",
               kRelu[] = "Relu", kErf[] = "Erf", kReciprocal[] = "Reciprocal", kFloor[] = "Floor",
               kCeil[] = "Ceil", kEqual[] = "Equal", kGreater[] = "Greater",
               kGreaterOrEqual[] = "GreaterOrEqual", kLess[] = "Less",
               kLessOrEqual[] = "LessOrEqual", kAnd[] = "And", kOr[] = "Or", kNot[] = "Not",
               kReduceMean[] = "ReduceMean", kReduceSum[] = "ReduceSum", kReduceMax[] = "ReduceMax",
               kReduceMin[] = "ReduceMin", kReduceProd[] = "ReduceProd";

using Table = std::map<std::string, OpBuilder, std::less<>>;

const Table& tf_functions() {
  static const Table table = {
      {"math.add", binary<kAdd>},
      {"__operators__.add", binary<kAdd>},
      {"math.subtract", binary<kSub>},
      {"math.multiply", binary<kMul>},
      {"math.divide", binary<kDiv>},
      {"math.truediv", binary<kDiv>},
      {"math.maximum", binary<kMax>},
      {"math.minimum", binary<kMin>},
      {"math.pow", binary<kPow>},
      {"math.equal", binary<kEqual>},
      {"math.not_equal", not_equal},
      {"math.greater", binary<kGreater>},
      {"math.greater_equal", binary<kGreaterOrEqual>},
      {"math.less", binary<kLess>},
      {"math.less_equal", binary<kLessOrEqual>},
      {"math.sqrt", unary<kSqrt>},
      {"math.exp", unary<kExp>},
      {"math.log", unary<kLog>},
      {"math.abs", unary<kAbs>},
      {"math.negative", unary<kNeg>},
      {"math.sigmoid", unary<kSigmoid>},
      {"math.tanh", unary<kTanh>},
      {"math.reciprocal", unary<kReciprocal>},
      {"math.floor", unary<kFloor>},
      {"math.ceil", unary<kCeil>},
      {"math.erf", unary<kErf>},
      {"math.square", square},
      {"math.rsqrt", rsqrt},
      {"nn.relu", unary<kRelu>},
      {"nn.relu6", relu6},
      {"nn.leaky_relu", leaky_relu},
      {"nn.elu", unary<kElu>},
      {"nn.selu", unary<kSelu>},
      {"nn.gelu", gelu},
      {"nn.silu", silu},
      {"nn.swish", silu},
      {"math.softplus", unary<kSoftplus>},
      {"nn.softplus", unary<kSoftplus>},
      {"math.softsign", unary<kSoftsign>},
      {"nn.softsign", unary<kSoftsign>},
      {"math.sin", unary<kSin>},
      {"math.cos", unary<kCos>},
      {"math.sign", unary<kSign>},
      {"math.round", unary<kRound>},
      {"math.squared_difference", squared_difference},
      {"nn.log_softmax", log_softmax},
      {"math.log_softmax", log_softmax},
      {"nn.softmax", softmax},
      {"math.softmax", softmax},
      {"math.reduce_mean", reduce<kReduceMean>},
      {"math.reduce_sum", reduce<kReduceSum>},
      {"math.reduce_max", reduce<kReduceMax>},
      {"math.reduce_min", reduce<kReduceMin>},
      {"math.reduce_prod", reduce<kReduceProd>},
      {"compat.v1.reduce_mean", reduce<kReduceMean>},
      {"compat.v1.reduce_sum", reduce<kReduceSum>},
      {"compat.v1.reduce_max", reduce<kReduceMax>},
      {"linalg.matmul", matmul},
      {"reshape", reshape_op},
      {"transpose", transpose_op},
      {"compat.v1.transpose", transpose_op},
      {"expand_dims", expand_dims},
      {"compat.v1.expand_dims", expand_dims},
      {"squeeze", squeeze},
      {"compat.v1.squeeze", squeeze},
      {"concat", concat},
      {"stack", stack},
      {"cast", cast_op},
      {"identity", identity},
      {"clip_by_value", clip},
      {"__operators__.getitem", getitem_op},
  };
  return table;
}

// Keras 3 op classes (keras.src.ops.numpy / nn / math / core).
const Table& keras_ops() {
  static const Table table = {
      {"Add", binary<kAdd>},
      {"Subtract", binary<kSub>},
      {"Multiply", binary<kMul>},
      {"Divide", binary<kDiv>},
      {"TrueDivide", binary<kDiv>},
      {"Maximum", binary<kMax>},
      {"Minimum", binary<kMin>},
      {"Power", binary<kPow>},
      {"Equal", binary<kEqual>},
      {"NotEqual", not_equal},
      {"Greater", binary<kGreater>},
      {"GreaterEqual", binary<kGreaterOrEqual>},
      {"Less", binary<kLess>},
      {"LessEqual", binary<kLessOrEqual>},
      {"LogicalAnd", binary<kAnd>},
      {"LogicalOr", binary<kOr>},
      {"LogicalNot", unary<kNot>},
      {"Sqrt", unary<kSqrt>},
      {"Exp", unary<kExp>},
      {"Log", unary<kLog>},
      {"Abs", unary<kAbs>},
      {"Absolute", unary<kAbs>},
      {"Negative", unary<kNeg>},
      {"Sigmoid", unary<kSigmoid>},
      {"Tanh", unary<kTanh>},
      {"Relu", unary<kRelu>},
      {"Erf", unary<kErf>},
      {"Reciprocal", unary<kReciprocal>},
      {"Floor", unary<kFloor>},
      {"Ceil", unary<kCeil>},
      {"Square", square},
      {"Rsqrt", rsqrt},
      {"Softmax", softmax},
      {"Mean", reduce<kReduceMean>},
      {"Sum", reduce<kReduceSum>},
      {"Max", reduce<kReduceMax>},
      {"Min", reduce<kReduceMin>},
      {"Prod", reduce<kReduceProd>},
      {"Matmul", matmul},
      {"Reshape", reshape_op},
      {"Transpose", transpose_op},
      {"ExpandDims", expand_dims},
      {"Squeeze", squeeze},
      {"Concatenate", concat},
      {"Stack", stack},
      {"Cast", cast_op},
      {"Where", where},
      {"Clip", clip},
      {"GetItem", getitem_op},
  };
  return table;
}

std::vector<std::string> names(const Table& t) {
  std::vector<std::string> out;
  for (const auto& [name, builder] : t) out.push_back(name);
  return out;
}

}  // namespace

OpBuilder find_tf_function(std::string_view name) {
  auto it = tf_functions().find(name);
  return it == tf_functions().end() ? nullptr : it->second;
}
OpBuilder find_keras_op(std::string_view class_name) {
  auto it = keras_ops().find(class_name);
  return it == keras_ops().end() ? nullptr : it->second;
}
std::vector<std::string> tf_function_names() { return names(tf_functions()); }
std::vector<std::string> keras_op_names() { return names(keras_ops()); }
}  // namespace extra

}  // namespace nnload::formats::keras
