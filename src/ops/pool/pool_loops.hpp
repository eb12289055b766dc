// Windowed pooling as plain loops: MaxPool with Indices, LpPool, float64 and integer inputs,
// and AveragePool cases whose divisor oneDNN counts differently (ceil_mode with
// count_include_pad).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "linalg/padding.hpp"
#include "linalg/parallel.hpp"
#include "ops/conv/spatial.hpp"

namespace nnload::ops {

enum class PoolKind { max, average, lp };

struct PoolLoopGeometry {
  Volume x, y;
  std::array<std::int64_t, 3> kernel{}, stride{}, dilation{}, pad_begin{}, pad_end{};
  bool count_include_pad = false;
  bool column_major_indices = false;  // MaxPool storage_order 1
  double p = 2;                       // LpPool
};

namespace detail {
inline std::int64_t valid_taps(std::int64_t start, std::int64_t k, std::int64_t d, std::int64_t lo,
                               std::int64_t hi) {
  std::int64_t count = 0;
  for (std::int64_t t = 0; t < k; ++t) count += (start + t * d >= lo && start + t * d < hi);
  return count;
}
}  // namespace detail

// Indices (MaxPool's optional output) are flat offsets into X as ONNX defines them: row-major
// over (N, C, spatial), or with column-major spatial coordinates for storage_order 1.
template <class T>
void pool_loop(const PoolLoopGeometry& g, PoolKind kind, const T* x, T* y, std::int64_t* indices) {
  const std::int64_t per_plane = g.y.spatial_size() * g.kernel[0] * g.kernel[1] * g.kernel[2];
  const std::int64_t planes = g.y.batch * g.y.channels;
  const std::int64_t grain =
      std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(per_plane, 1));
  linalg::parallel_for(planes, grain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t nc = begin; nc < end; ++nc) {
      const std::int64_t n = nc / g.y.channels, c = nc % g.y.channels;
      for (std::int64_t od = 0; od < g.y.dims[0]; ++od)
        for (std::int64_t oh = 0; oh < g.y.dims[1]; ++oh)
          for (std::int64_t ow = 0; ow < g.y.dims[2]; ++ow) {
            const std::array<std::int64_t, 3> start{od * g.stride[0] - g.pad_begin[0],
                                                    oh * g.stride[1] - g.pad_begin[1],
                                                    ow * g.stride[2] - g.pad_begin[2]};
            T best = std::numeric_limits<T>::lowest();
            std::array<std::int64_t, 3> best_at{-1, -1, -1};
            double sum = 0;
            for (std::int64_t kd = 0; kd < g.kernel[0]; ++kd) {
              const std::int64_t id = start[0] + kd * g.dilation[0];
              if (id < 0 || id >= g.x.dims[0]) continue;
              for (std::int64_t kh = 0; kh < g.kernel[1]; ++kh) {
                const std::int64_t ih = start[1] + kh * g.dilation[1];
                if (ih < 0 || ih >= g.x.dims[1]) continue;
                for (std::int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                  const std::int64_t iw = start[2] + kw * g.dilation[2];
                  if (iw < 0 || iw >= g.x.dims[2]) continue;
                  const T v = x[g.x.offset(n, c, id, ih, iw)];
                  if (kind == PoolKind::max) {
                    if (v > best || best_at[0] < 0) {
                      best = v;
                      best_at = {id, ih, iw};
                    }
                  } else if (kind == PoolKind::average) {
                    sum += static_cast<double>(v);
                  } else {
                    sum += std::pow(std::abs(static_cast<double>(v)), g.p);
                  }
                }
              }
            }
            const std::int64_t out = g.y.offset(n, c, od, oh, ow);
            if (kind == PoolKind::max) {
              y[out] = best;
              if (indices != nullptr) {
                const auto& dims = g.x.dims;
                const std::int64_t spatial =
                    g.column_major_indices
                        ? best_at[0] + dims[0] * (best_at[1] + dims[1] * best_at[2])
                        : (best_at[0] * dims[1] + best_at[1]) * dims[2] + best_at[2];
                indices[out] = best_at[0] < 0 ? -1 : nc * g.x.spatial_size() + spatial;
              }
            } else if (kind == PoolKind::average) {
              std::int64_t count = 1;
              for (int a = 0; a < 3; ++a) {
                const std::int64_t lo = g.count_include_pad ? -g.pad_begin[a] : 0;
                const std::int64_t hi = g.x.dims[a] + (g.count_include_pad ? g.pad_end[a] : 0);
                count *= detail::valid_taps(start[a], g.kernel[a], g.dilation[a], lo, hi);
              }
              y[out] = static_cast<T>(count > 0 ? sum / static_cast<double>(count) : 0.0);
            } else {
              y[out] = static_cast<T>(std::pow(sum, 1.0 / g.p));
            }
          }
    }
  });
}

}  // namespace nnload::ops
