// Plain convolution loops: the kernels for float64 (oneDNN computes in float32 only) and for
// shapes oneDNN does not take (empty channel groups). Either layout, up to 3 spatial axes.
#pragma once

#include <array>

#include "linalg/parallel.hpp"
#include "ops/conv/conv_attrs.hpp"

namespace nnload::ops {

struct ConvLoopGeometry {
  Volume x, y;
  std::int64_t group = 1, in_per_group = 0, out_per_group = 0;
  std::array<std::int64_t, 3> kernel{}, stride{}, dilation{}, pad{};

  ConvLoopGeometry(const ConvGeometry& g, bool channels_last)
      : x(volume_of(g.x, channels_last)),
        y(volume_of(g.y, channels_last)),
        group(g.group),
        in_per_group(g.in_per_group()),
        out_per_group(g.out_per_group()),
        kernel(pad3(g.kernel, 1)),
        stride(pad3(g.strides, 1)),
        dilation(pad3(g.dilations, 1)),
        pad(pad3(g.window.pad_begin, 0)) {}
  std::int64_t kernel_size() const { return kernel[0] * kernel[1] * kernel[2]; }
};

// Conv: y[n, m, o] = b[m] + sum over the group's channels c and taps k of
// x[n, c, o * stride - pad + k * dilation] * w[m, c, k].
template <class T>
void conv_loop(const ConvLoopGeometry& g, const T* x, const T* w, const T* b, T* y) {
  const std::int64_t taps = g.kernel_size();
  linalg::parallel_for(g.y.batch * g.y.channels, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t nm = begin; nm < end; ++nm) {
      const std::int64_t n = nm / g.y.channels, m = nm % g.y.channels;
      const std::int64_t c0 = (m / g.out_per_group) * g.in_per_group;
      const T* wm = w + m * g.in_per_group * taps;
      for (std::int64_t od = 0; od < g.y.dims[0]; ++od)
        for (std::int64_t oh = 0; oh < g.y.dims[1]; ++oh)
          for (std::int64_t ow = 0; ow < g.y.dims[2]; ++ow) {
            T acc = b ? b[m] : T(0);
            for (std::int64_t c = 0; c < g.in_per_group; ++c)
              for (std::int64_t kd = 0; kd < g.kernel[0]; ++kd) {
                const std::int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dilation[0];
                if (id < 0 || id >= g.x.dims[0]) continue;
                for (std::int64_t kh = 0; kh < g.kernel[1]; ++kh) {
                  const std::int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dilation[1];
                  if (ih < 0 || ih >= g.x.dims[1]) continue;
                  for (std::int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                    const std::int64_t iw = ow * g.stride[2] - g.pad[2] + kw * g.dilation[2];
                    if (iw < 0 || iw >= g.x.dims[2]) continue;
                    acc += x[g.x.offset(n, c0 + c, id, ih, iw)] *
                           wm[((c * g.kernel[0] + kd) * g.kernel[1] + kh) * g.kernel[2] + kw];
                  }
                }
              }
            y[g.y.offset(n, m, od, oh, ow)] = acc;
          }
    }
  });
}

// ConvTranspose as a gather: output o receives x[i] * w[c, m, k] wherever
// o = i * stride - pad + k * dilation, with W laid out [C, M/group, k...].
template <class T>
void conv_transpose_loop(const ConvLoopGeometry& g, const T* x, const T* w, const T* b, T* y) {
  const std::int64_t taps = g.kernel_size();
  auto source = [&](std::int64_t axis, std::int64_t o, std::int64_t k) -> std::int64_t {
    const std::int64_t t = o + g.pad[axis] - k * g.dilation[axis];
    if (t < 0 || t % g.stride[axis] != 0) return -1;
    const std::int64_t i = t / g.stride[axis];
    return i < g.x.dims[axis] ? i : -1;
  };
  linalg::parallel_for(g.y.batch * g.y.channels, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t nm = begin; nm < end; ++nm) {
      const std::int64_t n = nm / g.y.channels, m = nm % g.y.channels;
      const std::int64_t group = m / g.out_per_group, ml = m % g.out_per_group;
      const std::int64_t c0 = group * g.in_per_group;
      for (std::int64_t od = 0; od < g.y.dims[0]; ++od)
        for (std::int64_t oh = 0; oh < g.y.dims[1]; ++oh)
          for (std::int64_t ow = 0; ow < g.y.dims[2]; ++ow) {
            T acc = b ? b[m] : T(0);
            for (std::int64_t kd = 0; kd < g.kernel[0]; ++kd) {
              const std::int64_t id = source(0, od, kd);
              if (id < 0) continue;
              for (std::int64_t kh = 0; kh < g.kernel[1]; ++kh) {
                const std::int64_t ih = source(1, oh, kh);
                if (ih < 0) continue;
                for (std::int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                  const std::int64_t iw = source(2, ow, kw);
                  if (iw < 0) continue;
                  const std::int64_t tap = (kd * g.kernel[1] + kh) * g.kernel[2] + kw;
                  for (std::int64_t c = 0; c < g.in_per_group; ++c) {
                    acc += x[g.x.offset(n, c0 + c, id, ih, iw)] *
                           w[((c0 + c) * g.out_per_group + ml) * taps + tap];
                  }
                }
              }
            }
            y[g.y.offset(n, m, od, oh, ow)] = acc;
          }
    }
  });
}

}  // namespace nnload::ops
