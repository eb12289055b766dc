#include <gtest/gtest.h>

#include "ops/conv/op_test_util.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::testing {
namespace {

using ops::run_op;

struct Spec {
  Shape x, w;  // w: [C, M/group, k...]
  std::int64_t group = 1;
  Ints strides, dilations, pads, output_padding;
  bool bias = false;
};

// Reference ConvTranspose as a scatter: every input element adds x * w to the outputs its
// taps land on; computed in double over the full (unpadded) output, then cropped.
template <class T>
Tensor reference(const Tensor& x, const Tensor& w, const Tensor* b, const Spec& s) {
  const std::size_t k = x.shape().size() - 2;
  auto at = [](const Ints& v, std::size_t i, std::int64_t f) { return v.empty() ? f : v[i]; };
  std::array<std::int64_t, 3> in{1, 1, 1}, ker{1, 1, 1}, st{1, 1, 1}, dil{1, 1, 1}, pb{}, pe{},
      op{}, full{}, out{};
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t j = 3 - k + i;
    in[j] = x.shape()[2 + i];
    ker[j] = w.shape()[2 + i];
    st[j] = at(s.strides, i, 1);
    dil[j] = at(s.dilations, i, 1);
    pb[j] = at(s.pads, i, 0);
    pe[j] = at(s.pads, i + k, 0);
    op[j] = at(s.output_padding, i, 0);
  }
  for (int i = 0; i < 3; ++i) {
    full[i] = (in[i] - 1) * st[i] + (ker[i] - 1) * dil[i] + 1 + op[i];
    out[i] = full[i] - pb[i] - pe[i];
  }
  const std::int64_t N = x.shape()[0], C = x.shape()[1], mg = w.shape()[1], M = mg * s.group;
  const std::int64_t cg = C / s.group;
  std::vector<double> acc(static_cast<std::size_t>(N * M * full[0] * full[1] * full[2]), 0.0);
  const T* xd = x.data<T>();
  const T* wd = w.data<T>();
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t d = 0; d < in[0]; ++d)
        for (std::int64_t h = 0; h < in[1]; ++h)
          for (std::int64_t ww = 0; ww < in[2]; ++ww) {
            const double v = xd[(((n * C + c) * in[0] + d) * in[1] + h) * in[2] + ww];
            for (std::int64_t ml = 0; ml < mg; ++ml)
              for (std::int64_t a = 0; a < ker[0]; ++a)
                for (std::int64_t bb = 0; bb < ker[1]; ++bb)
                  for (std::int64_t e = 0; e < ker[2]; ++e) {
                    const std::int64_t m = (c / cg) * mg + ml;
                    const std::int64_t od = d * st[0] + a * dil[0], oh = h * st[1] + bb * dil[1],
                                       ow = ww * st[2] + e * dil[2];
                    acc[static_cast<std::size_t>(
                        (((n * M + m) * full[0] + od) * full[1] + oh) * full[2] + ow)] +=
                        v * wd[(((c * mg + ml) * ker[0] + a) * ker[1] + bb) * ker[2] + e];
                  }
          }
  Shape y_shape{N, M};
  for (std::size_t i = 0; i < k; ++i) y_shape.push_back(out[3 - k + i]);
  Tensor y = Tensor::empty(dtype_of<T>(), y_shape);
  T* yd = y.mutable_data<T>();
  std::int64_t idx = 0;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t m = 0; m < M; ++m)
      for (std::int64_t d = 0; d < out[0]; ++d)
        for (std::int64_t h = 0; h < out[1]; ++h)
          for (std::int64_t ww = 0; ww < out[2]; ++ww) {
            const double bias = b ? static_cast<double>(b->data<T>()[m]) : 0.0;
            yd[idx++] = static_cast<T>(
                bias + acc[static_cast<std::size_t>(
                           (((n * M + m) * full[0] + d + pb[0]) * full[1] + h + pb[1]) * full[2] +
                           ww + pb[2])]);
          }
  return y;
}

graph::Attributes attrs(const Spec& s) {
  graph::Attributes a;
  if (s.group != 1) a.set("group", s.group);
  if (!s.strides.empty()) a.set("strides", s.strides);
  if (!s.dilations.empty()) a.set("dilations", s.dilations);
  if (!s.pads.empty()) a.set("pads", s.pads);
  if (!s.output_padding.empty()) a.set("output_padding", s.output_padding);
  return a;
}

template <class T = float>
std::vector<Tensor> inputs(const Spec& s, std::uint32_t seed) {
  std::vector<Tensor> in{random_tensor<T>(s.x, seed), random_tensor<T>(s.w, seed + 1)};
  if (s.bias) in.push_back(random_tensor<T>({s.w[1] * s.group}, seed + 2));
  return in;
}

std::vector<Spec> specs() {
  return {
      {{1, 2, 3}, {2, 4, 3}, 1, {2}, {}, {1, 1}, {1}, false},
      {{2, 3, 4, 5}, {3, 2, 3, 3}, 1, {2, 1}, {}, {1, 0, 0, 1}, {}, true},
      {{1, 4, 3, 3}, {4, 3, 2, 2}, 2, {2, 2}, {}, {}, {}, true},
      {{1, 2, 4, 4}, {2, 3, 3, 3}, 1, {}, {2, 2}, {1, 1, 1, 1}, {}, false},
      {{1, 2, 3, 3, 2}, {2, 2, 2, 3, 2}, 1, {2, 1, 2}, {}, {}, {}, true},
      {{1, 32, 6, 6}, {32, 16, 3, 3}, 1, {2, 2}, {}, {1, 1, 1, 1}, {1, 1}, true},
      {{1, 16, 5, 5}, {16, 1, 3, 3}, 16, {}, {}, {1, 1, 1, 1}, {}, true},
  };
}

TEST(ConvTranspose, OnnxExample) {
  std::vector<float> x(9);
  for (int i = 0; i < 9; ++i) x[static_cast<std::size_t>(i)] = static_cast<float>(i);
  const Tensor y = run_op(
      "ConvTranspose",
      {make<float>(x, {1, 1, 3, 3}), make<float>(std::vector<float>(18, 1.0f), {1, 2, 3, 3})})[0];
  const std::vector<float> plane{0,  1,  3, 3,  2,  3,  8,  15, 12, 7,  9,  21, 36,
                                 27, 15, 9, 20, 33, 24, 13, 6,  13, 21, 15, 8};
  std::vector<float> both = plane;
  both.insert(both.end(), plane.begin(), plane.end());
  EXPECT_TRUE(tensors_close(y, make<float>(both, {1, 2, 5, 5})));
}

TEST(ConvTranspose, MatchesReferenceOnRandomData) {
  std::uint32_t seed = 10;
  for (const Spec& s : specs()) {
    const auto in = inputs(s, seed += 3);
    const Tensor expected = reference<float>(in[0], in[1], s.bias ? &in[2] : nullptr, s);
    EXPECT_TRUE(tensors_close(run_op("ConvTranspose", in, attrs(s))[0], expected, 1e-4, 1e-4))
        << shape_to_list(s.x);
    const std::vector<std::size_t> runtime{1};
    EXPECT_TRUE(tensors_close(run_op_runtime("ConvTranspose", in, attrs(s), runtime)[0], expected,
                              1e-4, 1e-4))
        << "runtime weights " << shape_to_list(s.x);
    const auto in64 = inputs<double>(s, seed);
    EXPECT_TRUE(tensors_close(run_op("ConvTranspose", in64, attrs(s))[0],
                              reference<double>(in64[0], in64[1], s.bias ? &in64[2] : nullptr, s),
                              1e-12, 1e-12))
        << "f64 " << shape_to_list(s.x);
  }
}

TEST(ConvTranspose, ChannelsLastMatchesChannelsFirst) {
  std::uint32_t seed = 40;
  for (const Spec& s : specs()) {
    const auto in = inputs(s, seed += 3);
    const Tensor expected = run_op("ConvTranspose", in, attrs(s))[0];
    std::vector<Tensor> last = in;
    last[0] = move_channels(in[0], true);
    graph::Attributes a = attrs(s);
    a.set("channels_last", std::int64_t{1});
    EXPECT_TRUE(tensors_close(run_op("ConvTranspose", last, a, 1, "nnload", 1)[0],
                              move_channels(expected, true), 1e-4, 1e-4));
  }
}

TEST(ConvTranspose, OutputShapeAndAutoPad) {
  const Spec s{{1, 2, 3, 3}, {2, 3, 3, 3}, 1, {2, 2}, {}, {}, {}, true};
  const auto in = inputs(s, 70);
  // Full output 7x7; output_shape 6x5: total pads 1 and 2, the odd one at the start (spec).
  Spec cropped = s;
  cropped.pads = {1, 1, 0, 1};
  graph::Attributes a = attrs(s);
  a.set("output_shape", Ints{6, 5});
  EXPECT_TRUE(tensors_close(run_op("ConvTranspose", in, a)[0],
                            reference<float>(in[0], in[1], &in[2], cropped), 1e-4, 1e-4));
  // SAME_UPPER: output = input * stride = 6, total 1 at the end.
  Spec upper = s;
  upper.pads = {0, 0, 1, 1};
  graph::Attributes same = attrs(s);
  same.set("auto_pad", std::string("SAME_UPPER"));
  EXPECT_TRUE(tensors_close(run_op("ConvTranspose", in, same)[0],
                            reference<float>(in[0], in[1], &in[2], upper), 1e-4, 1e-4));
  Spec lower = s;
  // Not a braced {1, 1, 0, 0}: GCC 12.2 with AVX-512 (-march=native) stores that 32-byte
  // constant as {1, 1, 1, 1} (a wrong vpbroadcastq).
  lower.pads = Ints(4, 0);
  lower.pads[0] = lower.pads[1] = 1;
  same.set("auto_pad", std::string("SAME_LOWER"));
  EXPECT_TRUE(tensors_close(run_op("ConvTranspose", in, same)[0],
                            reference<float>(in[0], in[1], &in[2], lower), 1e-4, 1e-4));
}

TEST(ConvTranspose, FusedActivation) {
  const Spec s{{1, 16, 4, 4}, {16, 8, 3, 3}, 1, {2, 2}, {}, {1, 1, 1, 1}, {}, true};
  const auto in = inputs(s, 80);
  Tensor expected = reference<float>(in[0], in[1], &in[2], s);
  float* p = expected.mutable_data<float>();
  for (std::int64_t i = 0; i < expected.numel(); ++i) p[i] = p[i] >= 0 ? p[i] : 0.2f * p[i];
  graph::Attributes a = attrs(s);
  a.set("activation", std::string("LeakyRelu"));
  a.set("activation_alpha", 0.2);
  EXPECT_TRUE(tensors_close(run_op("ConvTranspose", in, a)[0], expected, 1e-4, 1e-4));
}

TEST(ConvTranspose, ZeroBatchAndErrors) {
  EXPECT_EQ(run_op("ConvTranspose",
                   {Tensor::empty(DType::f32, {0, 2, 3, 3}), random_tensor({2, 3, 3, 3}, 1)})[0]
                .shape(),
            (Shape{0, 3, 5, 5}));
  const Tensor x = random_tensor({1, 4, 3, 3}, 1);
  EXPECT_THROW(run_op("ConvTranspose", {x, random_tensor({3, 2, 3, 3}, 2)}),
               Error);                                                             // W dim 0 != C
  EXPECT_THROW(run_op("ConvTranspose", {x, random_tensor({4, 2, 3}, 2)}), Error);  // rank
  EXPECT_THROW(run_op("ConvTranspose", {x, random_tensor({4, 2, 3, 3}, 2)},
                      attrs_of({{"group", std::int64_t{3}}})),
               Error);
  EXPECT_THROW(run_op("ConvTranspose", {x, random_tensor({4, 2, 3, 3}, 2)},
                      attrs_of({{"output_shape", Ints{20, 20}}})),
               Error);
  EXPECT_THROW(run_op("ConvTranspose", {x, random_tensor({4, 2, 3, 3}, 2)},
                      attrs_of({{"pads", Ints{3, 3, 3, 3}}})),
               Error);
}

TEST(ConvTranspose, OneKernelRunsFromFourThreadsAtOnce) {
  const Spec s{{2, 32, 6, 6}, {32, 16, 3, 3}, 1, {2, 2}, {}, {1, 1, 1, 1}, {}, true};
  const auto in = inputs(s, 90);
  const Tensor single = run_op("ConvTranspose", in, attrs(s))[0];
  for (const Tensor& y : run_concurrently("ConvTranspose", in, attrs(s)))
    EXPECT_TRUE(bitwise_equal(y, single));
}

}  // namespace
}  // namespace nnload::testing
