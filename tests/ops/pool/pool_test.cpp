#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ops/conv/op_test_util.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::testing {
namespace {

using ops::run_op;

enum class Kind { max, avg, lp };

struct Spec {
  Shape x;
  Ints kernel, strides, dilations, pads;  // pads: [begin..., end...]
  bool ceil = false;
  bool include_pad = false;
};

struct Pooled {
  Tensor y;
  Tensor indices;  // int64, row-major flat offsets into x
};

// Reference pooling over any number of spatial axes: an odometer over output positions and
// kernel taps, with the spec's output size (ceil_mode drops windows that start in the end
// padding) and divisor (count_include_pad counts taps up to the end of the padding).
template <class T>
Pooled reference(const Tensor& x, Kind kind, const Spec& s, double p = 2) {
  const std::size_t k = s.kernel.size();
  const std::int64_t planes = x.shape()[0] * x.shape()[1];
  std::vector<std::int64_t> in(k), out(k), st(k), dil(k), pb(k), pe(k);
  for (std::size_t i = 0; i < k; ++i) {
    in[i] = x.shape()[2 + i];
    st[i] = s.strides.empty() ? 1 : s.strides[i];
    dil[i] = s.dilations.empty() ? 1 : s.dilations[i];
    pb[i] = s.pads.empty() ? 0 : s.pads[i];
    pe[i] = s.pads.empty() ? 0 : s.pads[i + k];
    const double span = static_cast<double>(in[i] + pb[i] + pe[i] - (s.kernel[i] - 1) * dil[i] - 1);
    out[i] =
        static_cast<std::int64_t>(s.ceil ? std::ceil(span / st[i]) : std::floor(span / st[i])) + 1;
    if (s.ceil && (out[i] - 1) * st[i] >= in[i] + pb[i]) --out[i];
  }
  Shape y_shape{x.shape()[0], x.shape()[1]};
  y_shape.insert(y_shape.end(), out.begin(), out.end());
  Pooled r{Tensor::empty(dtype_of<T>(), y_shape), Tensor::empty(DType::i64, y_shape)};
  const std::int64_t in_size = shape_size(Shape(in.begin(), in.end()));
  const std::int64_t out_size = shape_size(Shape(out.begin(), out.end()));
  std::int64_t taps = 1;
  for (auto v : s.kernel) taps *= v;
  const T* xd = x.data<T>();
  for (std::int64_t plane = 0; plane < planes; ++plane) {
    for (std::int64_t o = 0; o < out_size; ++o) {
      std::vector<std::int64_t> oc(k);
      for (std::int64_t rest = o, i = static_cast<std::int64_t>(k) - 1; i >= 0; --i) {
        oc[static_cast<std::size_t>(i)] = rest % out[static_cast<std::size_t>(i)];
        rest /= out[static_cast<std::size_t>(i)];
      }
      double best = -std::numeric_limits<double>::infinity(), sum = 0;
      std::int64_t best_at = -1, inside = 0, padded = 0;
      for (std::int64_t t = 0; t < taps; ++t) {
        std::int64_t flat = 0;
        bool in_input = true, in_padding = true;
        for (std::int64_t rest = t, i = static_cast<std::int64_t>(k) - 1; i >= 0; --i) {
          const auto u = static_cast<std::size_t>(i);
          const std::int64_t kk = rest % s.kernel[u];
          rest /= s.kernel[u];
          const std::int64_t pos = oc[u] * st[u] - pb[u] + kk * dil[u];
          in_input = in_input && pos >= 0 && pos < in[u];
          in_padding = in_padding && pos >= -pb[u] && pos < in[u] + pe[u];
          std::int64_t scale = 1;
          for (std::size_t j = u + 1; j < k; ++j) scale *= in[j];
          flat += pos * scale;
        }
        padded += in_padding;
        if (!in_input) continue;
        ++inside;
        const double v = static_cast<double>(xd[plane * in_size + flat]);
        if (v > best) {
          best = v;
          best_at = plane * in_size + flat;
        }
        sum += kind == Kind::lp ? std::pow(std::abs(v), p) : v;
      }
      double value = best;
      if (kind == Kind::avg) value = sum / static_cast<double>(s.include_pad ? padded : inside);
      if (kind == Kind::lp) value = std::pow(sum, 1 / p);
      r.y.mutable_data<T>()[plane * out_size + o] = static_cast<T>(value);
      r.indices.mutable_data<std::int64_t>()[plane * out_size + o] = best_at;
    }
  }
  return r;
}

graph::Attributes attrs(const Spec& s) {
  graph::Attributes a;
  a.set("kernel_shape", s.kernel);
  if (!s.strides.empty()) a.set("strides", s.strides);
  if (!s.dilations.empty()) a.set("dilations", s.dilations);
  if (!s.pads.empty()) a.set("pads", s.pads);
  if (s.ceil) a.set("ceil_mode", std::int64_t{1});
  if (s.include_pad) a.set("count_include_pad", std::int64_t{1});
  return a;
}

std::vector<Spec> specs() {
  return {
      {{1, 3, 7, 7}, {3, 3}, {2, 2}, {}, {1, 1, 1, 1}},
      {{2, 2, 6, 6}, {3, 3}, {2, 2}, {}, {}, true},
      {{2, 3, 9}, {3}, {}, {}, {1, 1}},
      {{1, 2, 6, 5}, {3, 2}, {}, {}, {1, 1, 2, 0}, false, true},
      {{1, 2, 6, 6}, {3, 3}, {2, 2}, {}, {1, 1, 1, 1}, true, true},
      {{1, 2, 7, 6}, {2, 3}, {2, 2}, {}, {0, 1, 1, 0}, true},
      {{1, 2, 5, 6, 4}, {2, 3, 2}, {2, 1, 2}, {1, 2, 1}, {}},
      {{1, 3, 9, 9}, {2, 2}, {1, 2}, {2, 2}, {1, 0, 0, 1}},
      {{2, 32, 9, 9}, {3, 3}, {2, 2}, {}, {1, 1, 1, 1}, false, true},
      {{1, 4, 10, 10}, {3, 2}, {2, 3}, {2, 1}, {1, 1, 2, 0}, true},
  };
}

std::vector<float> iota(int n) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = static_cast<float>(i + 1);
  return v;
}

TEST(MaxPool, OnnxPrecomputedCases) {
  const Tensor x = make<float>(iota(25), {1, 1, 5, 5});
  EXPECT_TRUE(tensors_close(
      run_op("MaxPool", {x}, attrs_of({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}))[0],
      make<float>({7, 9, 17, 19}, {1, 1, 2, 2})));
  EXPECT_TRUE(tensors_close(run_op("MaxPool", {make<float>(iota(16), {1, 1, 4, 4})},
                                   attrs_of({{"kernel_shape", Ints{3, 3}},
                                             {"strides", Ints{2, 2}},
                                             {"ceil_mode", std::int64_t{1}}}))[0],
                            make<float>({11, 12, 15, 16}, {1, 1, 2, 2})));
}

TEST(MaxPool, OnnxIndicesRowAndColumnMajor) {
  const Tensor x = make<float>(iota(25), {1, 1, 5, 5});
  const auto out = run_op("MaxPool", {x},
                          attrs_of({{"kernel_shape", Ints{5, 5}}, {"pads", Ints{2, 2, 2, 2}}}), 2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(tensors_close(out[0], make<float>({13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25,
                                                 25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25},
                                                {1, 1, 5, 5})));
  EXPECT_TRUE(
      tensors_close(out[1], make<std::int64_t>({12, 13, 14, 14, 14, 17, 18, 19, 19, 19, 22, 23, 24,
                                                24, 24, 22, 23, 24, 24, 24, 22, 23, 24, 24, 24},
                                               {1, 1, 5, 5})));
  const auto col = run_op("MaxPool", {x},
                          attrs_of({{"kernel_shape", Ints{2, 2}},
                                    {"strides", Ints{2, 2}},
                                    {"storage_order", std::int64_t{1}}}),
                          2);
  EXPECT_TRUE(tensors_close(col[0], make<float>({7, 9, 17, 19}, {1, 1, 2, 2})));
  EXPECT_TRUE(tensors_close(col[1], make<std::int64_t>({6, 16, 8, 18}, {1, 1, 2, 2})));
}

TEST(AveragePool, OnnxPrecomputedPads) {
  const Tensor y = run_op("AveragePool", {make<float>(iota(25), {1, 1, 5, 5})},
                          attrs_of({{"kernel_shape", Ints{5, 5}}, {"pads", Ints{2, 2, 2, 2}}}))[0];
  EXPECT_TRUE(tensors_close(
      y, make<float>({7,    7.5, 8,    8.5, 9,    9.5, 10,   10.5, 11,   11.5, 12,   12.5, 13,
                      13.5, 14,  14.5, 15,  15.5, 16,  16.5, 17,   17.5, 18,   18.5, 19},
                     {1, 1, 5, 5})));
}

TEST(Pool, MatchesReferenceOnRandomData) {
  std::uint32_t seed = 1;
  for (const Spec& s : specs()) {
    const Tensor x = random_tensor(s.x, seed++);
    const Tensor x64 = random_tensor<double>(s.x, seed++);
    for (Kind kind : {Kind::max, Kind::avg, Kind::lp}) {
      const char* op = kind == Kind::max ? "MaxPool" : kind == Kind::avg ? "AveragePool" : "LpPool";
      graph::Attributes a = attrs(s);
      if (kind == Kind::lp) a.set("p", std::int64_t{3});
      EXPECT_TRUE(
          tensors_close(run_op(op, {x}, a)[0], reference<float>(x, kind, s, 3).y, 1e-5, 1e-5))
          << op << " " << shape_to_list(s.x);
      EXPECT_TRUE(tensors_close(run_op(op, {x64}, a)[0], reference<double>(x64, kind, s, 3).y,
                                1e-12, 1e-12))
          << op << " f64 " << shape_to_list(s.x);
    }
    const auto with_indices = run_op("MaxPool", {x}, attrs(s), 2);
    const Pooled expected = reference<float>(x, Kind::max, s);
    EXPECT_TRUE(tensors_close(with_indices[0], expected.y)) << shape_to_list(s.x);
    EXPECT_TRUE(tensors_close(with_indices[1], expected.indices)) << shape_to_list(s.x);
  }
}

TEST(Pool, AutoPadModes) {
  const Tensor x = random_tensor({1, 3, 7, 8}, 5);
  for (const char* mode : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    Spec s{{1, 3, 7, 8}, {3, 4}, {2, 3}, {}, {}};
    // TensorFlow SAME: out = ceil(in / s), total = (out - 1) * s + k - in, odd pad at the end.
    if (std::string(mode) != "VALID") {
      const bool upper = std::string(mode) == "SAME_UPPER";
      Ints begin, end;
      for (int i = 0; i < 2; ++i) {
        const std::int64_t in = s.x[2 + static_cast<std::size_t>(i)],
                           st = s.strides[static_cast<std::size_t>(i)];
        const std::int64_t total = std::max<std::int64_t>(
            ((in + st - 1) / st - 1) * st + s.kernel[static_cast<std::size_t>(i)] - in, 0);
        begin.push_back(upper ? total / 2 : total - total / 2);
        end.push_back(total - begin.back());
      }
      s.pads = begin;
      s.pads.insert(s.pads.end(), end.begin(), end.end());
    }
    graph::Attributes a = attrs(Spec{s.x, s.kernel, s.strides, {}, {}});
    a.set("auto_pad", std::string(mode));
    EXPECT_TRUE(tensors_close(run_op("MaxPool", {x}, a)[0], reference<float>(x, Kind::max, s).y))
        << mode;
    EXPECT_TRUE(tensors_close(run_op("AveragePool", {x}, a)[0], reference<float>(x, Kind::avg, s).y,
                              1e-5, 1e-5))
        << mode;
  }
}

TEST(Pool, ChannelsLastMatchesChannelsFirst) {
  std::uint32_t seed = 50;
  for (const Spec& s : specs()) {
    const Tensor x = random_tensor(s.x, seed++);
    const Tensor xl = move_channels(x, true);
    for (const char* op : {"MaxPool", "AveragePool"}) {
      const Tensor expected = run_op(op, {x}, attrs(s))[0];
      graph::Attributes a = attrs(s);
      a.set("channels_last", std::int64_t{1});
      EXPECT_TRUE(tensors_close(run_op(op, {xl}, a, 1, "nnload", 1)[0],
                                move_channels(expected, true), 1e-6, 1e-6))
          << op << shape_to_list(s.x);
    }
  }
}

TEST(MaxPool, Int8AndUint8) {
  const Spec s{{1, 4, 7, 7}, {3, 3}, {2, 2}, {}, {1, 1, 1, 1}};
  const Tensor xf = random_tensor(s.x, 9, -100, 100);
  for (DType dt : {DType::i8, DType::u8}) {
    const Tensor x = (dt == DType::u8 ? random_tensor(s.x, 9, 0, 250) : xf).to(dt);
    const Tensor y = run_op("MaxPool", {x}, attrs(s))[0];
    ASSERT_EQ(y.dtype(), dt);
    EXPECT_TRUE(
        tensors_close(y.to(DType::f32), reference<float>(x.to(DType::f32), Kind::max, s).y));
    EXPECT_TRUE(
        tensors_close(run_op("MaxPool", {x}, attrs(s), 2)[0].to(DType::f32), y.to(DType::f32)));
  }
}

TEST(Pool, ZeroBatchAndErrors) {
  EXPECT_EQ(run_op("MaxPool", {Tensor::empty(DType::f32, {0, 3, 6, 6})},
                   attrs_of({{"kernel_shape", Ints{2, 2}}}))[0]
                .shape(),
            (Shape{0, 3, 5, 5}));
  EXPECT_EQ(run_op("AveragePool", {Tensor::empty(DType::f32, {0, 3, 6, 6})},
                   attrs_of({{"kernel_shape", Ints{2, 2}}}))[0]
                .shape(),
            (Shape{0, 3, 5, 5}));
  const Tensor x = random_tensor({1, 3, 6, 6}, 1);
  EXPECT_THROW(run_op("MaxPool", {x}), Error);  // no kernel_shape
  EXPECT_THROW(run_op("MaxPool", {random_tensor({3, 6}, 1)}, attrs_of({{"kernel_shape", Ints{2}}})),
               Error);  // rank 2
  EXPECT_THROW(run_op("MaxPool", {x}, attrs_of({{"kernel_shape", Ints{2}}})),
               Error);  // kernel rank
  EXPECT_THROW(
      run_op("MaxPool", {x}, attrs_of({{"kernel_shape", Ints{2, 2}}, {"pads", Ints{1, 1}}})),
      Error);
  EXPECT_THROW(run_op("MaxPool", {x}, attrs_of({{"kernel_shape", Ints{7, 7}}})),
               Error);  // kernel > input
  EXPECT_THROW(run_op("MaxPool", {x},
                      attrs_of({{"kernel_shape", Ints{2, 2}}, {"auto_pad", std::string("SAME")}})),
               Error);
  EXPECT_THROW(run_op("AveragePool", {x.to(DType::i32)}, attrs_of({{"kernel_shape", Ints{2, 2}}})),
               Error);
  EXPECT_THROW(
      run_op("LpPool", {x}, attrs_of({{"kernel_shape", Ints{2, 2}}, {"p", std::int64_t{0}}})),
      Error);
}

TEST(Pool, OneKernelRunsFromFourThreadsAtOnce) {
  const Spec s{{2, 32, 14, 14}, {3, 3}, {2, 2}, {}, {1, 1, 1, 1}};
  const Tensor x = random_tensor(s.x, 77);
  for (const char* op : {"MaxPool", "AveragePool", "LpPool"}) {
    const Tensor single = run_op(op, {x}, attrs(s))[0];
    for (const Tensor& y : run_concurrently(op, {x}, attrs(s)))
      EXPECT_TRUE(bitwise_equal(y, single)) << op;
  }
}

// Global pools: reference over the flattened spatial axes.
template <class T>
Tensor global_reference(const Tensor& x, Kind kind, double p = 2) {
  const std::int64_t planes = x.shape()[0] * x.shape()[1];
  const std::int64_t spatial = x.numel() / std::max<std::int64_t>(planes, 1);
  Shape shape = x.shape();
  for (std::size_t i = 2; i < shape.size(); ++i) shape[i] = 1;
  Tensor y = Tensor::empty(dtype_of<T>(), shape);
  for (std::int64_t i = 0; i < planes; ++i) {
    double best = -std::numeric_limits<double>::infinity(), sum = 0;
    for (std::int64_t j = 0; j < spatial; ++j) {
      const double v = static_cast<double>(x.data<T>()[i * spatial + j]);
      best = std::max(best, v);
      sum += kind == Kind::lp ? std::pow(std::abs(v), p) : v;
    }
    y.mutable_data<T>()[i] = static_cast<T>(kind == Kind::max   ? best
                                            : kind == Kind::avg ? sum / static_cast<double>(spatial)
                                                                : std::pow(sum, 1 / p));
  }
  return y;
}

TEST(GlobalPool, MatchesReferenceBothLayouts) {
  std::uint32_t seed = 90;
  for (const Shape& shape :
       {Shape{2, 3, 10}, Shape{2, 300, 7, 7}, Shape{1, 5, 3, 4, 5}, Shape{3, 17, 1, 1}}) {
    const Tensor x = random_tensor(shape, seed++);
    for (Kind kind : {Kind::avg, Kind::max, Kind::lp}) {
      const char* op = kind == Kind::max   ? "GlobalMaxPool"
                       : kind == Kind::avg ? "GlobalAveragePool"
                                           : "GlobalLpPool";
      const Tensor expected = global_reference<float>(x, kind);
      EXPECT_TRUE(tensors_close(run_op(op, {x})[0], expected, 1e-5, 1e-5))
          << op << shape_to_list(shape);
      EXPECT_TRUE(tensors_close(run_op(op, {x.to(DType::f64)})[0],
                                global_reference<double>(x.to(DType::f64), kind), 1e-12, 1e-12));
      EXPECT_TRUE(tensors_close(
          run_op(op, {move_channels(x, true)}, attrs_of({{"channels_last", std::int64_t{1}}}))[0],
          move_channels(expected, true), 1e-5, 1e-5))
          << op << " channels_last " << shape_to_list(shape);
    }
  }
  EXPECT_TRUE(
      tensors_close(run_op("GlobalAveragePool", {make<float>({1, 2, 3, 4, 5, 6}, {1, 2, 3})})[0],
                    make<float>({2, 5}, {1, 2, 1})));
  EXPECT_TRUE(
      tensors_close(run_op("GlobalMaxPool", {make<float>({1, 7, 3, 4, 5, 6}, {1, 2, 3})})[0],
                    make<float>({7, 6}, {1, 2, 1})));
  EXPECT_EQ(run_op("GlobalAveragePool", {Tensor::empty(DType::f32, {0, 3, 4, 4})})[0].shape(),
            (Shape{0, 3, 1, 1}));
  EXPECT_THROW(run_op("GlobalAveragePool", {random_tensor({2, 3}, 1)}), Error);
  EXPECT_THROW(run_op("GlobalMaxPool", {random_tensor({2, 3, 4}, 1).to(DType::i32)}), Error);
}

}  // namespace
}  // namespace nnload::testing
