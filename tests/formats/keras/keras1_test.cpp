// Keras 1 configs: Convolution1D/2D and AtrousConvolution (border_mode valid/same/full,
// subsample, dim_ordering th/tf, both Convolution1D kernel layouts) against direct loops,
// theano's flipped kernels, Merge in every mode against loops, and the real Keras 1.2.2 files of
// ../shared/fixtures/real/keras_h5/dl4j_weights with their tensorflow/theano twins.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "formats/keras/model_builder.hpp"
#include "graph/executor.hpp"
#include "graph/passes/passes.hpp"
#include "nnload/keras.hpp"
#include "nnload/model.hpp"
#include "support/error_capture.hpp"
#include "support/fixtures.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::formats::keras {
namespace {

std::vector<Tensor> run_config(const std::string& json, LayerWeights weights,
                               const std::vector<Tensor>& inputs, const std::string& backend = "") {
  auto graph = std::make_shared<graph::Graph>();
  KerasVersion version = parse_keras_version("1.2.2");
  version.backend = backend;
  build_model(*graph, parse_model_config(Json::parse(json)), weights, version);
  graph::passes::sort_topologically(*graph);
  const graph::Executor executor(graph);
  return executor.run(inputs);
}

Tensor random_tensor(Shape shape, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist;
  Tensor t = Tensor::empty(DType::f32, shape);
  for (float& v : std::span<float>(t.mutable_data<float>(), static_cast<std::size_t>(t.numel())))
    v = dist(gen);
  return t;
}

// Cross-correlation of x [H, W, C] (one image, channels last) with k [R, S, C, F], zero padding
// (pad_top, pad_left) and output size (oh, ow), stride and dilation, plus bias.
Tensor correlate(const Tensor& x, const Tensor& k, const Tensor& bias, int64_t stride,
                 int64_t dilation, int64_t pad_top, int64_t pad_left, int64_t oh, int64_t ow) {
  const int64_t H = x.dim(1), W = x.dim(2), C = x.dim(3), R = k.dim(0), S = k.dim(1), F = k.dim(3),
                N = x.dim(0);
  std::vector<float> out;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        for (int64_t f = 0; f < F; ++f) {
          double acc = bias.value_as_double(f);
          for (int64_t r = 0; r < R; ++r)
            for (int64_t s = 0; s < S; ++s) {
              const int64_t y = i * stride + r * dilation - pad_top;
              const int64_t z = j * stride + s * dilation - pad_left;
              if (y < 0 || y >= H || z < 0 || z >= W) continue;
              for (int64_t c = 0; c < C; ++c)
                acc += x.value_as_double(((n * H + y) * W + z) * C + c) *
                       k.value_as_double(((r * S + s) * C + c) * F + f);
            }
          out.push_back(static_cast<float>(acc));
        }
  return Tensor::from_vector(out, {N, oh, ow, F});
}

// k [R, S, C, F] with both spatial axes reversed.
Tensor flipped(const Tensor& k) {
  const int64_t R = k.dim(0), S = k.dim(1), CF = k.dim(2) * k.dim(3);
  std::vector<float> out(static_cast<std::size_t>(k.numel()));
  for (int64_t r = 0; r < R; ++r)
    for (int64_t s = 0; s < S; ++s)
      for (int64_t i = 0; i < CF; ++i)
        out[static_cast<std::size_t>((r * S + s) * CF + i)] =
            k.data<float>()[((R - 1 - r) * S + (S - 1 - s)) * CF + i];
  return Tensor::from_vector(out, k.shape());
}

Tensor permuted(const Tensor& t, const std::vector<int64_t>& perm) {
  Shape shape;
  for (int64_t p : perm) shape.push_back(t.dim(p));
  Tensor out = Tensor::empty(DType::f32, shape);
  const std::size_t rank = perm.size();
  std::vector<int64_t> in_strides(rank, 1);
  for (std::size_t d = rank - 1; d > 0; --d)
    in_strides[d - 1] = in_strides[d] * t.dim(static_cast<int64_t>(d));
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < out.numel(); ++i) {
    int64_t rem = i, src = 0;
    for (std::size_t d = rank; d-- > 0;) {
      index[d] = rem % shape[d];
      rem /= shape[d];
    }
    for (std::size_t d = 0; d < rank; ++d)
      src += index[d] * in_strides[static_cast<std::size_t>(perm[d])];
    out.mutable_data<float>()[i] = t.data<float>()[src];
  }
  return out;
}

std::string sequential(const std::string& first_layer_config, const std::string& class_name) {
  return R"({"class_name": "Sequential", "config": [{"class_name": ")" + class_name +
         R"(", "config": )" + first_layer_config + "}]}";
}

LayerWeights conv_weights(const std::string& layer, const Tensor& w, const Tensor& b) {
  LayerWeights weights;
  weights.at(layer) = {{layer + "_W", w}, {layer + "_b", b}};
  return weights;
}

struct Conv2dCase {
  std::string border_mode;
  int64_t stride, dilation;
};

class Keras1Convolution2D : public ::testing::TestWithParam<Conv2dCase> {};

TEST_P(Keras1Convolution2D, TfAndThOrderingMatchTheLoop) {
  const Conv2dCase c = GetParam();
  const Tensor x = random_tensor({2, 7, 6, 3}, 1);
  const Tensor k = random_tensor({3, 2, 3, 4}, 2);  // [rows, cols, in, out]
  const Tensor b = random_tensor({4}, 3);
  const int64_t er = (3 - 1) * c.dilation + 1, ec = (2 - 1) * c.dilation + 1;
  int64_t oh, ow, pt = 0, pl = 0;
  if (c.border_mode == "valid") {
    oh = (7 - er) / c.stride + 1;
    ow = (6 - ec) / c.stride + 1;
  } else if (c.border_mode == "same") {
    oh = (7 + c.stride - 1) / c.stride;
    ow = (6 + c.stride - 1) / c.stride;
    pt = std::max<int64_t>((oh - 1) * c.stride + er - 7, 0) / 2;
    pl = std::max<int64_t>((ow - 1) * c.stride + ec - 6, 0) / 2;
  } else {  // full
    pt = er - 1;
    pl = ec - 1;
    oh = (7 + 2 * pt - er) / c.stride + 1;
    ow = (6 + 2 * pl - ec) / c.stride + 1;
  }
  const Tensor expected = correlate(x, k, b, c.stride, c.dilation, pt, pl, oh, ow);
  const std::string cls = c.dilation > 1 ? "AtrousConvolution2D" : "Convolution2D";
  const std::string common = R"("nb_filter": 4, "nb_row": 3, "nb_col": 2, "border_mode": ")" +
                             c.border_mode + R"(", "subsample": [)" + std::to_string(c.stride) +
                             ", " + std::to_string(c.stride) + R"(], "atrous_rate": [)" +
                             std::to_string(c.dilation) + ", " + std::to_string(c.dilation) +
                             R"(], "bias": true, "activation": "linear", "init": "glorot_uniform")";
  const auto tf = run_config(
      sequential(R"({"name": "c", "batch_input_shape": [null, 7, 6, 3], "dim_ordering": "tf", )" +
                     common + "}",
                 cls),
      conv_weights("c", k, b), {x});
  EXPECT_TRUE(testing::tensors_close(tf[0], expected, 1e-4, 1e-4)) << "tf";

  const auto th = run_config(
      sequential(R"({"name": "c", "batch_input_shape": [null, 3, 7, 6], "dim_ordering": "th", )" +
                     common + "}",
                 cls),
      conv_weights("c", permuted(k, {3, 2, 0, 1}), b), {permuted(x, {0, 3, 1, 2})});
  EXPECT_TRUE(testing::tensors_close(th[0], permuted(expected, {0, 3, 1, 2}), 1e-4, 1e-4)) << "th";
}

INSTANTIATE_TEST_SUITE_P(Modes, Keras1Convolution2D,
                         ::testing::Values(Conv2dCase{"valid", 1, 1}, Conv2dCase{"valid", 2, 1},
                                           Conv2dCase{"same", 1, 1}, Conv2dCase{"same", 2, 1},
                                           Conv2dCase{"full", 1, 1}, Conv2dCase{"valid", 1, 2},
                                           Conv2dCase{"same", 1, 2}));

TEST(Keras1Convolution, TheanoKernelsAreFlipped) {
  const Tensor x = random_tensor({1, 5, 5, 2}, 4);
  const Tensor k = random_tensor({3, 3, 2, 3}, 5);
  const Tensor b = random_tensor({3}, 6);
  const std::string json = sequential(
      R"({"name": "c", "batch_input_shape": [null, 5, 5, 2], "dim_ordering": "tf",
          "nb_filter": 3, "nb_row": 3, "nb_col": 3, "border_mode": "valid", "subsample": [1, 1]})",
      "Convolution2D");
  const auto th = run_config(json, conv_weights("c", k, b), {x}, "theano");
  EXPECT_TRUE(
      testing::tensors_close(th[0], correlate(x, flipped(k), b, 1, 1, 0, 0, 3, 3), 1e-4, 1e-4));
  const auto tf = run_config(json, conv_weights("c", k, b), {x}, "tensorflow");
  EXPECT_TRUE(testing::tensors_close(tf[0], correlate(x, k, b, 1, 1, 0, 0, 3, 3), 1e-4, 1e-4));
}

// Convolution1D on [batch, steps, channels] is a convolution over a 1-pixel-wide image.
TEST(Keras1Convolution, Convolution1DBothKernelLayouts) {
  const Tensor x = random_tensor({2, 9, 3}, 7);
  const Tensor k = random_tensor({3, 1, 3, 4}, 8);  // Keras 1.2: [length, 1, in, out]
  const Tensor b = random_tensor({4}, 9);
  const Tensor expected =
      correlate(x.reshaped({2, 9, 1, 3}), k, b, 2, 1, 0, 0, 4, 1).reshaped({2, 4, 4});
  const std::string json = sequential(
      R"({"name": "c", "batch_input_shape": [null, 9, 3], "nb_filter": 4, "filter_length": 3,
          "border_mode": "valid", "subsample_length": 2, "bias": true})",
      "Convolution1D");
  EXPECT_TRUE(testing::tensors_close(run_config(json, conv_weights("c", k, b), {x})[0], expected,
                                     1e-4, 1e-4));
  // Keras 1.1: [out, in, length, 1].
  const Tensor legacy = permuted(k, {3, 2, 0, 1});
  EXPECT_TRUE(testing::tensors_close(run_config(json, conv_weights("c", legacy, b), {x})[0],
                                     expected, 1e-4, 1e-4));
}

TEST(Keras1Convolution, KernelThatDoesNotFitTheConfig) {
  const std::string json = sequential(
      R"({"name": "c", "batch_input_shape": [null, 5, 5, 2], "dim_ordering": "tf",
          "nb_filter": 3, "nb_row": 2, "nb_col": 2, "border_mode": "valid"})",
      "Convolution2D");
  const auto weights = conv_weights("c", random_tensor({3, 3, 2, 3}, 1), random_tensor({3}, 2));
  EXPECT_EQ(testing::code_of([&] {
              run_config(json, weights, {random_tensor({1, 5, 5, 2}, 3)});
            }),
            ErrorCode::corrupt);
}

std::string merge_model(const std::string& merge_config, const std::string& shape) {
  return R"({"class_name": "Model", "config": {"name": "m", "layers": [
    {"class_name": "InputLayer", "name": "a", "config": {"name": "a", "batch_input_shape": )" +
         shape + R"(, "input_dtype": "float32"}, "inbound_nodes": []},
    {"class_name": "InputLayer", "name": "b", "config": {"name": "b", "batch_input_shape": )" +
         shape + R"(, "input_dtype": "float32"}, "inbound_nodes": []},
    {"class_name": "Merge", "name": "m", "config": )" +
         merge_config + R"(, "inbound_nodes": [[["a", 0, 0], ["b", 0, 0]]]}],
    "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": [["m", 0, 0]]}})";
}

std::string merge_config(const std::string& mode, const std::string& extra = "") {
  return R"({"name": "m", "mode": ")" + mode + R"(", "concat_axis": -1, "dot_axes": -1,
            "output_shape": null, "output_shape_type": "raw", "output_mask": null,
            "output_mask_type": "raw", "arguments": {}, "mode_type": "raw")" +
         extra + "}";
}

TEST(Keras1Merge, ElementwiseAndConcatModes) {
  const Tensor a = random_tensor({2, 3}, 11), b = random_tensor({2, 3}, 12);
  const std::string shape = "[null, 3]";
  auto run_mode = [&](const std::string& mode) {
    return run_config(merge_model(merge_config(mode), shape), {}, {a, b})[0];
  };
  std::vector<float> sum, mul, ave, max, concat;
  for (int i = 0; i < 6; ++i) {
    const float x = a.data<float>()[i], y = b.data<float>()[i];
    sum.push_back(x + y);
    mul.push_back(x * y);
    ave.push_back((x + y) / 2);
    max.push_back(std::max(x, y));
  }
  for (int r = 0; r < 2; ++r) {
    for (int i = 0; i < 3; ++i) concat.push_back(a.data<float>()[r * 3 + i]);
    for (int i = 0; i < 3; ++i) concat.push_back(b.data<float>()[r * 3 + i]);
  }
  EXPECT_TRUE(
      testing::tensors_close(run_mode("sum"), testing::make<float>(sum, {2, 3}), 1e-6, 1e-6));
  EXPECT_TRUE(
      testing::tensors_close(run_mode("mul"), testing::make<float>(mul, {2, 3}), 1e-6, 1e-6));
  EXPECT_TRUE(
      testing::tensors_close(run_mode("ave"), testing::make<float>(ave, {2, 3}), 1e-6, 1e-6));
  EXPECT_TRUE(
      testing::tensors_close(run_mode("max"), testing::make<float>(max, {2, 3}), 1e-6, 1e-6));
  EXPECT_TRUE(
      testing::tensors_close(run_mode("concat"), testing::make<float>(concat, {2, 6}), 1e-6, 1e-6));
}

TEST(Keras1Merge, DotAndCosModes) {
  const Tensor a = random_tensor({2, 3}, 13), b = random_tensor({2, 3}, 14);
  std::vector<float> dot, cos;
  for (int r = 0; r < 2; ++r) {
    double d = 0, na = 0, nb = 0;
    for (int i = 0; i < 3; ++i) {
      const double x = a.data<float>()[r * 3 + i], y = b.data<float>()[r * 3 + i];
      d += x * y;
      na += x * x;
      nb += y * y;
    }
    dot.push_back(static_cast<float>(d));
    cos.push_back(static_cast<float>(d / std::max(std::sqrt(na * nb), 1e-7)));
  }
  const auto d = run_config(merge_model(merge_config("dot"), "[null, 3]"), {}, {a, b})[0];
  EXPECT_TRUE(testing::tensors_close(d, testing::make<float>(dot, {2, 1}), 1e-5, 1e-5));
  const auto c = run_config(merge_model(merge_config("cos"), "[null, 3]"), {}, {a, b})[0];
  EXPECT_TRUE(testing::tensors_close(c, testing::make<float>(cos, {2, 1}), 1e-5, 1e-5));

  // Rank 3, dot_axes (2, 1): a batched matrix product.
  const Tensor p = random_tensor({2, 3, 3}, 15), q = random_tensor({2, 3, 3}, 16);
  std::vector<float> mm;
  for (int n = 0; n < 2; ++n)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        double acc = 0;
        for (int k = 0; k < 3; ++k)
          acc += p.data<float>()[n * 9 + i * 3 + k] * q.data<float>()[n * 9 + k * 3 + j];
        mm.push_back(static_cast<float>(acc));
      }
  std::string config = merge_config("dot");
  config.replace(config.find(R"("dot_axes": -1)"), 14, R"("dot_axes": [2, 1])");
  const auto m = run_config(merge_model(config, "[null, 3, 3]"), {}, {p, q})[0];
  EXPECT_TRUE(testing::tensors_close(m, testing::make<float>(mm, {2, 3, 3}), 1e-5, 1e-5));
}

TEST(Keras1Merge, UnsupportedForms) {
  const Tensor a = random_tensor({2, 3}, 1);
  EXPECT_EQ(testing::code_of([&] {
              run_config(merge_model(merge_config("frobnicate"), "[null, 3]"), {}, {a, a});
            }),
            ErrorCode::unsupported);
  const std::string merge_of_models = R"({"class_name": "Sequential", "config": [
    {"class_name": "Merge", "config": {"name": "m", "mode": "sum", "layers": [
      {"class_name": "Sequential", "config": []}, {"class_name": "Sequential", "config": []}]}}]})";
  EXPECT_EQ(testing::code_of([&] { run_config(merge_of_models, {}, {a}); }),
            ErrorCode::unsupported);  // the merged models are empty
}

// Keras 1's Sequential([Merge([left, right], mode="concat"), Dense(2)]), left = Dense(3) on 4
// features, right = Dense(2) on 5: the weights are stored by layer name (flattened_layers).
TEST(Keras1Merge, MergeOfSequentialModels) {
  const std::string json = R"({"class_name": "Sequential", "config": [
    {"class_name": "Merge", "config": {"name": "merge_1", "mode": "concat", "concat_axis": -1,
      "dot_axes": -1, "output_shape": null, "output_shape_type": "raw", "output_mask": null,
      "output_mask_type": "raw", "arguments": {}, "mode_type": "raw", "layers": [
      {"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "left",
        "output_dim": 3, "activation": "relu", "bias": true, "batch_input_shape": [null, 4],
        "input_dtype": "float32", "trainable": true}}]},
      {"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "right",
        "output_dim": 2, "activation": "linear", "bias": true, "batch_input_shape": [null, 5],
        "input_dtype": "float32", "trainable": true}}]}]}},
    {"class_name": "Dense", "config": {"name": "out", "output_dim": 2, "activation": "linear",
      "bias": true, "trainable": true}}]})";
  const Tensor wl = random_tensor({4, 3}, 21), bl = random_tensor({3}, 22);
  const Tensor wr = random_tensor({5, 2}, 23), br = random_tensor({2}, 24);
  const Tensor wo = random_tensor({5, 2}, 25), bo = random_tensor({2}, 26);
  LayerWeights weights;
  weights.at("left") = {{"left_W:0", wl}, {"left_b:0", bl}};
  weights.at("right") = {{"right_W:0", wr}, {"right_b:0", br}};
  weights.at("out") = {{"out_W:0", wo}, {"out_b:0", bo}};
  const Tensor x1 = random_tensor({3, 4}, 27), x2 = random_tensor({3, 5}, 28);
  const Tensor y = run_config(json, weights, {x1, x2})[0];

  auto dense = [](const Tensor& x, const Tensor& w, const Tensor& b, std::int64_t r, std::int64_t u,
                  bool relu) {
    double acc = b.value_as_double(u);
    for (std::int64_t i = 0; i < w.dim(0); ++i)
      acc += x.value_as_double(r * w.dim(0) + i) * w.value_as_double(i * w.dim(1) + u);
    return relu && acc < 0 ? 0.0 : acc;
  };
  std::vector<float> expected;
  for (std::int64_t r = 0; r < 3; ++r) {
    std::vector<double> h;
    for (std::int64_t u = 0; u < 3; ++u) h.push_back(dense(x1, wl, bl, r, u, true));
    for (std::int64_t u = 0; u < 2; ++u) h.push_back(dense(x2, wr, br, r, u, false));
    for (std::int64_t u = 0; u < 2; ++u) {
      double acc = bo.value_as_double(u);
      for (std::int64_t i = 0; i < 5; ++i) acc += h[i] * wo.value_as_double(i * 2 + u);
      expected.push_back(static_cast<float>(acc));
    }
  }
  EXPECT_TRUE(testing::tensors_close(y, testing::make<float>(expected, {3, 2}), 1e-5, 1e-5));
}

TEST(Keras1BatchNormalization, OnlyMode0) {
  const std::string json = sequential(
      R"({"name": "bn", "batch_input_shape": [null, 3], "epsilon": 0.001, "mode": 2, "axis": -1})",
      "BatchNormalization");
  LayerWeights weights;
  weights.at("bn") = {{"g", Tensor::zeros(DType::f32, {3})},
                      {"b", Tensor::zeros(DType::f32, {3})},
                      {"m", Tensor::zeros(DType::f32, {3})},
                      {"v", Tensor::zeros(DType::f32, {3})}};
  const std::string message = testing::message_of([&] {
    run_config(json, weights, {random_tensor({1, 3}, 1)});
  });
  EXPECT_NE(message.find("mode 2"), std::string::npos) << message;
}

// --- the real Keras 1.2.2 files (dl4j_weights): tensorflow and theano twins

std::filesystem::path dl4j(const std::string& name) {
  return testing::shared_fixtures() / "real/keras_h5/dl4j_weights" / name;
}

Tensor input_for(const Model& model, unsigned seed) {
  Shape shape = model.inputs()[0].shape;
  shape[0] = 2;
  if (model.inputs()[0].dtype == DType::i32) {  // embedding ids below input_dim (4)
    Tensor ids = Tensor::empty(DType::i32, shape);
    for (int64_t i = 0; i < ids.numel(); ++i)
      ids.mutable_data<int32_t>()[i] = static_cast<int32_t>((i * 7 + seed) % 4);
    return ids;
  }
  return random_tensor(shape, seed);
}

bool all_finite(const Tensor& t) {
  for (int64_t i = 0; i < t.numel(); ++i)
    if (!std::isfinite(t.value_as_double(i))) return false;
  return true;
}

class Dl4jTwin : public ::testing::TestWithParam<std::string> {};

TEST_P(Dl4jTwin, BothBackendsLoadAndPredictFiniteOutputsOfTheRightShape) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  for (const char* backend : {"tensorflow", "theano"}) {
    const Model model = load(dl4j(GetParam() + "_" + backend + "_1.h5"));
    EXPECT_EQ(model.info().metadata.at("backend").rfind(backend, 0), 0u)
        << model.info().metadata.at("backend");
    const Tensor x = input_for(model, 3);
    const Tensor y = model.predict({x})[0];
    EXPECT_TRUE(all_finite(y)) << GetParam() << " " << backend;
    Shape expected = model.outputs()[0].shape;
    expected[0] = 2;
    EXPECT_EQ(y.shape(), expected) << GetParam() << " " << backend;
  }
}

INSTANTIATE_TEST_SUITE_P(Keras1, Dl4jTwin,
                         ::testing::Values("conv2d", "conv2d_reshape", "batch_to_conv2d", "dense",
                                           "embedding_conv1d", "embedding_conv1d_flatten"));

// The twins' stored weights: dense and conv2d hold the very same numbers in both files (the
// others hold different random initialisations). Dense computes the same either way; the conv2d
// kernel is used as stored by TensorFlow (cross-correlation) and flipped by Theano (true
// convolution), so the twins' outputs differ exactly by that flip.
TEST(Dl4jTwins, DenseTwinsAgree) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Model tf = load(dl4j("dense_tensorflow_1.h5")), th = load(dl4j("dense_theano_1.h5"));
  const Tensor x = random_tensor({3, 4}, 21);
  EXPECT_TRUE(testing::tensors_close(tf.predict({x})[0], th.predict({x})[0], 0, 0));
}

TEST(Dl4jTwins, Conv2dTwinsDifferByTheTheanoFlip) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Model tf = load(dl4j("conv2d_tensorflow_1.h5")), th = load(dl4j("conv2d_theano_1.h5"));
  const Tensor k = tf.weight("convolution2d_1_W:0").to(DType::f32);
  const Tensor b = tf.weight("convolution2d_1_b:0").to(DType::f32);
  EXPECT_TRUE(testing::tensors_close(th.weight("convolution2d_1_W").to(DType::f32), k, 0, 0));
  const Tensor x = random_tensor({2, 5, 5, 5}, 22);
  const Tensor y_tf = tf.predict({x})[0], y_th = th.predict({x})[0];
  EXPECT_TRUE(testing::tensors_close(y_tf, correlate(x, k, b, 1, 1, 0, 0, 3, 3), 1e-3, 1e-5));
  EXPECT_TRUE(
      testing::tensors_close(y_th, correlate(x, flipped(k), b, 1, 1, 0, 0, 3, 3), 1e-3, 1e-5));
  EXPECT_FALSE(testing::tensors_close(y_tf, y_th, 1e-3, 1e-5));
}

// The one dl4j file whose model runs Python code (a Lambda around tf.space_to_depth): with a C++
// replacement registered for that Lambda, it loads and predicts what space_to_depth gives.
class SpaceToDepth2 final : public nnload::keras::CustomLayer {
 public:
  std::vector<Tensor> call(const std::vector<Tensor>& inputs) const override {
    const Tensor& x = inputs.at(0);
    const std::int64_t n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
    Tensor y = Tensor::empty(DType::f32, {n, h / 2, w / 2, 4 * c});
    const float* in = x.data<float>();
    float* out = y.mutable_data<float>();
    for (std::int64_t b = 0; b < n; ++b)
      for (std::int64_t i = 0; i < h / 2; ++i)
        for (std::int64_t j = 0; j < w / 2; ++j)
          for (std::int64_t dy = 0; dy < 2; ++dy)
            for (std::int64_t dx = 0; dx < 2; ++dx)
              for (std::int64_t k = 0; k < c; ++k)
                out[((b * (h / 2) + i) * (w / 2) + j) * 4 * c + (dy * 2 + dx) * c + k] =
                    in[((b * h + 2 * i + dy) * w + 2 * j + dx) * c + k];
    return {y};
  }
};

TEST(Dl4jLambda, SpaceToDepthRunsWithARegisteredReplacement) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const auto path = dl4j("space_to_depth_simple_tensorflow_1.h5");
  EXPECT_EQ(testing::code_of([&] { load(path); }), ErrorCode::custom_layer_missing);
  nnload::keras::register_layer("Lambda:space_to_depth_x2", [](const nnload::keras::LayerSpec&) {
    return std::make_shared<SpaceToDepth2>();
  });
  const Model model = load(path);
  nnload::keras::unregister_layer("Lambda:space_to_depth_x2");
  const Tensor x = random_tensor({2, 6, 6, 4}, 5);
  const Tensor y = model.predict({x})[0];
  EXPECT_EQ(y.shape(), (Shape{2, 3, 3, 16}));
  EXPECT_TRUE(all_finite(y));
  EXPECT_TRUE(testing::tensors_close(y, SpaceToDepth2().call({x})[0], 0, 0));
}

}  // namespace
}  // namespace nnload::formats::keras
