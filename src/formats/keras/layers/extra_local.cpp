// Keras 2 LocallyConnected1D/2D (unshared convolution weights), all three implementation modes.
// Each mode stores the same weights in its own layout: 1 as [positions, window * channels,
// filters], 2 as a dense masked [input..., output...] matrix, 3 as the values of a sparse matrix
// at sorted (output, input) index pairs. The builder gathers every mode's kernel into mode 1's
// layout, gathers each output position's input window, and runs one batched MatMul over positions.
#include <algorithm>
#include <numeric>

#include "formats/keras/layers/extra_common.hpp"

namespace nnload::formats::keras {

namespace {

struct LocalGeometry {
  std::vector<int64_t> in, out, kernel, strides;
  int64_t channels = 0, filters = 0;
  bool same = false, channels_first = false;
  int64_t positions() const { return product(out); }
  int64_t window() const { return product(kernel) * channels; }
  int64_t in_size() const { return product(in) * channels; }
  static int64_t product(const std::vector<int64_t>& v) {
    return std::accumulate(v.begin(), v.end(), int64_t{1}, std::multiplies<>());
  }
};

// Row-major index of `pos` in `dims`.
int64_t ravel(const std::vector<int64_t>& pos, const std::vector<int64_t>& dims) {
  int64_t i = 0;
  for (std::size_t d = 0; d < dims.size(); ++d) i = i * dims[d] + pos[d];
  return i;
}

std::vector<int64_t> unravel(int64_t i, const std::vector<int64_t>& dims) {
  std::vector<int64_t> pos(dims.size());
  for (std::size_t d = dims.size(); d-- > 0;) {
    pos[d] = i % dims[d];
    i /= dims[d];
  }
  return pos;
}

// Calls fn(p, j, input position (empty when outside the input), channel) for every output
// position p and window entry j, j ordered as Keras' implementation 1 flattens a window:
// (kernel..., channel) for channels_last, (channel, kernel...) for channels_first.
template <class Fn>
void for_each_tap(const LocalGeometry& g, Fn fn) {
  const int64_t taps = LocalGeometry::product(g.kernel);
  for (int64_t p = 0; p < g.positions(); ++p) {
    const std::vector<int64_t> o = unravel(p, g.out);
    for (int64_t j = 0; j < g.window(); ++j) {
      const int64_t c = g.channels_first ? j / taps : j % g.channels;
      const std::vector<int64_t> kk =
          unravel(g.channels_first ? j % taps : j / g.channels, g.kernel);
      std::vector<int64_t> pos(g.in.size());
      bool inside = true;
      for (std::size_t d = 0; d < g.in.size(); ++d) {
        // conv_utils.conv_connected_inputs: "same" centres the window on o * stride.
        pos[d] = o[d] * g.strides[d] + kk[d] - (g.same ? g.kernel[d] / 2 : 0);
        inside = inside && pos[d] >= 0 && pos[d] < g.in[d];
      }
      fn(p, j, inside ? pos : std::vector<int64_t>{}, c);
    }
  }
}

// Index of an input element in x flattened per sample.
int64_t input_index(const LocalGeometry& g, const std::vector<int64_t>& pos, int64_t c) {
  const int64_t spatial = ravel(pos, g.in);
  return g.channels_first ? c * LocalGeometry::product(g.in) + spatial : spatial * g.channels + c;
}

// Mode 2's kernel [in..., C, out..., F] (channels_last) or [C, in..., F, out...], flattened.
int64_t dense_index(const LocalGeometry& g, const std::vector<int64_t>& pos, int64_t c, int64_t p,
                    int64_t f) {
  const int64_t in_spatial = LocalGeometry::product(g.in);
  if (g.channels_first)
    return ((c * in_spatial + ravel(pos, g.in)) * g.filters + f) * g.positions() + p;
  return ((ravel(pos, g.in) * g.channels + c) * g.positions() + p) * g.filters + f;
}

// Mode 3: the position of each (output, input) pair among conv_utils.conv_kernel_idxs, sorted.
std::vector<int64_t> sparse_order(const LocalGeometry& g) {
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for_each_tap(g, [&](int64_t p, int64_t, const std::vector<int64_t>& pos, int64_t c) {
    if (pos.empty()) return;
    for (int64_t f = 0; f < g.filters; ++f) {
      const int64_t out = g.channels_first ? f * g.positions() + p : p * g.filters + f;
      pairs.emplace_back(out, input_index(g, pos, c));
    }
  });
  std::sort(pairs.begin(), pairs.end());
  std::vector<int64_t> order;
  order.reserve(pairs.size());
  for_each_tap(g, [&](int64_t p, int64_t, const std::vector<int64_t>& pos, int64_t c) {
    for (int64_t f = 0; f < g.filters; ++f) {
      if (pos.empty()) {
        order.push_back(-1);
        continue;
      }
      const int64_t out = g.channels_first ? f * g.positions() + p : p * g.filters + f;
      auto it =
          std::lower_bound(pairs.begin(), pairs.end(), std::pair{out, input_index(g, pos, c)});
      order.push_back(it - pairs.begin());
    }
  });
  return order;
}

Tensor index_tensor(const std::vector<int64_t>& values, Shape shape) {
  return Tensor::from_vector<int64_t>(values, std::move(shape));
}

template <std::size_t Spatial>
std::vector<int> locally_connected(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  LocalGeometry g;
  g.channels_first = ctx.channels_first();
  const Shape shape = ctx.input_shape();
  if (shape.size() != Spatial + 2) ctx.corrupt("input has rank " + std::to_string(shape.size()));
  const std::size_t first = g.channels_first ? 2 : 1;
  g.in.assign(shape.begin() + static_cast<std::ptrdiff_t>(first),
              shape.begin() + static_cast<std::ptrdiff_t>(first + Spatial));
  g.channels = shape[g.channels_first ? 1 : Spatial + 1];
  for (int64_t d : g.in) {
    if (d < 0 || g.channels < 0) ctx.unsupported("needs known input dimensions (as Keras does)");
  }
  g.kernel = ctx.get_ints({"kernel_size", "filter_length"}, Spatial);
  g.strides = ctx.get_ints({"strides", "subsample_length", "subsample"}, Spatial, 1);
  const std::string padding = ctx.get_string({"padding", "border_mode"}, "valid");
  if (padding != "valid" && padding != "same") ctx.unsupported("padding '" + padding + "'");
  g.same = padding == "same";
  g.filters = ctx.get_int({"filters", "nb_filter"});
  if (g.filters <= 0) ctx.corrupt("filters must be positive");
  for (std::size_t d = 0; d < Spatial; ++d) {
    const int64_t length = g.same ? g.in[d] : g.in[d] - g.kernel[d] + 1;
    g.out.push_back((length + g.strides[d] - 1) / g.strides[d]);
    if (g.out.back() <= 0) ctx.corrupt("the window is larger than the input");
  }
  const int64_t mode = ctx.get_int({"implementation"}, 1);
  const bool use_bias = ctx.get_bool({"use_bias", "bias"}, true);
  ctx.expect_weights(use_bias ? 2 : 1, use_bias ? "kernel, bias" : "kernel");
  const Tensor& kernel = ctx.weight_tensor(0, "kernel");
  const int64_t P = g.positions(), J = g.window(), F = g.filters;

  // Window gathers; a position outside the input reads an appended zero.
  std::vector<int64_t> taps;
  bool outside = false;
  for_each_tap(g, [&](int64_t, int64_t, const std::vector<int64_t>& pos, int64_t c) {
    outside = outside || pos.empty();
    taps.push_back(pos.empty() ? g.in_size() : input_index(g, pos, c));
  });
  int x = extra::reshape(ctx, ctx.input(), {0, -1}, "flat");
  if (outside) x = ctx.add("Pad", "zero_slot", {x, ctx.int64s("zero_slot_pads", {0, 0, 0, 1})});
  graph::Attributes axis1;
  axis1.set("axis", int64_t{1});
  x = ctx.add("Gather", "windows", {x, ctx.constant("window_taps", index_tensor(taps, {P, J}))},
              axis1);
  x = extra::transpose(ctx, x, {1, 0, 2}, "windows_by_position");

  int w = ctx.weight(0, "kernel");
  if (mode == 1) {
    if (kernel.shape() != Shape{P, J, F})
      ctx.corrupt("kernel has shape " + shape_to_list(kernel.shape()) + ", expected " +
                  shape_to_list({P, J, F}));
  } else if (mode == 2 || mode == 3) {
    std::vector<int64_t> index;
    const int64_t stored = mode == 2 ? g.in_size() * P * F : -1;
    if (mode == 2) {
      for_each_tap(g, [&](int64_t p, int64_t, const std::vector<int64_t>& pos, int64_t c) {
        for (int64_t f = 0; f < F; ++f)
          index.push_back(pos.empty() ? stored : dense_index(g, pos, c, p, f));
      });
    } else {
      index = sparse_order(g);
    }
    if (index.empty()) ctx.corrupt("has an empty kernel");
    const int64_t size = mode == 2 ? stored : *std::max_element(index.begin(), index.end()) + 1;
    if (kernel.numel() != size)
      ctx.corrupt(fmt::format("kernel holds {} values, implementation {} needs {}", kernel.numel(),
                              mode, size));
    for (int64_t& i : index) {
      if (i < 0) i = size;  // the appended zero
    }
    graph::Attributes axis0;
    axis0.set("axis", int64_t{0});
    const int flat = extra::reshape(ctx, w, {-1}, "kernel_flat");
    const int padded =
        ctx.add("Concat", "kernel_zero",
                {flat, ctx.constant("zero", Tensor::from_vector<float>({0.0f}, {1}))}, axis0);
    w = ctx.add("Gather", "kernel_by_position",
                {padded, ctx.constant("kernel_taps", index_tensor(index, {P, J, F}))}, axis0);
  } else {
    ctx.unsupported("implementation " + std::to_string(mode) + " (Keras has 1, 2, 3)");
  }
  int y = ctx.add("MatMul", "MatMul", {x, w});  // [P, B, F]
  std::vector<int64_t> out_shape = {0};
  if (g.channels_first) {
    y = extra::transpose(ctx, y, {1, 2, 0}, "to_batch_filters");
    out_shape.push_back(F);
    out_shape.insert(out_shape.end(), g.out.begin(), g.out.end());
  } else {
    y = extra::transpose(ctx, y, {1, 0, 2}, "to_batch");
    out_shape.insert(out_shape.end(), g.out.begin(), g.out.end());
    out_shape.push_back(F);
  }
  if (Spatial > 1) y = extra::reshape(ctx, y, out_shape, "output_shape");
  if (use_bias) {
    int bias = ctx.weight(1, "bias");
    // Keras' bias_add reshapes (does not transpose) a [out..., F] bias to [1, F, out...] for
    // channels_first.
    if (g.channels_first) {
      std::vector<int64_t> b = {1, F};
      b.insert(b.end(), g.out.begin(), g.out.end());
      bias = extra::reshape(ctx, bias, b, "bias_channels_first");
    }
    y = ctx.add("Add", "bias_add", {y, bias});
  }
  return {ctx.config_activation(y)};
}

}  // namespace

namespace extra {

LayerRows locally_connected_layers() {
  return {
      {"LocallyConnected1D", locally_connected<1>},
      {"LocallyConnected2D", locally_connected<2>},
  };
}

}  // namespace extra

}  // namespace nnload::formats::keras
