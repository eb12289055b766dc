// LocallyConnected1D/2D: one set of unshared weights W(position, tap, in, out), stored in each of
// Keras 2's three implementation layouts (built here from Keras' own descriptions: 1 a
// [positions, taps * in, out] kernel, 2 a masked dense [input..., in, output..., out] kernel, 3
// the values at sorted (output index, input index) pairs), must give the loop's result.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>

#include "extra_test_support.hpp"
#include "support/error_capture.hpp"

namespace nnload {
namespace {

namespace k = testing::keras;
using k::Json;

struct Geometry {
  std::vector<int64_t> in, kernel, strides, out;
  int64_t channels, filters;
  bool same, first;  // padding "same"; data_format channels_first
};

int64_t prod(const std::vector<int64_t>& v) {
  return std::accumulate(v.begin(), v.end(), int64_t{1}, std::multiplies<>());
}

std::vector<int64_t> unravel(int64_t i, const std::vector<int64_t>& dims) {
  std::vector<int64_t> p(dims.size());
  for (std::size_t d = dims.size(); d-- > 0;) p[d] = i % dims[d], i /= dims[d];
  return p;
}

int64_t ravel(const std::vector<int64_t>& p, const std::vector<int64_t>& dims) {
  int64_t i = 0;
  for (std::size_t d = 0; d < dims.size(); ++d) i = i * dims[d] + p[d];
  return i;
}

// The input position a tap of output position o reads (conv_utils.conv_connected_inputs), or
// nothing when it falls outside.
std::optional<std::vector<int64_t>> tap_position(const Geometry& g, const std::vector<int64_t>& o,
                                                 const std::vector<int64_t>& kk) {
  std::vector<int64_t> p(g.in.size());
  for (std::size_t d = 0; d < g.in.size(); ++d) {
    p[d] = o[d] * g.strides[d] + kk[d] - (g.same ? g.kernel[d] / 2 : 0);
    if (p[d] < 0 || p[d] >= g.in[d]) return std::nullopt;
  }
  return p;
}

// W[o][kk][c][f], random.
struct Unshared {
  std::vector<float> w;
  const Geometry& g;
  float at(int64_t o, int64_t kk, int64_t c, int64_t f) const {
    return w[static_cast<std::size_t>(((o * prod(g.kernel) + kk) * g.channels + c) * g.filters +
                                      f)];
  }
};

// Input element (spatial p, channel c) of sample b in x's layout.
float x_at(const Tensor& x, const Geometry& g, int64_t b, const std::vector<int64_t>& p,
           int64_t c) {
  const int64_t n = prod(g.in), s = ravel(p, g.in);
  return x.data<float>()[b * n * g.channels + (g.first ? c * n + s : s * g.channels + c)];
}

std::vector<double> reference(const Tensor& x, const Geometry& g, const Unshared& w,
                              const Tensor& bias) {
  const int64_t B = x.dim(0), P = prod(g.out), K = prod(g.kernel);
  std::vector<double> y(static_cast<std::size_t>(B * P * g.filters));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t o = 0; o < P; ++o)
      for (int64_t f = 0; f < g.filters; ++f) {
        double acc = 0;
        for (int64_t kk = 0; kk < K; ++kk) {
          const auto pos = tap_position(g, unravel(o, g.out), unravel(kk, g.kernel));
          if (!pos) continue;
          for (int64_t c = 0; c < g.channels; ++c)
            acc += double(x_at(x, g, b, *pos, c)) * w.at(o, kk, c, f);
        }
        // Keras' bias_add: bias [out..., F] added as is (channels_last) or reshaped, not
        // transposed, to [F, out...] (channels_first).
        const int64_t yi = g.first ? (b * g.filters + f) * P + o : (b * P + o) * g.filters + f;
        const int64_t bi = g.first ? f * P + o : o * g.filters + f;
        y[static_cast<std::size_t>(yi)] = acc + bias.data<float>()[bi];
      }
  return y;
}

Tensor mode1_kernel(const Geometry& g, const Unshared& w) {
  const int64_t P = prod(g.out), K = prod(g.kernel), J = K * g.channels;
  std::vector<float> v(static_cast<std::size_t>(P * J * g.filters));
  for (int64_t o = 0; o < P; ++o)
    for (int64_t kk = 0; kk < K; ++kk)
      for (int64_t c = 0; c < g.channels; ++c)
        for (int64_t f = 0; f < g.filters; ++f) {
          const int64_t j = g.first ? c * K + kk : kk * g.channels + c;
          v[static_cast<std::size_t>((o * J + j) * g.filters + f)] = w.at(o, kk, c, f);
        }
  return Tensor::from_vector<float>(v, {P, J, g.filters});
}

Tensor mode2_kernel(const Geometry& g, const Unshared& w) {
  const int64_t P = prod(g.out), N = prod(g.in), K = prod(g.kernel);
  // Disconnected entries hold junk that Keras' mask removes.
  std::vector<float> v =
      k::uniform(static_cast<std::size_t>(N * g.channels * P * g.filters), 999, 5.0f, 9.0f);
  for (int64_t o = 0; o < P; ++o)
    for (int64_t kk = 0; kk < K; ++kk) {
      const auto pos = tap_position(g, unravel(o, g.out), unravel(kk, g.kernel));
      if (!pos) continue;
      const int64_t i = ravel(*pos, g.in);
      for (int64_t c = 0; c < g.channels; ++c)
        for (int64_t f = 0; f < g.filters; ++f) {
          const int64_t at = g.first ? ((c * N + i) * g.filters + f) * P + o
                                     : ((i * g.channels + c) * P + o) * g.filters + f;
          v[static_cast<std::size_t>(at)] = w.at(o, kk, c, f);
        }
    }
  Shape shape;
  if (g.first) {
    shape = {g.channels};
    shape.insert(shape.end(), g.in.begin(), g.in.end());
    shape.push_back(g.filters);
    shape.insert(shape.end(), g.out.begin(), g.out.end());
  } else {
    shape = Shape(g.in.begin(), g.in.end());
    shape.push_back(g.channels);
    shape.insert(shape.end(), g.out.begin(), g.out.end());
    shape.push_back(g.filters);
  }
  return Tensor::from_vector<float>(v, shape);
}

Tensor mode3_kernel(const Geometry& g, const Unshared& w) {
  const int64_t P = prod(g.out), N = prod(g.in), K = prod(g.kernel);
  std::vector<std::pair<std::pair<int64_t, int64_t>, float>> entries;
  for (int64_t o = 0; o < P; ++o)
    for (int64_t kk = 0; kk < K; ++kk) {
      const auto pos = tap_position(g, unravel(o, g.out), unravel(kk, g.kernel));
      if (!pos) continue;
      const int64_t i = ravel(*pos, g.in);
      for (int64_t c = 0; c < g.channels; ++c)
        for (int64_t f = 0; f < g.filters; ++f) {
          const int64_t out_idx = g.first ? f * P + o : o * g.filters + f;
          const int64_t in_idx = g.first ? c * N + i : i * g.channels + c;
          entries.push_back({{out_idx, in_idx}, w.at(o, kk, c, f)});
        }
    }
  std::sort(entries.begin(), entries.end());
  std::vector<float> v;
  for (const auto& e : entries) v.push_back(e.second);
  return Tensor::from_vector<float>(v, {static_cast<int64_t>(v.size())});
}

void check(Geometry g, unsigned seed) {
  const std::size_t n = g.in.size();
  for (std::size_t d = 0; d < n; ++d) {
    const int64_t len = g.same ? g.in[d] : g.in[d] - g.kernel[d] + 1;
    g.out.push_back((len + g.strides[d] - 1) / g.strides[d]);
  }
  Shape x_shape = {2};
  if (g.first) x_shape.push_back(g.channels);
  x_shape.insert(x_shape.end(), g.in.begin(), g.in.end());
  if (!g.first) x_shape.push_back(g.channels);
  const Tensor x = k::random_tensor(x_shape, seed);
  const Unshared w{
      k::uniform(static_cast<std::size_t>(prod(g.out) * prod(g.kernel) * g.channels * g.filters),
                 seed + 1),
      g};
  Shape bias_shape(g.out.begin(), g.out.end());
  bias_shape.push_back(g.filters);
  const Tensor bias = k::random_tensor(bias_shape, seed + 2);
  const auto expected = reference(x, g, w, bias);
  const std::string cls = n == 1 ? "LocallyConnected1D" : "LocallyConnected2D";
  for (int64_t mode : {1, 2, 3}) {
    if (mode == 1 && g.same) continue;  // Keras allows only "valid" with implementation 1
    const Tensor kernel = mode == 1   ? mode1_kernel(g, w)
                          : mode == 2 ? mode2_kernel(g, w)
                                      : mode3_kernel(g, w);
    Json config = {
        {"filters", g.filters},   {"kernel_size", g.kernel},
        {"strides", g.strides},   {"padding", g.same ? "same" : "valid"},
        {"implementation", mode}, {"data_format", g.first ? "channels_first" : "channels_last"},
        {"use_bias", true}};
    const Json model =
        k::functional({k::input_layer("x", Shape(x_shape.begin() + 1, x_shape.end())),
                       k::layer(cls, "lc", config, {k::ref("x")})},
                      {"x"}, {Json{"lc", 0, 0}});
    const Tensor y = k::run(model, {{"lc", {kernel, bias}}}, {x}, "2.12.0")[0];
    ASSERT_EQ(y.numel(), static_cast<int64_t>(expected.size())) << cls << " mode " << mode;
    for (int64_t i = 0; i < y.numel(); ++i)
      ASSERT_NEAR(y.data<float>()[i], expected[static_cast<std::size_t>(i)], 1e-4)
          << cls << " mode " << mode << " same " << g.same << " first " << g.first << " element "
          << i;
  }
}

TEST(KerasLocallyConnected, OneD_AllModesAndPaddings) {
  unsigned seed = 1;
  for (bool same : {false, true})
    for (bool first : {false, true})
      for (int64_t stride : {1, 2}) check({{7}, {3}, {stride}, {}, 2, 3, same, first}, seed += 10);
}

TEST(KerasLocallyConnected, TwoD_AllModesAndPaddings) {
  unsigned seed = 100;
  for (bool same : {false, true})
    for (bool first : {false, true})
      check({{4, 5}, {2, 3}, {1, 2}, {}, 3, 2, same, first}, seed += 10);
}

TEST(KerasLocallyConnected, WrongKernelIsAnError) {
  k::LayerRun r;
  r.class_name = "LocallyConnected1D";
  r.config = {{"filters", 2}, {"kernel_size", 3}, {"implementation", 1}};
  r.inputs = {k::random_tensor({1, 5, 2}, 1)};
  r.weights = {k::random_tensor({3, 5, 2}, 2), k::random_tensor({3, 2}, 3)};  // taps*in is 6
  EXPECT_EQ(testing::code_of([&] { k::run_layer(r); }), ErrorCode::corrupt);
  r.config["implementation"] = 4;
  EXPECT_EQ(testing::code_of([&] { k::run_layer(r); }), ErrorCode::unsupported);
}

}  // namespace
}  // namespace nnload
