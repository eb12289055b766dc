// Op layers: tf.keras TFOpLambda / SlicingOpLambda (inbound nodes as tf.keras writes them,
// constants in place of the first argument included), TF 2.2-2.3 TensorFlowOpLayer NodeDefs,
// Keras 3 keras.ops op layers (.keras with a module, .h5 without), basic-indexing slicing, and
// IntegerLookup; each against values computed here.
#include <gtest/gtest.h>

#include <cmath>

#include "extra_test_support.hpp"
#include "support/error_capture.hpp"

namespace nnload {
namespace {

namespace k = testing::keras;
using k::Json;

const Tensor kX = k::random_tensor({2, 3, 4}, 1, 0.1f, 2.0f);  // positive (sqrt, log)
const Tensor kY = k::random_tensor({2, 3, 4}, 2);

float xv(int64_t i) { return kX.data<float>()[i]; }
float yv(int64_t i) { return kY.data<float>()[i]; }

// A tf.keras model: inputs x, y [3, 4]; one layer with tf.keras inbound nodes `inbound`.
std::vector<Tensor> run_tf(const std::string& cls, Json config, Json inbound,
                           std::vector<Tensor> extra_weights = {}) {
  Json model = k::functional({k::input_layer("x", {3, 4}), k::input_layer("y", {3, 4})}, {"x", "y"},
                             {Json{"op", 0, 0}});
  config["name"] = "op";
  model["config"]["layers"].push_back(
      {{"class_name", cls}, {"name", "op"}, {"config", config}, {"inbound_nodes", inbound}});
  return k::run(model, {{"op", extra_weights}}, {kX, kY}, "2.9.0");
}

std::vector<Tensor> lambda(const std::string& function, Json inbound) {
  return run_tf("TFOpLambda", {{"function", function}, {"trainable", true}, {"dtype", "float32"}},
                inbound);
}

Json x_with(Json kwargs) { return {{{"x", 0, 0, kwargs}}}; }

template <class Fn>
void expect_elementwise(const Tensor& t, Fn fn, double tol = 1e-5) {
  ASSERT_EQ(t.shape(), (Shape{2, 3, 4}));
  for (int64_t i = 0; i < 24; ++i) ASSERT_NEAR(t.data<float>()[i], fn(i), tol) << "element " << i;
}

TEST(KerasTFOpLambda, BinaryWithTensorAndConstantOperands) {
  expect_elementwise(lambda("math.add", x_with({{"y", {"y", 0, 0}}, {"name", nullptr}}))[0],
                     [](int64_t i) { return xv(i) + yv(i); });
  expect_elementwise(lambda("__operators__.add", x_with({{"y", 2.5}, {"name", nullptr}}))[0],
                     [](int64_t i) { return xv(i) + 2.5; });
  expect_elementwise(lambda("math.multiply", x_with({{"y", {"y", 0, 0}}}))[0],
                     [](int64_t i) { return xv(i) * yv(i); });
  expect_elementwise(lambda("math.truediv", x_with({{"y", 4}}))[0],
                     [](int64_t i) { return xv(i) / 4; });
  expect_elementwise(lambda("math.maximum", x_with({{"y", {"y", 0, 0}}}))[0],
                     [](int64_t i) { return std::max(xv(i), yv(i)); });
  expect_elementwise(lambda("math.pow", x_with({{"y", 2.0}}))[0],
                     [](int64_t i) { return xv(i) * xv(i); });
  // 3.0 - x: tf.keras writes the constant first argument as _CONSTANT_VALUE.
  expect_elementwise(
      lambda("math.subtract",
             {{{"_CONSTANT_VALUE", -1, 3.0, {{"y", {"x", 0, 0}}, {"name", nullptr}}}}})[0],
      [](int64_t i) { return 3.0 - xv(i); });
}

TEST(KerasTFOpLambda, BareNodesAsTfKerasWritesThem) {
  // TFOpLambda keeps its first argument's structure: one tensor is a bare [layer, node, tensor,
  // kwargs] node (one list level less than other layers), a constant a bare _CONSTANT_VALUE.
  const Json bare_x = Json::array({Json{"x", 0, 0, {{"y", {"y", 0, 0}}, {"name", nullptr}}}});
  expect_elementwise(lambda("math.subtract", bare_x)[0], [](int64_t i) { return xv(i) - yv(i); });
  const Json bare_constant =
      Json::array({Json{"_CONSTANT_VALUE", -1, 0.5, {{"y", {"y", 0, 0}}, {"name", nullptr}}}});
  expect_elementwise(lambda("math.truediv", bare_constant)[0],
                     [](int64_t i) { return 0.5 / yv(i); });
  const Json bare_slice =
      Json::array({Json{"x",
                        0,
                        0,
                        {{"slice_spec",
                          {{{"start", nullptr}, {"stop", nullptr}, {"step", nullptr}},
                           {{"start", 2}, {"stop", nullptr}, {"step", -1}}}}}}});
  const Tensor sliced =
      run_tf("SlicingOpLambda", {{"function", "__operators__.getitem"}}, bare_slice)[0];
  ASSERT_EQ(sliced.shape(), (Shape{2, 3, 4}));
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t r = 0; r < 3; ++r)
      for (int64_t c = 0; c < 4; ++c)
        ASSERT_EQ(sliced.data<float>()[(b * 3 + r) * 4 + c], xv((b * 3 + (2 - r)) * 4 + c));
}

TEST(KerasTFOpLambda, UnaryFunctions) {
  expect_elementwise(lambda("math.sqrt", x_with({}))[0],
                     [](int64_t i) { return std::sqrt(xv(i)); });
  expect_elementwise(lambda("math.log", x_with({}))[0], [](int64_t i) { return std::log(xv(i)); });
  expect_elementwise(lambda("math.negative", x_with({}))[0], [](int64_t i) { return -xv(i); });
  expect_elementwise(lambda("math.sigmoid", x_with({}))[0],
                     [](int64_t i) { return 1 / (1 + std::exp(-xv(i))); });
  expect_elementwise(lambda("math.square", x_with({}))[0], [](int64_t i) { return xv(i) * xv(i); });
  expect_elementwise(lambda("math.rsqrt", x_with({}))[0],
                     [](int64_t i) { return 1 / std::sqrt(xv(i)); });
  const Json y_first = {{{"y", 0, 0, {{"name", nullptr}}}}};
  expect_elementwise(lambda("nn.relu", y_first)[0],
                     [](int64_t i) { return std::max(yv(i), 0.0f); });
  expect_elementwise(lambda("math.abs", y_first)[0], [](int64_t i) { return std::abs(yv(i)); });
}

TEST(KerasTFOpLambda, ActivationFunctions) {
  const Json y_first = {{{"y", 0, 0, {}}}};
  auto sigmoid = [](double v) { return 1 / (1 + std::exp(-v)); };
  expect_elementwise(lambda("nn.leaky_relu", {{{"y", 0, 0, {{"alpha", 0.3}}}}})[0],
                     [](int64_t i) { return yv(i) > 0 ? yv(i) : 0.3 * yv(i); });
  expect_elementwise(lambda("nn.leaky_relu", y_first)[0],
                     [](int64_t i) { return yv(i) > 0 ? yv(i) : 0.2 * yv(i); });
  expect_elementwise(lambda("nn.elu", y_first)[0],
                     [](int64_t i) { return yv(i) > 0 ? yv(i) : std::exp(yv(i)) - 1; });
  expect_elementwise(lambda("nn.selu", y_first)[0], [](int64_t i) {
    const double scale = 1.0507009873554805, alpha = 1.6732632423543772;
    return scale * (yv(i) > 0 ? yv(i) : alpha * (std::exp(yv(i)) - 1));
  });
  expect_elementwise(lambda("nn.gelu", y_first)[0], [](int64_t i) {
    return 0.5 * yv(i) * (1 + std::erf(yv(i) / std::sqrt(2.0)));
  });
  expect_elementwise(lambda("nn.gelu", {{{"y", 0, 0, {{"approximate", true}}}}})[0], [](int64_t i) {
    const double v = yv(i);
    return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
  });
  expect_elementwise(lambda("nn.silu", y_first)[0],
                     [&](int64_t i) { return yv(i) * sigmoid(yv(i)); });
  expect_elementwise(lambda("nn.swish", {{{"y", 0, 0, {{"beta", 2.0}}}}})[0],
                     [&](int64_t i) { return yv(i) * sigmoid(2.0 * yv(i)); });
  expect_elementwise(lambda("math.softplus", y_first)[0],
                     [](int64_t i) { return std::log1p(std::exp(yv(i))); });
  expect_elementwise(lambda("nn.softsign", y_first)[0],
                     [](int64_t i) { return yv(i) / (1 + std::abs(yv(i))); });
  expect_elementwise(lambda("math.sin", y_first)[0], [](int64_t i) { return std::sin(yv(i)); });
  expect_elementwise(lambda("math.cos", y_first)[0], [](int64_t i) { return std::cos(yv(i)); });
  expect_elementwise(lambda("math.sign", y_first)[0], [](int64_t i) {
    return yv(i) > 0 ? 1.0 : yv(i) < 0 ? -1.0 : 0.0;
  });
  expect_elementwise(lambda("math.squared_difference", x_with({{"y", {"y", 0, 0}}}))[0],
                     [](int64_t i) { return (xv(i) - yv(i)) * (xv(i) - yv(i)); });
  const Tensor ls = lambda("nn.log_softmax", x_with({}))[0];
  for (int64_t r = 0; r < 6; ++r) {
    double sum = 0;
    for (int64_t c = 0; c < 4; ++c) sum += std::exp(xv(r * 4 + c));
    for (int64_t c = 0; c < 4; ++c)
      ASSERT_NEAR(ls.data<float>()[r * 4 + c], xv(r * 4 + c) - std::log(sum), 1e-5);
  }
}

TEST(KerasTFOpLambda, Relu6ClipsAtZeroAndSix) {
  // 8 * y crosses both bounds: a multiply layer feeds relu6.
  Json model = k::functional({k::input_layer("x", {3, 4}), k::input_layer("y", {3, 4})}, {"x", "y"},
                             {Json{"relu6", 0, 0}});
  auto add = [&](const std::string& name, const std::string& function, Json inbound) {
    model["config"]["layers"].push_back(
        {{"class_name", "TFOpLambda"},
         {"name", name},
         {"config", {{"name", name}, {"function", function}, {"trainable", true}}},
         {"inbound_nodes", inbound}});
  };
  add("times8", "math.multiply", Json{{"y", 0, 0, {{"y", 8.0}, {"name", nullptr}}}});
  add("relu6", "nn.relu6", Json{{"times8", 0, 0, {}}});
  const Tensor out = k::run(model, {}, {kX, kY}, "2.9.0")[0];
  expect_elementwise(out,
                     [](int64_t i) { return std::min(std::max(double(yv(i) * 8.0f), 0.0), 6.0); });
}

TEST(KerasTFOpLambda, SoftmaxAndReductions) {
  const Tensor s = lambda("nn.softmax", x_with({{"axis", 1}}))[0];
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t c = 0; c < 4; ++c) {
      double sum = 0;
      for (int64_t r = 0; r < 3; ++r) sum += std::exp(xv((b * 3 + r) * 4 + c));
      for (int64_t r = 0; r < 3; ++r)
        ASSERT_NEAR(s.data<float>()[(b * 3 + r) * 4 + c], std::exp(xv((b * 3 + r) * 4 + c)) / sum,
                    1e-6);
    }
  const Tensor mean = lambda("math.reduce_mean", x_with({{"axis", -1}, {"keepdims", true}}))[0];
  ASSERT_EQ(mean.shape(), (Shape{2, 3, 1}));
  for (int64_t r = 0; r < 6; ++r)
    ASSERT_NEAR(mean.data<float>()[r],
                (xv(r * 4) + xv(r * 4 + 1) + xv(r * 4 + 2) + xv(r * 4 + 3)) / 4, 1e-6);
  const Tensor sum = lambda("math.reduce_sum", x_with({{"axis", {1, 2}}}))[0];
  ASSERT_EQ(sum.shape(), (Shape{2}));
  double total = 0;
  for (int64_t i = 0; i < 12; ++i) total += xv(i);
  EXPECT_NEAR(sum.data<float>()[0], total, 1e-5);
  const Tensor all = lambda("math.reduce_max", x_with({}))[0];  // axis None: every axis
  ASSERT_EQ(all.shape(), Shape{});
  EXPECT_EQ(all.data<float>()[0], *std::max_element(kX.data<float>(), kX.data<float>() + 24));
}

TEST(KerasTFOpLambda, ShapeFunctions) {
  const Tensor r = lambda("reshape", x_with({{"shape", {-1, 12}}}))[0];
  EXPECT_EQ(r.shape(), (Shape{2, 12}));
  const Tensor t = lambda("compat.v1.transpose", x_with({{"perm", {0, 2, 1}}}))[0];
  ASSERT_EQ(t.shape(), (Shape{2, 4, 3}));
  EXPECT_EQ(t.data<float>()[1 * 3 + 2], xv(2 * 4 + 1));
  const Tensor rev = lambda("transpose", x_with({}))[0];  // perm None reverses
  EXPECT_EQ(rev.shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(lambda("expand_dims", x_with({{"axis", 1}}))[0].shape(), (Shape{2, 1, 3, 4}));
  const Tensor c =
      lambda("concat", {{{"x", 0, 0, {{"axis", -1}}}, {"y", 0, 0, {{"axis", -1}}}}})[0];
  ASSERT_EQ(c.shape(), (Shape{2, 3, 8}));
  EXPECT_EQ(c.data<float>()[5], yv(1));
  const Tensor st = lambda("stack", {{{"x", 0, 0, {{"axis", 1}}}, {"y", 0, 0, {{"axis", 1}}}}})[0];
  ASSERT_EQ(st.shape(), (Shape{2, 2, 3, 4}));
  EXPECT_EQ(st.data<float>()[12], yv(0));
  const Tensor cast = lambda("cast", x_with({{"dtype", "int32"}}))[0];
  ASSERT_EQ(cast.dtype(), DType::i32);
  EXPECT_EQ(cast.data<int32_t>()[0], static_cast<int32_t>(xv(0)));
  const Tensor mm = lambda("linalg.matmul", x_with({{"b", {"y", 0, 0}}, {"transpose_b", true}}))[0];
  ASSERT_EQ(mm.shape(), (Shape{2, 3, 3}));
  double dot = 0;
  for (int64_t i = 0; i < 4; ++i) dot += double(xv(4 + i)) * yv(8 + i);
  EXPECT_NEAR(mm.data<float>()[1 * 3 + 2], dot, 1e-5);
}

TEST(KerasTFOpLambda, SqueezeOfUnitAxis) {
  Json inbound = {{{"x", 0, 0, {{"axis", -1}, {"keepdims", true}}}}};
  Json model = k::functional({k::input_layer("x", {3, 4})}, {"x"}, {Json{"sq", 0, 0}});
  model["config"]["layers"].push_back(
      {{"class_name", "TFOpLambda"},
       {"name", "m"},
       {"config", {{"name", "m"}, {"function", "math.reduce_mean"}}},
       {"inbound_nodes", inbound}});
  model["config"]["layers"].push_back({{"class_name", "TFOpLambda"},
                                       {"name", "sq"},
                                       {"config", {{"name", "sq"}, {"function", "squeeze"}}},
                                       {"inbound_nodes", {{{"m", 0, 0, {{"axis", -1}}}}}}});
  EXPECT_EQ(k::run(model, {}, {kX}, "2.9.0")[0].shape(), (Shape{2, 3}));
}

Tensor slice(Json spec) {
  return run_tf("SlicingOpLambda", {{"function", "__operators__.getitem"}},
                x_with({{"slice_spec", spec}}))[0];
}

Json s(Json start, Json stop, Json step = nullptr) {
  return {{"start", start}, {"stop", stop}, {"step", step}};
}

TEST(KerasSlicingOpLambda, IntegersSlicesEllipsisNewaxis) {
  auto x_at = [](int64_t b, int64_t r, int64_t c) { return xv((b * 3 + r) * 4 + c); };
  Tensor t = slice({s(nullptr, nullptr), 1});  // x[:, 1]
  ASSERT_EQ(t.shape(), (Shape{2, 4}));
  EXPECT_EQ(t.data<float>()[4 + 2], x_at(1, 1, 2));
  t = slice({s(nullptr, nullptr), s(nullptr, nullptr, -1), s(1, 3)});  // x[:, ::-1, 1:3]
  ASSERT_EQ(t.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(t.data<float>()[0], x_at(0, 2, 1));
  t = slice({{{"class_name", "__ellipsis__"}}, -1});  // x[..., -1]
  ASSERT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.data<float>()[5], x_at(1, 2, 3));
  t = slice({s(nullptr, nullptr), nullptr, s(-2, nullptr),
             s(nullptr, nullptr, 2)});  // x[:, None, -2:, ::2]
  ASSERT_EQ(t.shape(), (Shape{2, 1, 2, 2}));
  EXPECT_EQ(t.data<float>()[3], x_at(0, 2, 2));
  t = slice(s(1, nullptr));  // x[1:]
  EXPECT_EQ(t.shape(), (Shape{1, 3, 4}));
  EXPECT_EQ(testing::code_of([&] {
              slice({s(nullptr, nullptr), 3});
            }),
            ErrorCode::corrupt);  // out of range
  EXPECT_EQ(testing::code_of([&] {
              slice({s(nullptr, nullptr), {"y", 0, 0}});
            }),
            ErrorCode::unsupported);
}

TEST(KerasTFOpLambda, UnknownFunctionNamesIt) {
  const std::string message = testing::message_of([&] { lambda("image.resize", x_with({})); });
  EXPECT_NE(message.find("tf.image.resize"), std::string::npos) << message;
}

TEST(KerasTensorFlowOpLayer, NodeDefsWithConstants) {
  auto node = [](const std::string& op, Json inputs, Json attr) {
    return Json{{"name", op}, {"op", op}, {"input", inputs}, {"attr", attr}};
  };
  const Json t_float = {{"T", {{"type", "DT_FLOAT"}}}};
  Tensor y =
      run_tf("TensorFlowOpLayer",
             {{"node_def", node("AddV2", {"x", "y"}, t_float)}, {"constants", Json::object()}},
             {{{"x", 0, 0, Json::object()}, {"y", 0, 0, Json::object()}}})[0];
  expect_elementwise(y, [](int64_t i) { return xv(i) + yv(i); });
  y = run_tf("TensorFlowOpLayer",
             {{"node_def", node("Mul", {"x", "Mul/y"}, t_float)}, {"constants", {{"1", 2.0}}}},
             {{{"x", 0, 0, Json::object()}}})[0];
  expect_elementwise(y, [](int64_t i) { return xv(i) * 2; });
  Json mean_attr = t_float;
  mean_attr["keep_dims"] = {{"b", false}};
  mean_attr["Tidx"] = {{"type", "DT_INT32"}};
  y = run_tf("TensorFlowOpLayer",
             {{"node_def", node("Mean", {"x", "Mean/reduction_indices"}, mean_attr)},
              {"constants", {{"1", {1}}}}},
             {{{"x", 0, 0, Json::object()}}})[0];
  ASSERT_EQ(y.shape(), (Shape{2, 4}));
  EXPECT_NEAR(y.data<float>()[1], (xv(1) + xv(5) + xv(9)) / 3, 1e-6);
  const std::string message = testing::message_of([&] {
    run_tf("TensorFlowOpLayer", {{"node_def", node("NoSuchOp", {"x"}, t_float)}},
           {{{"x", 0, 0, Json::object()}}});
  });
  EXPECT_NE(message.find("NoSuchOp"), std::string::npos) << message;
}

// --- Keras 3 op layers

// A Keras 3 model over x and y calling op `cls` with `args`; `module` empty for a legacy .h5.
Tensor run_keras_op(const std::string& cls, Json config, Json args, const std::string& module) {
  config["name"] = "op";
  Json layer = {{"class_name", cls},
                {"name", "op"},
                {"config", config},
                {"inbound_nodes", {{{"args", args}, {"kwargs", Json::object()}}}}};
  if (!module.empty()) layer["module"] = module;
  Json model = k::functional({k::input_layer("x", {3, 4}), k::input_layer("y", {3, 4})}, {"x", "y"},
                             {Json{"op", 0, 0}});
  model["config"]["layers"].push_back(layer);
  return k::run(model, {}, {kX, kY}, "3.5.0")[0];
}

TEST(KerasOpLayers, H5AndKerasFormsOfSimpleOps) {
  for (const char* module : {"", "keras.src.ops.numpy"}) {
    expect_elementwise(run_keras_op("Add", Json::object(), {k::ref("x"), k::ref("y")}, module),
                       [](int64_t i) { return xv(i) + yv(i); });
    expect_elementwise(run_keras_op("Multiply", Json::object(), {k::ref("x"), 0.5}, module),
                       [](int64_t i) { return xv(i) * 0.5; });
    expect_elementwise(run_keras_op("Subtract", Json::object(), {1, k::ref("y")}, module),
                       [](int64_t i) { return 1 - yv(i); });
    const Tensor sum =
        run_keras_op("Sum", {{"axis", 1}, {"keepdims", false}}, {k::ref("x")}, module);
    ASSERT_EQ(sum.shape(), (Shape{2, 4}));
    EXPECT_NEAR(sum.data<float>()[0], xv(0) + xv(4) + xv(8), 1e-6);
    EXPECT_EQ(run_keras_op("Reshape", {{"newshape", {-1, 2, 6}}}, {k::ref("x")}, module).shape(),
              (Shape{2, 2, 6}));
    EXPECT_EQ(run_keras_op("Transpose", {{"axes", {0, 2, 1}}}, {k::ref("y")}, module).shape(),
              (Shape{2, 4, 3}));
    // The call's one positional argument is the list of tensors. Json::array, not braces: from
    // {some_array}, clang makes a copy of the array and gcc an array holding it.
    const Tensor cat = run_keras_op("Concatenate", {{"axis", 1}},
                                    Json::array({Json::array({k::ref("x"), k::ref("y")})}), module);
    EXPECT_EQ(cat.shape(), (Shape{2, 6, 4}));
    const Json key = {{{"class_name", "__slice__"},
                       {"config", {{"start", nullptr}, {"stop", nullptr}, {"step", nullptr}}}},
                      1,
                      {{"class_name", "__slice__"},
                       {"config", {{"start", 2}, {"stop", nullptr}, {"step", nullptr}}}}};
    const Tensor item = run_keras_op("GetItem", Json::object(), {k::ref("x"), key}, module);
    ASSERT_EQ(item.shape(), (Shape{2, 2}));
    EXPECT_EQ(item.data<float>()[3], xv(12 + 4 + 3));
    expect_elementwise(run_keras_op("Softmax", {{"axis", -1}}, {k::ref("x")}, module),
                       [](int64_t i) {
                         double sum = 0;
                         for (int64_t j = 0; j < 4; ++j) sum += std::exp(xv(i / 4 * 4 + j));
                         return std::exp(xv(i)) / sum;
                       });
  }
}

TEST(KerasOpLayers, OrdinaryLayersWithTheSameClassNameStayLayers) {
  // The Add *layer* (trainable/dtype in its config) is the merge layer, called on a list.
  const Json model =
      k::functional({k::input_layer("x", {3, 4}), k::input_layer("y", {3, 4}),
                     k::layer("Add", "add", {{"dtype", "float32"}},
                              Json::array({Json::array({k::ref("x"), k::ref("y")})}))},
                    {"x", "y"}, {Json{"add", 0, 0}});
  expect_elementwise(k::run(model, {}, {kX, kY})[0], [](int64_t i) { return xv(i) + yv(i); });
}

// --- IntegerLookup

Tensor lookup(Json config, const std::vector<int64_t>& ids) {
  const Tensor x = Tensor::from_vector<int64_t>(ids, {1, static_cast<int64_t>(ids.size())});
  const Json model =
      k::functional({k::input_layer("x", {static_cast<int64_t>(ids.size())}, "int64"),
                     k::layer("IntegerLookup", "l", config, {k::ref("x")})},
                    {"x"}, {Json{"l", 0, 0}});
  return k::run(model, {}, {x})[0];
}

std::vector<int64_t> values(const Tensor& t) {
  return std::vector<int64_t>(t.data<int64_t>(), t.data<int64_t>() + t.numel());
}

TEST(KerasIntegerLookup, VocabularyOovAndMask) {
  const Json vocab = {12, 36, 1138, 42};
  EXPECT_EQ(values(lookup({{"vocabulary", vocab}}, {12, 1138, 13, 42, 36})),
            (std::vector<int64_t>{1, 3, 0, 4, 2}));
  EXPECT_EQ(values(lookup({{"vocabulary", vocab}, {"mask_token", 0}}, {0, 12, 7, 42})),
            (std::vector<int64_t>{0, 2, 1, 5}));
  EXPECT_EQ(values(lookup({{"vocabulary", vocab}, {"num_oov_indices", 0}}, {36, 99})),
            (std::vector<int64_t>{1, -1}));
  // A vocabulary that starts with the OOV token: Keras drops it.
  EXPECT_EQ(values(lookup({{"vocabulary", {-1, 12, 36}}}, {36, 12})), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(values(lookup({{"vocabulary", vocab}, {"invert", true}}, {1, 4, 0, 9})),
            (std::vector<int64_t>{12, 42, -1, -1}));
}

TEST(KerasIntegerLookup, UnsupportedForms) {
  EXPECT_EQ(testing::code_of([&] {
              lookup({{"vocabulary", nullptr}}, {1});
            }),
            ErrorCode::unsupported);
  EXPECT_EQ(testing::code_of([&] {
              lookup({{"vocabulary", {1, 2}}, {"output_mode", "multi_hot"}}, {1});
            }),
            ErrorCode::unsupported);
  EXPECT_EQ(testing::code_of([&] {
              lookup({{"vocabulary", {1, 2}}, {"num_oov_indices", 3}}, {1});
            }),
            ErrorCode::unsupported);
}

}  // namespace
}  // namespace nnload
