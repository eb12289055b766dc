#include "ops/conv/conv.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "ops/conv/op_test_util.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::testing {
namespace {

using ops::run_op;

struct Spec {
  Shape x, w;
  std::int64_t group = 1;
  Ints strides, dilations, pads;  // pads: [begin..., end...]; empty = 0
  bool bias = false;
};

// Reference conv: zero-pad the input explicitly, then a dense correlation, in double.
template <class T>
Tensor reference_conv(const Tensor& x, const Tensor& w, const Tensor* b, const Spec& s) {
  const std::size_t k = x.shape().size() - 2;
  auto at = [&](const Ints& v, std::size_t i, std::int64_t fallback) {
    return v.empty() ? fallback : v[i];
  };
  // Work in 3 spatial dims: prepend size-1 axes.
  std::array<std::int64_t, 3> in{1, 1, 1}, ker{1, 1, 1}, st{1, 1, 1}, dil{1, 1, 1}, pb{}, pe{};
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t j = 3 - k + i;
    in[j] = x.shape()[2 + i];
    ker[j] = w.shape()[2 + i];
    st[j] = at(s.strides, i, 1);
    dil[j] = at(s.dilations, i, 1);
    pb[j] = at(s.pads, i, 0);
    pe[j] = at(s.pads, i + k, 0);
  }
  const std::int64_t N = x.shape()[0], C = x.shape()[1], M = w.shape()[0];
  const std::int64_t cg = C / s.group, mg = M / s.group;
  std::array<std::int64_t, 3> padded{}, out{};
  for (int i = 0; i < 3; ++i) {
    padded[i] = in[i] + pb[i] + pe[i];
    out[i] = (padded[i] - (dil[i] * (ker[i] - 1) + 1)) / st[i] + 1;
  }
  std::vector<double> xp(static_cast<std::size_t>(N * C * padded[0] * padded[1] * padded[2]), 0.0);
  const T* xd = x.data<T>();
  for (std::int64_t nc = 0; nc < N * C; ++nc)
    for (std::int64_t d = 0; d < in[0]; ++d)
      for (std::int64_t h = 0; h < in[1]; ++h)
        for (std::int64_t ww = 0; ww < in[2]; ++ww)
          xp[static_cast<std::size_t>(
              ((nc * padded[0] + d + pb[0]) * padded[1] + h + pb[1]) * padded[2] + ww + pb[2])] =
              xd[((nc * in[0] + d) * in[1] + h) * in[2] + ww];
  Shape y_shape{N, M};
  for (std::size_t i = 0; i < k; ++i) y_shape.push_back(out[3 - k + i]);
  Tensor y = Tensor::empty(dtype_of<T>(), y_shape);
  T* yd = y.mutable_data<T>();
  const T* wd = w.data<T>();
  std::int64_t idx = 0;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t m = 0; m < M; ++m)
      for (std::int64_t od = 0; od < out[0]; ++od)
        for (std::int64_t oh = 0; oh < out[1]; ++oh)
          for (std::int64_t ow = 0; ow < out[2]; ++ow) {
            double acc = b ? b->data<T>()[m] : 0.0;
            const std::int64_t g = m / mg;
            for (std::int64_t c = 0; c < cg; ++c)
              for (std::int64_t a = 0; a < ker[0]; ++a)
                for (std::int64_t bb = 0; bb < ker[1]; ++bb)
                  for (std::int64_t e = 0; e < ker[2]; ++e) {
                    const std::int64_t pd = od * st[0] + a * dil[0];
                    const std::int64_t ph = oh * st[1] + bb * dil[1];
                    const std::int64_t pw = ow * st[2] + e * dil[2];
                    acc +=
                        xp[static_cast<std::size_t>(
                            (((n * C + g * cg + c) * padded[0] + pd) * padded[1] + ph) * padded[2] +
                            pw)] *
                        wd[(((m * cg + c) * ker[0] + a) * ker[1] + bb) * ker[2] + e];
                  }
            yd[idx++] = static_cast<T>(acc);
          }
  return y;
}

graph::Attributes conv_attrs(const Spec& s) {
  graph::Attributes a;
  if (s.group != 1) a.set("group", s.group);
  if (!s.strides.empty()) a.set("strides", s.strides);
  if (!s.dilations.empty()) a.set("dilations", s.dilations);
  if (!s.pads.empty()) a.set("pads", s.pads);
  return a;
}

std::vector<Spec> random_specs() {
  return {
      {{2, 4, 9}, {6, 4, 3}, 1, {2}, {}, {1, 1}, true},
      {{1, 3, 7, 6}, {5, 3, 3, 2}, 1, {2, 1}, {1, 2}, {1, 0, 2, 1}, true},
      {{2, 4, 6, 6}, {6, 2, 3, 3}, 2, {}, {}, {1, 1, 1, 1}, false},
      {{1, 8, 9, 9}, {8, 1, 3, 3}, 8, {2, 2}, {}, {1, 1, 1, 1}, true},
      {{1, 4, 5, 5}, {8, 1, 3, 3}, 4, {}, {}, {}, true},
      {{1, 2, 5, 6, 4}, {3, 2, 3, 2, 2}, 1, {1, 2, 1}, {2, 1, 1}, {1, 0, 1, 1, 1, 0}, true},
      {{1, 32, 10, 10}, {32, 32, 3, 3}, 1, {}, {}, {1, 1, 1, 1}, true},
      {{2, 16, 5, 5}, {8, 16, 1, 1}, 1, {}, {}, {}, false},
      {{1, 32, 12, 12}, {32, 1, 3, 3}, 32, {}, {2, 2}, {2, 2, 2, 2}, true},
      {{1, 2, 4, 4}, {2, 2, 2, 2}, 1, {}, {}, {2, 0, 0, 2}, false},
      {{1, 24, 7, 7, 7}, {16, 24, 3, 3, 3}, 1, {2, 2, 2}, {}, {1, 1, 1, 1, 1, 1}, true},
  };
}

std::vector<Tensor> conv_inputs(const Spec& s, std::uint32_t seed) {
  std::vector<Tensor> in{random_tensor(s.x, seed), random_tensor(s.w, seed + 1)};
  if (s.bias) in.push_back(random_tensor({s.w[0]}, seed + 2));
  return in;
}

TEST(Conv, OnnxBasicWithAndWithoutPadding) {
  std::vector<float> x(25);
  for (int i = 0; i < 25; ++i) x[static_cast<std::size_t>(i)] = static_cast<float>(i);
  const Tensor X = make<float>(x, {1, 1, 5, 5});
  const Tensor W = make<float>(std::vector<float>(9, 1.0f), {1, 1, 3, 3});
  const Tensor padded = run_op(
      "Conv", {X, W}, attrs_of({{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}}))[0];
  EXPECT_TRUE(tensors_close(
      padded, make<float>({12,  21, 27, 33,  24,  33,  54,  63, 72,  51,  63,  99, 108,
                           117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84},
                          {1, 1, 5, 5})));
  const Tensor valid = run_op("Conv", {X, W}, {})[0];
  EXPECT_TRUE(
      tensors_close(valid, make<float>({54, 63, 72, 99, 108, 117, 144, 153, 162}, {1, 1, 3, 3})));
}

TEST(Conv, OnnxStridesWithPadding) {
  std::vector<float> x(35);
  for (int i = 0; i < 35; ++i) x[static_cast<std::size_t>(i)] = static_cast<float>(i);
  const Tensor y =
      run_op("Conv",
             {make<float>(x, {1, 1, 7, 5}), make<float>(std::vector<float>(9, 1.0f), {1, 1, 3, 3})},
             attrs_of({{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}))[0];
  EXPECT_TRUE(tensors_close(
      y, make<float>({12, 27, 24, 63, 108, 81, 123, 198, 141, 112, 177, 124}, {1, 1, 4, 3})));
}

TEST(Conv, MatchesReferenceOnRandomData) {
  std::uint32_t seed = 1;
  for (const Spec& s : random_specs()) {
    const auto in = conv_inputs(s, seed += 7);
    const Tensor y = run_op("Conv", in, conv_attrs(s))[0];
    const Tensor expected = reference_conv<float>(in[0], in[1], s.bias ? &in[2] : nullptr, s);
    EXPECT_TRUE(tensors_close(y, expected, 1e-4, 1e-4))
        << shape_to_list(s.x) << " w " << shape_to_list(s.w);
  }
}

TEST(Conv, Float64MatchesReference) {
  std::uint32_t seed = 100;
  for (const Spec& s : random_specs()) {
    std::vector<Tensor> in{random_tensor<double>(s.x, seed), random_tensor<double>(s.w, seed + 1)};
    if (s.bias) in.push_back(random_tensor<double>({s.w[0]}, seed + 2));
    seed += 3;
    const Tensor y = run_op("Conv", in, conv_attrs(s))[0];
    ASSERT_EQ(y.dtype(), DType::f64);
    EXPECT_TRUE(tensors_close(y, reference_conv<double>(in[0], in[1], s.bias ? &in[2] : nullptr, s),
                              1e-12, 1e-12));
  }
}

TEST(Conv, RuntimeWeightsMatchConstantWeights) {
  std::uint32_t seed = 200;
  for (const Spec& s : random_specs()) {
    const auto in = conv_inputs(s, seed += 5);
    const std::vector<std::size_t> runtime =
        s.bias ? std::vector<std::size_t>{1, 2} : std::vector<std::size_t>{1};
    const Tensor y = run_op_runtime("Conv", in, conv_attrs(s), runtime)[0];
    EXPECT_TRUE(tensors_close(y, reference_conv<float>(in[0], in[1], s.bias ? &in[2] : nullptr, s),
                              1e-4, 1e-4))
        << shape_to_list(s.x);
  }
}

// TensorFlow's SAME: out = ceil(in / stride), the odd pad at the end (SAME_UPPER) or start.
Ints same_pads(const Shape& x, const Shape& w, const Ints& strides, bool upper) {
  const std::size_t k = x.size() - 2;
  Ints pads(2 * k);
  for (std::size_t i = 0; i < k; ++i) {
    const std::int64_t in = x[2 + i], s = strides[i];
    const std::int64_t out = (in + s - 1) / s;
    const std::int64_t total = std::max<std::int64_t>((out - 1) * s + w[2 + i] - in, 0);
    pads[i] = upper ? total / 2 : total - total / 2;
    pads[i + k] = total - pads[i];
  }
  return pads;
}

TEST(Conv, AutoPadModes) {
  const Spec base{{1, 3, 9, 6}, {4, 3, 4, 3}, 1, {2, 2}, {}, {}, true};  // odd total pads
  const auto in = conv_inputs(base, 300);
  for (const char* mode : {"SAME_UPPER", "SAME_LOWER"}) {
    Spec s = base;
    s.pads = same_pads(s.x, s.w, s.strides, std::string(mode) == "SAME_UPPER");
    graph::Attributes a = conv_attrs(base);
    a.set("auto_pad", std::string(mode));
    const Tensor y = run_op("Conv", in, a)[0];
    EXPECT_EQ(y.shape(), (Shape{1, 4, 5, 3}));
    EXPECT_TRUE(tensors_close(y, reference_conv<float>(in[0], in[1], &in[2], s), 1e-4, 1e-4))
        << mode;
  }
  graph::Attributes valid = conv_attrs(base);
  valid.set("auto_pad", std::string("VALID"));
  valid.set("pads", Ints{5, 5, 5, 5});  // ignored under VALID
  EXPECT_TRUE(tensors_close(run_op("Conv", in, valid)[0],
                            reference_conv<float>(in[0], in[1], &in[2], base), 1e-4, 1e-4));
}

TEST(Conv, ChannelsLastMatchesChannelsFirst) {
  std::uint32_t seed = 400;
  for (const Spec& s : random_specs()) {
    const auto in = conv_inputs(s, seed += 3);
    const Tensor expected = run_op("Conv", in, conv_attrs(s))[0];
    std::vector<Tensor> last = in;
    last[0] = move_channels(in[0], true);
    graph::Attributes a = conv_attrs(s);
    a.set("channels_last", std::int64_t{1});
    const Tensor y = run_op("Conv", last, a, 1, "nnload", 1)[0];
    EXPECT_TRUE(tensors_close(y, move_channels(expected, true), 1e-4, 1e-4)) << shape_to_list(s.x);
    // The ONNX-domain op reads the extension too.
    EXPECT_TRUE(
        tensors_close(run_op("Conv", last, a)[0], move_channels(expected, true), 1e-4, 1e-4));
  }
}

float activate(const std::string& name, float v, float alpha, float beta) {
  if (name == "Relu") return std::max(v, 0.0f);
  if (name == "LeakyRelu") return v >= 0 ? v : alpha * v;
  if (name == "Clip") return std::min(std::max(v, alpha), beta);
  if (name == "Sigmoid") return 1 / (1 + std::exp(-v));
  if (name == "Tanh") return std::tanh(v);
  if (name == "Softsign") return v / (1 + std::abs(v));
  if (name == "HardSigmoid") return std::max(0.0f, std::min(1.0f, alpha * v + beta));
  if (name == "Selu") return beta * (v > 0 ? v : alpha * (std::exp(v) - 1));
  if (name == "Elu") return v >= 0 ? v : alpha * (std::exp(v) - 1);
  if (name == "Gelu") return 0.5f * v * (1 + std::erf(v / std::sqrt(2.0f)));
  if (name == "HardSwish") return v * std::max(0.0f, std::min(1.0f, v / 6 + 0.5f));
  ADD_FAILURE() << "no reference for " << name;
  return v;
}

Tensor activated(Tensor t, const std::string& name, float alpha, float beta) {
  Tensor out = t.clone();
  float* p = out.mutable_data<float>();
  for (std::int64_t i = 0; i < out.numel(); ++i) p[i] = activate(name, p[i], alpha, beta);
  return out;
}

TEST(Conv, FusedActivationMatchesSeparate) {
  const Spec s{{1, 16, 6, 6}, {16, 16, 3, 3}, 1, {}, {}, {1, 1, 1, 1}, true};
  const auto in = conv_inputs(s, 500);
  const Tensor plain = reference_conv<float>(in[0], in[1], &in[2], s);
  struct Act {
    const char* name;
    float alpha, beta;
  };
  for (const Act& act : {Act{"Relu", 0, 0}, Act{"LeakyRelu", 0.1f, 0}, Act{"Clip", -0.5f, 0.5f},
                         Act{"Sigmoid", 0, 0}, Act{"Tanh", 0, 0}, Act{"Softsign", 0, 0},
                         Act{"HardSigmoid", 0.3f, 0.4f}, Act{"Selu", 1.5f, 1.1f},
                         Act{"Elu", 0.7f, 0}, Act{"Gelu", 0, 0}, Act{"HardSwish", 0, 0}}) {
    graph::Attributes a = conv_attrs(s);
    a.set("activation", std::string(act.name));
    a.set("activation_alpha", static_cast<double>(act.alpha));
    a.set("activation_beta", static_cast<double>(act.beta));
    const Tensor y = run_op("Conv", in, a, 1, "nnload", 1)[0];
    EXPECT_TRUE(tensors_close(y, activated(plain, act.name, act.alpha, act.beta), 1e-4, 1e-4))
        << act.name;
  }
  graph::Attributes leaky = conv_attrs(s);
  leaky.set("activation", std::string("LeakyRelu"));  // default alpha 0.01
  EXPECT_TRUE(tensors_close(run_op("Conv", in, leaky)[0], activated(plain, "LeakyRelu", 0.01f, 0),
                            1e-4, 1e-4));
  graph::Attributes unknown = conv_attrs(s);
  unknown.set("activation", std::string("Frobnicate"));
  EXPECT_THROW(run_op("Conv", in, unknown), Error);
}

TEST(Conv, ZeroBatch) {
  const Tensor y =
      run_op("Conv", {Tensor::empty(DType::f32, {0, 3, 5, 5}), random_tensor({4, 3, 3, 3}, 1)},
             attrs_of({{"pads", Ints{1, 1, 1, 1}}}))[0];
  EXPECT_EQ(y.shape(), (Shape{0, 4, 5, 5}));
}

TEST(Conv, ErrorsStateTheFacts) {
  const Tensor x = random_tensor({1, 3, 5, 5}, 1);
  auto expect_error = [&](const std::vector<Tensor>& in, const graph::Attributes& a,
                          ErrorCode code) {
    try {
      run_op("Conv", in, a);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
    }
  };
  expect_error({x, random_tensor({4, 2, 3, 3}, 2)}, {}, ErrorCode::shape);  // channel mismatch
  expect_error({x, random_tensor({4, 3, 3}, 2)}, {}, ErrorCode::shape);     // weight rank
  expect_error({x, random_tensor({4, 1, 3, 3}, 2)}, attrs_of({{"group", std::int64_t{2}}}),
               ErrorCode::shape);  // 3 % 2
  expect_error({random_tensor({1, 4, 5, 5}, 1), random_tensor({3, 2, 3, 3}, 2)},
               attrs_of({{"group", std::int64_t{2}}}), ErrorCode::shape);  // M % group
  expect_error({x, random_tensor({4, 3, 3, 3}, 2)}, attrs_of({{"group", std::int64_t{0}}}),
               ErrorCode::invalid_argument);
  expect_error({x, random_tensor({4, 3, 3, 3}, 2)}, attrs_of({{"kernel_shape", Ints{2, 2}}}),
               ErrorCode::shape);
  expect_error({x, random_tensor({4, 3, 3, 3}, 2), random_tensor({3}, 3)}, {},
               ErrorCode::shape);  // bias
  expect_error({x, random_tensor({4, 3, 3, 3}, 2)}, attrs_of({{"pads", Ints{1, 1}}}),
               ErrorCode::invalid_argument);
  expect_error({x, random_tensor({4, 3, 3, 3}, 2)}, attrs_of({{"auto_pad", std::string("SAME")}}),
               ErrorCode::invalid_argument);
  expect_error({x, random_tensor({4, 3, 7, 7}, 2)}, {},
               ErrorCode::shape);  // kernel larger than input
  expect_error({x.to(DType::i32), random_tensor({4, 3, 3, 3}, 2).to(DType::i32)}, {},
               ErrorCode::unsupported);
  expect_error({x, random_tensor<double>({4, 3, 3, 3}, 2)}, {},
               ErrorCode::shape);  // dtype mismatch
  expect_error({random_tensor({3, 5}, 1), random_tensor({4, 3}, 2)}, {},
               ErrorCode::shape);  // rank 2
}

TEST(Conv, OneKernelRunsFromFourThreadsAtOnce) {
  for (const Spec& s : {Spec{{2, 32, 12, 12}, {32, 32, 3, 3}, 1, {}, {}, {1, 1, 1, 1}, true},
                        Spec{{1, 16, 10, 10}, {16, 1, 3, 3}, 16, {}, {}, {1, 1, 1, 1}, true}}) {
    const auto in = conv_inputs(s, 600);
    const Tensor single = run_op("Conv", in, conv_attrs(s))[0];
    for (const Tensor& y : run_concurrently("Conv", in, conv_attrs(s))) {
      EXPECT_TRUE(bitwise_equal(y, single));
    }
  }
}

}  // namespace
}  // namespace nnload::testing
