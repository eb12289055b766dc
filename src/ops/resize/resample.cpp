#include "ops/resize/resample.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/parallel.hpp"
#include "linalg/strided_copy.hpp"

namespace nnload::ops::resize {

double source_coordinate(const Options& o, const AxisSpec& a, std::int64_t index) {
  const double x = static_cast<double>(index);
  const double s = a.scale;
  const auto in = static_cast<double>(a.in);
  const auto out = static_cast<double>(a.out);
  // The spec's reference measures the resized length as in * scale, unrounded, for these.
  const double resized = s * in;
  switch (o.coord) {
    case Coord::half_pixel:
      return (x + 0.5) / s - 0.5;
    case Coord::half_pixel_symmetric: {
      // Centres the output on the input when in * scale is not a whole number of pixels.
      const double adjustment = out / resized;
      return in / 2 * (1 - adjustment) + (x + 0.5) / s - 0.5;
    }
    case Coord::pytorch_half_pixel:
      return a.out > 1 ? (x + 0.5) / s - 0.5 : 0.0;
    case Coord::align_corners:
      return resized == 1 ? 0.0 : x * (in - 1) / (resized - 1);
    case Coord::asymmetric:
      return x / s;
    case Coord::tf_half_pixel_for_nn:
      return (x + 0.5) / s;
    case Coord::tf_crop_and_resize:
      if (resized == 1) return 0.5 * (a.roi_start + a.roi_end) * (in - 1);
      return a.roi_start * (in - 1) + x * (a.roi_end - a.roi_start) * (in - 1) / (resized - 1);
  }
  return x;
}

namespace {

std::int64_t nearest_index(Nearest mode, double c, double scale) {
  const double base = std::floor(c);
  const double frac = c - base;
  double r = base;
  switch (mode) {
    case Nearest::round_prefer_floor:
      r = frac <= 0.5 ? base : base + 1;
      break;
    case Nearest::round_prefer_ceil:
      r = frac < 0.5 ? base : base + 1;
      break;
    case Nearest::floor:
      r = base;
      break;
    case Nearest::ceil:
      r = std::ceil(c);
      break;
    case Nearest::simple:
      r = scale < 1 ? std::ceil(c) : base;
      break;
  }
  return static_cast<std::int64_t>(r);
}

double cubic_weight(double x, double a) {
  x = std::abs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

}  // namespace

AxisFilter axis_filter(const Options& o, const AxisSpec& a) {
  AxisFilter f;
  const auto out = static_cast<std::size_t>(a.out);
  f.outside.assign(out, false);
  // With antialias the filter is stretched by 1 / scale when downscaling, so more taps.
  const double stretch = o.antialias && o.mode != Mode::nearest ? std::min(a.scale, 1.0) : 1.0;
  const double support = o.mode == Mode::cubic ? 2 : 1;
  const auto first = static_cast<std::int64_t>(std::floor(-support / stretch) + 1);
  f.taps = o.mode == Mode::nearest ? 1 : static_cast<int>(2 - 2 * first);
  f.index.assign(out * static_cast<std::size_t>(f.taps), 0);
  f.weight.assign(out * static_cast<std::size_t>(f.taps), 0);
  const double in = static_cast<double>(a.in);
  for (std::size_t x = 0; x < out; ++x) {
    double c = source_coordinate(o, a, static_cast<std::int64_t>(x));
    if (o.coord == Coord::tf_crop_and_resize && !(c >= 0 && c <= in - 1)) {
      f.outside[x] = true;
      f.weight[x * static_cast<std::size_t>(f.taps)] = 1;
      continue;
    }
    c = std::clamp(c, -2.0, in + 1);  // no effect on valid transforms; keeps casts defined
    std::int64_t* idx = &f.index[x * static_cast<std::size_t>(f.taps)];
    double* w = &f.weight[x * static_cast<std::size_t>(f.taps)];
    if (o.mode == Mode::nearest) {
      idx[0] = std::clamp<std::int64_t>(nearest_index(o.nearest, c, a.scale), 0, a.in - 1);
      w[0] = 1;
      continue;
    }
    // Taps around the left neighbour `base`, with ratio in (0, 1] as the spec's reference
    // chooses (an integral coordinate counts as ratio 1 from the pixel before it).
    const double base = std::ceil(c) - 1;
    const double ratio = c - base;
    double sum = 0;
    for (int k = 0; k < f.taps; ++k) {
      const double i = static_cast<double>(first + k);
      const double t = (i - ratio) * stretch;
      w[k] =
          o.mode == Mode::cubic ? cubic_weight(t, o.cubic_coeff_a) : std::max(0.0, 1 - std::abs(t));
      idx[k] = static_cast<std::int64_t>(base + i);
      if (o.exclude_outside && (idx[k] < 0 || idx[k] >= a.in)) w[k] = 0;
      sum += w[k];
    }
    const bool normalize = o.antialias || o.exclude_outside;
    for (int k = 0; k < f.taps; ++k) {
      if (normalize && sum != 0) w[k] /= sum;
      idx[k] = std::clamp<std::int64_t>(idx[k], 0, a.in - 1);
    }
  }
  f.identity = a.out == a.in;
  for (std::size_t x = 0; x < out && f.identity; ++x) {
    double own = 0;
    double other = 0;
    for (int k = 0; k < f.taps; ++k) {
      const std::size_t t = x * static_cast<std::size_t>(f.taps) + static_cast<std::size_t>(k);
      (f.index[t] == static_cast<std::int64_t>(x) ? own : other) += std::abs(f.weight[t]);
    }
    f.identity = !f.outside[x] && std::abs(own - 1) < 1e-12 && other < 1e-12;
  }
  return f;
}

namespace {

constexpr std::int64_t kGrain = 16384;

// A pass along the innermost axis: each output element gathers its taps from one row.
// TAPS > 0 fixes the tap count at compile time (linear 2, cubic 4) so the loop unrolls.
template <int TAPS, class T>
void gather_rows(const T* in, T* out, std::int64_t rows, std::int64_t len, std::int64_t out_len,
                 const std::int64_t* index, const T* weight, int taps) {
  const int n = TAPS > 0 ? TAPS : taps;
  linalg::parallel_for(rows, std::max<std::int64_t>(1, kGrain / (out_len * n)),
                       [&](std::int64_t b, std::int64_t e) {
                         for (std::int64_t r = b; r < e; ++r) {
                           const T* src = in + r * len;
                           T* dst = out + r * out_len;
                           for (std::int64_t j = 0; j < out_len; ++j) {
                             const std::int64_t* idx = index + j * n;
                             const T* w = weight + j * n;
                             T acc = 0;
                             for (int k = 0; k < n; ++k) acc += w[k] * src[idx[k]];
                             dst[j] = acc;
                           }
                         }
                       });
}

// One separable pass: resamples axis `axis` of `in` (shape `cur`) into `out`.
template <class T>
void filter_pass(const T* in, T* out, const Shape& cur, std::size_t axis, const AxisFilter& f,
                 std::int64_t out_len) {
  std::int64_t outer = 1, inner = 1;
  for (std::size_t i = 0; i < axis; ++i) outer *= cur[i];
  for (std::size_t i = axis + 1; i < cur.size(); ++i) inner *= cur[i];
  const std::int64_t len = cur[axis];
  const int taps = f.taps;
  const std::vector<T> weights(f.weight.begin(), f.weight.end());
  if (inner == 1) {
    switch (taps) {
      case 2:
        return gather_rows<2>(in, out, outer, len, out_len, f.index.data(), weights.data(), taps);
      case 4:
        return gather_rows<4>(in, out, outer, len, out_len, f.index.data(), weights.data(), taps);
      default:
        return gather_rows<0>(in, out, outer, len, out_len, f.index.data(), weights.data(), taps);
    }
  }
  // Otherwise every output row is a weighted sum of input rows: contiguous vector loops.
  linalg::parallel_for(outer * out_len, std::max<std::int64_t>(1, kGrain / (inner * taps)),
                       [&](std::int64_t b, std::int64_t e) {
                         for (std::int64_t u = b; u < e; ++u) {
                           const std::int64_t o = u / out_len;
                           const std::int64_t j = u % out_len;
                           const T* src = in + o * len * inner;
                           T* dst = out + u * inner;
                           const std::int64_t* idx = &f.index[static_cast<std::size_t>(j * taps)];
                           const T* w = &weights[static_cast<std::size_t>(j * taps)];
                           const T* row = src + idx[0] * inner;
                           for (std::int64_t i = 0; i < inner; ++i) dst[i] = w[0] * row[i];
                           for (int k = 1; k < taps; ++k) {
                             if (w[k] == T{0}) continue;
                             row = src + idx[k] * inner;
                             const T wk = w[k];
                             for (std::int64_t i = 0; i < inner; ++i) dst[i] += wk * row[i];
                           }
                         }
                       });
}

// The order of the separable passes, by a cost model: every output element of a pass costs its
// taps, and a pass along the innermost axis (a gather, not a vector loop) four times as much.
// Exhaustive for up to 4 resized axes (the usual 1 to 3 spatial ones), else shrinking first.
std::vector<std::size_t> pass_order(std::span<const AxisSpec> axes,
                                    std::span<const AxisFilter> filters, const Shape& shape,
                                    std::vector<std::size_t> order) {
  auto cost = [&](const std::vector<std::size_t>& o) {
    Shape cur = shape;
    double total = 0;
    for (std::size_t axis : o) {
      cur[axis] = axes[axis].out;
      double elements = 1;
      for (std::int64_t d : cur) elements *= static_cast<double>(d);
      bool innermost = true;
      for (std::size_t k = axis + 1; k < cur.size(); ++k) innermost = innermost && cur[k] == 1;
      total += elements * filters[axis].taps * (innermost ? 4 : 1);
    }
    return total;
  };
  std::sort(order.begin(), order.end());
  if (order.size() > 4) {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t p, std::size_t q) {
      return axes[p].out * axes[q].in < axes[q].out * axes[p].in;
    });
    return order;
  }
  std::vector<std::size_t> best = order;
  double best_cost = cost(order);
  while (std::next_permutation(order.begin(), order.end())) {
    const double c = cost(order);
    if (c < best_cost) best_cost = c, best = order;
  }
  return best;
}

template <class T>
void interpolate(const Options& o, std::span<const AxisSpec> axes,
                 std::span<const AxisFilter> filters, const Tensor& x, Tensor& y) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    if (!filters[i].identity) order.push_back(i);
  }
  order = pass_order(axes, filters, x.shape(), std::move(order));
  T* result = y.mutable_data<T>();
  if (order.empty()) {
    std::copy(x.data<T>(), x.data<T>() + x.numel(), result);
    return;
  }
  Shape cur = x.shape();
  const T* src = x.data<T>();
  std::unique_ptr<T[]> buffers[2];  // uninitialised: every element is written
  for (std::size_t p = 0; p < order.size(); ++p) {
    const std::size_t axis = order[p];
    Shape next = cur;
    next[axis] = axes[axis].out;
    T* dst = result;
    if (p + 1 < order.size()) {
      buffers[p % 2].reset(new T[static_cast<std::size_t>(shape_size(next))]);
      dst = buffers[p % 2].get();
    }
    filter_pass(src, dst, cur, axis, filters[axis], axes[axis].out);
    src = dst;
    cur = next;
  }
  // tf_crop_and_resize: any position outside the input on any axis takes extrapolation_value.
  const T fill = static_cast<T>(o.extrapolation_value);
  for (std::size_t k = 0; k < axes.size(); ++k) {
    const std::vector<bool>& outside = filters[k].outside;
    if (std::find(outside.begin(), outside.end(), true) == outside.end()) continue;
    std::int64_t outer = 1, inner = 1;
    for (std::size_t i = 0; i < k; ++i) outer *= cur[i];
    for (std::size_t i = k + 1; i < cur.size(); ++i) inner *= cur[i];
    for (std::int64_t b = 0; b < outer; ++b) {
      for (std::int64_t j = 0; j < cur[k]; ++j) {
        if (!outside[static_cast<std::size_t>(j)]) continue;
        T* row = result + (b * cur[k] + j) * inner;
        std::fill(row, row + inner, fill);
      }
    }
  }
}

}  // namespace

void resample(const Options& o, std::span<const AxisSpec> axes, const Tensor& x, Tensor& y) {
  if (axes.size() != x.shape().size()) {
    fail(ErrorCode::internal, "resample: {} axes for input {}", axes.size(),
         shape_to_list(x.shape()));
  }
  if (y.numel() == 0) return;
  if (x.numel() == 0) {
    fail(ErrorCode::shape, "Resize: cannot resize the empty input {} to {}",
         shape_to_list(x.shape()), shape_to_list(y.shape()));
  }
  std::vector<AxisFilter> filters;
  filters.reserve(axes.size());
  for (const AxisSpec& a : axes) filters.push_back(axis_filter(o, a));

  if (o.mode == Mode::nearest) {
    std::vector<std::vector<std::int64_t>> maps(axes.size());
    for (std::size_t k = 0; k < axes.size(); ++k) {
      maps[k] = filters[k].index;
      for (std::size_t j = 0; j < maps[k].size(); ++j) {
        if (filters[k].outside[j]) maps[k][j] = -1;
      }
    }
    alignas(8) unsigned char fill[8] = {};
    convert_elements(&o.extrapolation_value, DType::f64, fill, x.dtype(), 1);
    linalg::gather_axes(x.raw(), x.shape(), maps, y.mutable_raw(), dtype_size(x.dtype()), fill);
    return;
  }
  switch (x.dtype()) {
    case DType::f32:
      return interpolate<float>(o, axes, filters, x, y);
    case DType::f64:
      return interpolate<double>(o, axes, filters, x, y);
    default:
      fail(ErrorCode::unsupported,
           "Resize: {} interpolation of {} data is not supported (float32, float64)",
           o.mode == Mode::linear ? "linear" : "cubic", dtype_name(x.dtype()));
  }
}

}  // namespace nnload::ops::resize
