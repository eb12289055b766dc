// TF nn op builders: activations against their formulas (TensorFlow's constants and defaults),
// Softmax/LogSoftmax on the last axis, BiasAdd in both layouts, FusedBatchNorm in inference and
// training mode (Keras's LayerNormalization).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "formats/savedmodel/ops/tf_graph.hpp"
#include "ops/shape/op_test_util.hpp"
#include "support/error_capture.hpp"

namespace nnload::formats::savedmodel {
namespace {

using namespace tftest;
namespace nt = nnload::testing;

Tensor unary(const std::string& op, const Tensor& x, Attrs a = {}) {
  a["T"] = type_attr(x.dtype());
  return run_tf_graph1({placeholder("x", x.dtype()), node("op", op, {"x"}, a)}, {{"x", x}}, "op");
}

Tensor pointwise(const Tensor& x, const std::function<double(double)>& fn) {
  std::vector<double> v;
  for (std::int64_t i = 0; i < x.numel(); ++i) v.push_back(fn(x.value_as_double(i)));
  return Tensor::from_vector(v, x.shape()).to(x.dtype());
}

TEST(TfNnOps, ActivationsAgainstTheirFormulas) {
  const Tensor x = nt::random_floats({3, 7}, 4, -8.f, 8.f);
  const double selu_alpha = 1.6732632423543772848170429916717;
  const double selu_scale = 1.0507009873554804934193349852946;
  const std::vector<std::pair<std::string, std::function<double(double)>>> cases = {
      {"Relu", [](double v) { return std::max(v, 0.0); }},
      {"Relu6", [](double v) { return std::min(std::max(v, 0.0), 6.0); }},
      {"Elu", [](double v) { return v > 0 ? v : std::expm1(v); }},
      {"Selu", [&](double v) { return selu_scale * (v > 0 ? v : selu_alpha * std::expm1(v)); }},
      {"LeakyRelu", [](double v) { return v > 0 ? v : 0.2 * v; }},  // TensorFlow's default alpha
      {"Softplus", [](double v) { return std::log1p(std::exp(v)); }},
      {"Softsign", [](double v) { return v / (1 + std::abs(v)); }},
  };
  for (const auto& [op, fn] : cases) {
    SCOPED_TRACE(op);
    EXPECT_TRUE(same_tensor(unary(op, x), pointwise(x, fn), 1e-5, 1e-5));
  }
  EXPECT_TRUE(same_tensor(unary("LeakyRelu", x, {{"alpha", float_attr(0.05f)}}),
                          pointwise(x, [](double v) { return v > 0 ? v : 0.05 * v; }), 1e-6, 1e-6));
}

TEST(TfNnOps, IntegerReluAndSoftplusExtremes) {
  const Tensor i = nt::make<std::int32_t>({-3, 0, 4, 9}, {4});
  EXPECT_TRUE(same_tensor(unary("Relu", i), nt::make<std::int32_t>({0, 0, 4, 9}, {4})));
  EXPECT_TRUE(same_tensor(unary("Relu6", i), nt::make<std::int32_t>({0, 0, 4, 6}, {4})));
  const Tensor big = unary("Softplus", nt::make<float>({100.f, -100.f}, {2}));
  EXPECT_EQ(big.data<float>()[0], 100.f);
  EXPECT_NEAR(big.data<float>()[1], std::exp(-100.0), 1e-45);
}

TEST(TfNnOps, SoftmaxAndLogSoftmaxOnTheLastAxis) {
  const Tensor x = nt::random_floats({2, 3, 4}, 5, -3.f, 3.f);
  std::vector<double> soft, log_soft;
  for (std::int64_t row = 0; row < 6; ++row) {
    double total = 0;
    for (std::int64_t k = 0; k < 4; ++k) total += std::exp(x.value_as_double(row * 4 + k));
    for (std::int64_t k = 0; k < 4; ++k) {
      soft.push_back(std::exp(x.value_as_double(row * 4 + k)) / total);
      log_soft.push_back(x.value_as_double(row * 4 + k) - std::log(total));
    }
  }
  EXPECT_TRUE(same_tensor(unary("Softmax", x), Tensor::from_vector(soft, x.shape()).to(DType::f32),
                          1e-6, 1e-5));
  EXPECT_TRUE(same_tensor(unary("LogSoftmax", x),
                          Tensor::from_vector(log_soft, x.shape()).to(DType::f32), 1e-5, 1e-5));
}

Tensor bias_add(const std::string& op, const Tensor& x, const Tensor& bias, const char* format) {
  Attrs a = {{"T", type_attr(DType::f32)}};
  if (format) a["data_format"] = string_attr(format);
  return run_tf_graph1(
      {placeholder("x", DType::f32), const_node("b", bias), node("op", op, {"x", "b"}, a)},
      {{"x", x}}, "op");
}

// Adds bias[c] where c is the index along `axis`.
Tensor bias_reference(const Tensor& x, const Tensor& bias, std::int64_t axis) {
  std::int64_t inner = 1;
  for (std::int64_t d = axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
  std::vector<float> v;
  for (std::int64_t i = 0; i < x.numel(); ++i)
    v.push_back(x.data<float>()[i] + bias.data<float>()[(i / inner) % x.dim(axis)]);
  return Tensor::from_vector(v, x.shape());
}

TEST(TfNnOps, BiasAddOnTheChannelAxisOfEitherLayout) {
  const Tensor bias = nt::random_floats({3}, 1);
  const Tensor nhwc = nt::random_floats({2, 4, 5, 3}, 2);
  EXPECT_TRUE(same_tensor(bias_add("BiasAdd", nhwc, bias, nullptr), bias_reference(nhwc, bias, 3)));
  EXPECT_TRUE(same_tensor(bias_add("BiasAdd", nhwc, bias, "NHWC"), bias_reference(nhwc, bias, 3)));
  EXPECT_TRUE(
      same_tensor(bias_add("BiasAddV1", nhwc, bias, nullptr), bias_reference(nhwc, bias, 3)));
  const Tensor nchw = nt::random_floats({2, 3, 4, 5}, 3);
  EXPECT_TRUE(same_tensor(bias_add("BiasAdd", nchw, bias, "NCHW"), bias_reference(nchw, bias, 1)));
  // NCHW means axis 1 at any rank (TensorFlow's kernel), not the third axis from the end.
  const Tensor ncw = nt::random_floats({2, 3, 5}, 4);
  EXPECT_TRUE(same_tensor(bias_add("BiasAdd", ncw, bias, "NCHW"), bias_reference(ncw, bias, 1)));
  const Tensor ncdhw = nt::random_floats({1, 3, 2, 2, 2}, 4);
  EXPECT_TRUE(
      same_tensor(bias_add("BiasAdd", ncdhw, bias, "NCHW"), bias_reference(ncdhw, bias, 1)));
  EXPECT_EQ(nt::code_of([&] { bias_add("BiasAdd", nhwc, bias, "NCHW_VECT_C"); }),
            ErrorCode::unsupported);
}

struct BatchNormParams {
  Tensor scale = nt::random_floats({3}, 11, 0.5f, 2.f);
  Tensor offset = nt::random_floats({3}, 12);
  Tensor mean = nt::random_floats({3}, 13);
  Tensor variance = nt::random_floats({3}, 14, 0.1f, 2.f);
};

std::vector<Tensor> batch_norm(const std::string& op, const Tensor& x, const BatchNormParams& p,
                               Attrs a, int outputs) {
  a["T"] = type_attr(DType::f32);
  a["U"] = type_attr(DType::f32);
  std::vector<std::string> fetches;
  for (int i = 0; i < outputs; ++i) fetches.push_back("bn:" + std::to_string(i));
  return run_tf_graph(
      {placeholder("x", DType::f32), const_node("scale", p.scale), const_node("offset", p.offset),
       const_node("mean", p.mean), const_node("variance", p.variance),
       node("bn", op, {"x", "scale", "offset", "mean", "variance"}, a)},
      {{"x", x}}, fetches);
}

Tensor batch_norm_reference(const Tensor& x, const BatchNormParams& p, std::int64_t axis,
                            double eps) {
  std::int64_t inner = 1;
  for (std::int64_t d = axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
  std::vector<double> v;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const std::int64_t c = (i / inner) % x.dim(axis);
    v.push_back((x.value_as_double(i) - p.mean.value_as_double(c)) /
                    std::sqrt(p.variance.value_as_double(c) + eps) * p.scale.value_as_double(c) +
                p.offset.value_as_double(c));
  }
  return Tensor::from_vector(v, x.shape()).to(DType::f32);
}

TEST(TfNnOps, FusedBatchNormInference) {
  const BatchNormParams p;
  const Tensor nhwc = nt::random_floats({2, 4, 4, 3}, 1, -2.f, 2.f);
  for (const std::string op : {"FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3"}) {
    SCOPED_TRACE(op);
    const int count = op == "FusedBatchNormV3" ? 6 : 5;
    const std::vector<Tensor> out = batch_norm(
        op, nhwc, p, {{"is_training", bool_attr(false)}, {"epsilon", float_attr(0.001f)}}, count);
    ASSERT_EQ(out.size(), static_cast<std::size_t>(count));
    EXPECT_TRUE(same_tensor(out[0], batch_norm_reference(nhwc, p, 3, 0.001), 1e-5, 1e-5));
    EXPECT_TRUE(same_tensor(out[1], p.mean));
    EXPECT_TRUE(same_tensor(out[2], p.variance));
  }
  // epsilon defaults to 1e-4; NCHW and NCDHW normalise axis 1.
  const Tensor nchw = nt::random_floats({2, 3, 4, 5}, 2, -2.f, 2.f);
  EXPECT_TRUE(same_tensor(
      batch_norm("FusedBatchNormV3", nchw, p,
                 {{"is_training", bool_attr(false)}, {"data_format", string_attr("NCHW")}}, 1)[0],
      batch_norm_reference(nchw, p, 1, 1e-4), 1e-5, 1e-5));
  const Tensor ncdhw = nt::random_floats({1, 3, 2, 3, 2}, 3, -2.f, 2.f);
  EXPECT_TRUE(same_tensor(
      batch_norm("FusedBatchNormV3", ncdhw, p,
                 {{"is_training", bool_attr(false)}, {"data_format", string_attr("NCDHW")}}, 1)[0],
      batch_norm_reference(ncdhw, p, 1, 1e-4), 1e-5, 1e-5));
}

// Per-channel batch statistics of NHWC x: mean and biased variance over N, H, W.
std::pair<std::vector<double>, std::vector<double>> batch_stats(const Tensor& x) {
  const std::int64_t c = x.dim(3), n = x.numel() / c;
  std::vector<double> mean(static_cast<std::size_t>(c)), var(static_cast<std::size_t>(c));
  for (std::int64_t i = 0; i < x.numel(); ++i)
    mean[static_cast<std::size_t>(i % c)] += x.value_as_double(i) / static_cast<double>(n);
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double d = x.value_as_double(i) - mean[static_cast<std::size_t>(i % c)];
    var[static_cast<std::size_t>(i % c)] += d * d / static_cast<double>(n);
  }
  return {mean, var};
}

TEST(TfNnOps, FusedBatchNormTrainingUsesBatchStatistics) {
  BatchNormParams p;
  const Tensor x = nt::random_floats({2, 3, 4, 3}, 7, -2.f, 3.f);
  const auto [mean, var] = batch_stats(x);
  BatchNormParams batch = p;
  batch.mean = Tensor::from_vector(mean, {3}).to(DType::f32);
  batch.variance = Tensor::from_vector(var, {3}).to(DType::f32);
  // is_training defaults to true in TensorFlow's op definition.
  const std::vector<Tensor> out =
      batch_norm("FusedBatchNormV3", x, p, {{"epsilon", float_attr(0.01f)}}, 6);
  EXPECT_TRUE(same_tensor(out[0], batch_norm_reference(x, batch, 3, 0.01), 1e-5, 1e-5));
  EXPECT_TRUE(same_tensor(out[1], batch.mean, 1e-6, 1e-5));
  std::vector<double> unbiased;
  for (double v : var) unbiased.push_back(v * 24 / 23);
  EXPECT_TRUE(same_tensor(out[2], Tensor::from_vector(unbiased, {3}).to(DType::f32), 1e-6, 1e-5));
  // exponential_avg_factor blends the batch statistics into the running ones.
  const std::vector<Tensor> blended = batch_norm(
      "FusedBatchNormV3", x, p,
      {{"is_training", bool_attr(true)}, {"exponential_avg_factor", float_attr(0.25f)}}, 3);
  std::vector<double> running_mean;
  for (std::size_t c = 0; c < 3; ++c)
    running_mean.push_back(0.75 * p.mean.value_as_double(static_cast<std::int64_t>(c)) +
                           0.25 * mean[c]);
  EXPECT_TRUE(
      same_tensor(blended[1], Tensor::from_vector(running_mean, {3}).to(DType::f32), 1e-6, 1e-5));
}

// Keras 2's LayerNormalization(axis=-1): reshape to [1, rows, features, 1], FusedBatchNormV3 in
// training mode over NCHW with unit scale, empty mean and variance, then gamma and beta.
TEST(TfNnOps, KerasLayerNormalizationThroughFusedBatchNorm) {
  const Tensor x = nt::random_floats({2, 5}, 8, -3.f, 3.f);
  const Tensor gamma = nt::random_floats({5}, 9, 0.5f, 1.5f), beta = nt::random_floats({5}, 10);
  const Attrs f32 = {{"T", type_attr(DType::f32)}};
  const Tensor y =
      run_tf_graph1({placeholder("x", DType::f32, Shape{-1, 5}),
                     const_node("squeezed", nt::make<std::int32_t>({1, 2, 5, 1}, {4})),
                     node("reshape", "Reshape", {"x", "squeezed"}, f32),
                     const_node("ones", nt::make<float>({1, 1}, {2})),
                     const_node("zeros", nt::make<float>({0, 0}, {2})),
                     const_node("empty", Tensor::empty(DType::f32, {0})),
                     node("bn", "FusedBatchNormV3", {"reshape", "ones", "zeros", "empty", "empty"},
                          {{"T", type_attr(DType::f32)},
                           {"U", type_attr(DType::f32)},
                           {"epsilon", float_attr(0.001f)},
                           {"data_format", string_attr("NCHW")},
                           {"is_training", bool_attr(true)}}),
                     const_node("shape", nt::make<std::int32_t>({2, 5}, {2})),
                     node("back", "Reshape", {"bn", "shape"}, f32), const_node("gamma", gamma),
                     node("scaled", "Mul", {"back", "gamma"}, f32), const_node("beta", beta),
                     node("out", "AddV2", {"scaled", "beta"}, f32)},
                    {{"x", x}}, "out");
  std::vector<double> expected;
  for (std::int64_t r = 0; r < 2; ++r) {
    double mean = 0, var = 0;
    for (std::int64_t k = 0; k < 5; ++k) mean += x.value_as_double(r * 5 + k) / 5;
    for (std::int64_t k = 0; k < 5; ++k)
      var += std::pow(x.value_as_double(r * 5 + k) - mean, 2) / 5;
    for (std::int64_t k = 0; k < 5; ++k)
      expected.push_back((x.value_as_double(r * 5 + k) - mean) / std::sqrt(var + 0.001) *
                             gamma.value_as_double(k) +
                         beta.value_as_double(k));
  }
  EXPECT_TRUE(same_tensor(y, Tensor::from_vector(expected, {2, 5}).to(DType::f32), 1e-5, 1e-5));
}

TEST(TfNnOps, FusedBatchNormLayoutErrorsNameTheNode) {
  const BatchNormParams p;
  const Tensor x = nt::random_floats({1, 2, 2, 3}, 1);
  const std::string message = nt::message_of([&] {
    batch_norm("FusedBatchNormV3", x, p,
               {{"is_training", bool_attr(false)}, {"data_format", string_attr("NCHW_VECT_C")}}, 1);
  });
  EXPECT_NE(message.find("'bn'"), std::string::npos) << message;
  EXPECT_NE(message.find("NCHW_VECT_C"), std::string::npos) << message;
  EXPECT_EQ(nt::code_of([&] {
              batch_norm(
                  "FusedBatchNormV3", x, p,
                  {{"is_training", bool_attr(false)}, {"data_format", string_attr("NCHW_VECT_C")}},
                  1);
            }),
            ErrorCode::unsupported);
}

TEST(TfNnOps, StrippedDefaultsComeFromTheOpList) {
  // A stripped SavedModel leaves out attributes equal to their defaults; the op list gives them.
  tf::OpList list;
  tf::OpDef* def = list.add_op();
  def->set_name("LeakyRelu");
  tf::OpDef::AttrDef* alpha = def->add_attr();
  alpha->set_name("alpha");
  *alpha->mutable_default_value() = float_attr(0.5f);
  const OpDefaults defaults(list);
  const Tensor x = nt::make<float>({-2.f, 3.f}, {2});
  const std::vector<Tensor> y = run_tf_graph(
      {placeholder("x", DType::f32), node("op", "LeakyRelu", {"x"})}, {{"x", x}}, {"op"}, defaults);
  EXPECT_TRUE(same_tensor(y[0], nt::make<float>({-1.f, 3.f}, {2})));
}

}  // namespace
}  // namespace nnload::formats::savedmodel
