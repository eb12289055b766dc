// F.linear, F.conv1d/2d and the 2-d pools on the registry's Gemm, Conv, MaxPool, AveragePool,
// GlobalAveragePool and MatMul ops, with PyTorch's argument checks.
#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "nn/functional_common.hpp"

namespace nnload {

namespace nn::detail {

graph::Attributes linear_attrs() { return attrs({{"transB", std::int64_t{1}}}); }

Tensor linear_with(const CachedOp& gemm, const Tensor& x, const Tensor& weight, const Tensor& bias,
                   std::uint32_t constant) {
  check_defined(x, "linear");
  if (x.rank() == 0) fail(ErrorCode::shape, "linear: the input is a scalar, expected [*, in]");
  if (weight.rank() != 2) {
    fail(ErrorCode::shape, "linear: weight has shape {}, expected [out, in]",
         shape_to_list(weight.shape()));
  }
  const std::int64_t in = weight.dim(1), out = weight.dim(0);
  if (x.dim(-1) != in) {
    // PyTorch: "mat1 and mat2 shapes cannot be multiplied (3x12 and 10x5)".
    fail(ErrorCode::shape,
         "input has shape {}, expected [*, {}]: mat1 and mat2 shapes cannot be multiplied "
         "({}x{} and {}x{})",
         shape_to_list(x.shape()), in, x.numel() / std::max<std::int64_t>(x.dim(-1), 1), x.dim(-1),
         in, out);
  }
  // Gemm is 2-d: batch dims fold into rows (a view), and unfold after.
  Shape out_shape = x.shape();
  out_shape.back() = out;
  const Tensor x2 = x.reshaped({x.numel() / std::max<std::int64_t>(in, 1), in});
  Tensor y;
  if (bias.defined()) {
    const Tensor inputs[3] = {x2, weight, bias};
    y = gemm.run1(inputs, constant);
  } else {
    const Tensor inputs[2] = {x2, weight};
    y = gemm.run1(inputs, constant);
  }
  return y.reshaped(out_shape);
}

graph::Attributes conv_attrs(const std::vector<std::int64_t>& kernel,
                             const std::vector<std::int64_t>& stride,
                             const std::vector<std::int64_t>& padding, bool same,
                             const std::vector<std::int64_t>& dilation, std::int64_t groups,
                             const std::vector<std::int64_t>& output_padding) {
  const std::size_t n = kernel.size();
  std::vector<std::int64_t> pads(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    if (same) {
      // PyTorch's "same": total padding dilation * (k - 1), the odd element at the end.
      const std::int64_t total = dilation[i] * (kernel[i] - 1);
      pads[i] = total / 2;
      pads[n + i] = total - total / 2;
    } else {
      pads[i] = pads[n + i] = padding[i];
    }
  }
  graph::Attributes a = attrs({{"strides", stride},
                               {"pads", pads},
                               {"dilations", dilation},
                               {"group", groups},
                               {"kernel_shape", kernel}});
  if (!output_padding.empty()) a.set("output_padding", output_padding);
  return a;
}

namespace {

std::vector<std::int64_t> stride_or_kernel(const ExpandingArray<2>& stride,
                                           const ExpandingArray<2>& kernel) {
  return stride[0] == 0 && stride[1] == 0 ? kernel.to_vector() : stride.to_vector();
}

void check_pool(const char* what, const ExpandingArray<2>& kernel, const ExpandingArray<2>& stride,
                const ExpandingArray<2>& padding, const ExpandingArray<2>& dilation) {
  for (std::size_t i = 0; i < 2; ++i) {
    if (kernel[i] <= 0 || stride[i] < 0 || dilation[i] <= 0 || padding[i] < 0) {
      fail(ErrorCode::invalid_argument,
           "{}: kernel_size, stride and dilation must be positive and padding non-negative, "
           "got kernel_size={}, stride={}, padding={}, dilation={}",
           what, kernel[i], stride[i], padding[i], dilation[i]);
    }
    const std::int64_t extent = (kernel[i] - 1) * dilation[i] + 1;
    if (padding[i] > extent / 2) {
      fail(ErrorCode::invalid_argument,
           "{}: pad should be at most half of effective kernel size, but got pad={}, "
           "kernel_size={} and dilation={}",
           what, padding[i], kernel[i], dilation[i]);
    }
  }
}

std::vector<std::int64_t> pads_of(const ExpandingArray<2>& padding) {
  return {padding[0], padding[1], padding[0], padding[1]};
}

}  // namespace

graph::Attributes max_pool_attrs(const ExpandingArray<2>& kernel, const ExpandingArray<2>& stride,
                                 const ExpandingArray<2>& padding,
                                 const ExpandingArray<2>& dilation, bool ceil_mode) {
  check_pool("max_pool2d", kernel, stride, padding, dilation);
  return attrs({{"kernel_shape", kernel.to_vector()},
                {"strides", stride_or_kernel(stride, kernel)},
                {"pads", pads_of(padding)},
                {"dilations", dilation.to_vector()},
                {"ceil_mode", std::int64_t{ceil_mode ? 1 : 0}}});
}

graph::Attributes avg_pool_attrs(const ExpandingArray<2>& kernel, const ExpandingArray<2>& stride,
                                 const ExpandingArray<2>& padding, bool ceil_mode,
                                 bool count_include_pad) {
  check_pool("avg_pool2d", kernel, stride, padding, 1);
  return attrs({{"kernel_shape", kernel.to_vector()},
                {"strides", stride_or_kernel(stride, kernel)},
                {"pads", pads_of(padding)},
                {"ceil_mode", std::int64_t{ceil_mode ? 1 : 0}},
                {"count_include_pad", std::int64_t{count_include_pad ? 1 : 0}}});
}

Tensor batched_2d(const Tensor& x, const char* what, bool& added) {
  check_defined(x, what);
  added = x.rank() == 3;
  if (x.rank() == 4) return x;
  if (added) return unsqueeze(x, 0);
  fail(ErrorCode::shape, "{}: input has shape {}, expected [N, C, H, W] or [C, H, W]", what,
       shape_to_list(x.shape()));
}

}  // namespace nn::detail

using nn::detail::attrs;
using nn::detail::batched_2d;
using nn::detail::check_defined;
using nn::detail::shared_op;

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  return nn::detail::linear_with(
      shared_op("Gemm", nn::detail::linear_attrs(), bias.defined() ? 3 : 2), x, weight, bias, 0);
}

namespace {

template <std::size_t N>
Tensor conv_nd(const char* what, const Tensor& x, const Tensor& weight, const Tensor& bias,
               const ExpandingArray<N>& stride, const ConvPadding<N>& padding,
               const ExpandingArray<N>& dilation, std::int64_t groups) {
  check_defined(x, what);
  check_defined(weight, what);
  const auto rank = static_cast<std::int64_t>(N);
  if (weight.rank() != rank + 2) {
    fail(ErrorCode::shape, "{}: weight has shape {}, expected [out, in / groups, {} kernel dims]",
         what, shape_to_list(weight.shape()), N);
  }
  const bool unbatched = x.rank() == rank + 1;
  if (!unbatched && x.rank() != rank + 2) {
    fail(ErrorCode::shape,
         "{}: Expected {}D (unbatched) or {}D (batched) input, but got input "
         "of size: {}",
         what, rank + 1, rank + 2, shape_to_list(x.shape()));
  }
  const Tensor xb = unbatched ? unsqueeze(x, 0) : x;
  if (padding.is_same()) {
    for (std::size_t i = 0; i < N; ++i) {
      if (stride[i] != 1) {
        fail(ErrorCode::invalid_argument,
             "{}: padding='same' is not supported for strided convolutions", what);
      }
    }
  }
  const std::vector<std::int64_t> kernel(weight.shape().begin() + 2, weight.shape().end());
  const graph::Attributes a =
      nn::detail::conv_attrs(kernel, stride.to_vector(), padding.sizes().to_vector(),
                             padding.is_same(), dilation.to_vector(), groups);
  Tensor y;
  if (bias.defined()) {
    const Tensor inputs[3] = {xb, weight, bias};
    y = shared_op("Conv", a, 3).run1(inputs);
  } else {
    const Tensor inputs[2] = {xb, weight};
    y = shared_op("Conv", a, 2).run1(inputs);
  }
  return unbatched ? squeeze(y, 0) : y;
}

}  // namespace

Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, ExpandingArray<1> stride,
              ConvPadding<1> padding, ExpandingArray<1> dilation, std::int64_t groups) {
  return conv_nd<1>("conv1d", x, weight, bias, stride, padding, dilation, groups);
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, ExpandingArray<2> stride,
              ConvPadding<2> padding, ExpandingArray<2> dilation, std::int64_t groups) {
  return conv_nd<2>("conv2d", x, weight, bias, stride, padding, dilation, groups);
}

Tensor max_pool2d(const Tensor& x, ExpandingArray<2> kernel_size, ExpandingArray<2> stride,
                  ExpandingArray<2> padding, ExpandingArray<2> dilation, bool ceil_mode) {
  bool added = false;
  const Tensor xb = batched_2d(x, "max_pool2d", added);
  const Tensor y = nn::detail::unary(
      "MaxPool", xb, nn::detail::max_pool_attrs(kernel_size, stride, padding, dilation, ceil_mode));
  return added ? squeeze(y, 0) : y;
}

Tensor avg_pool2d(const Tensor& x, ExpandingArray<2> kernel_size, ExpandingArray<2> stride,
                  ExpandingArray<2> padding, bool ceil_mode, bool count_include_pad) {
  bool added = false;
  const Tensor xb = batched_2d(x, "avg_pool2d", added);
  const Tensor y = nn::detail::unary(
      "AveragePool", xb,
      nn::detail::avg_pool_attrs(kernel_size, stride, padding, ceil_mode, count_include_pad));
  return added ? squeeze(y, 0) : y;
}

namespace {

// The averaging matrix of one axis: row i holds 1/len over PyTorch's adaptive window
// [floor(i * n / out), ceil((i + 1) * n / out)).
template <class T>
Tensor adaptive_weights(std::int64_t n, std::int64_t out, bool transposed) {
  Tensor m = Tensor::zeros(dtype_of<T>(), transposed ? Shape{n, out} : Shape{out, n});
  T* data = m.mutable_data<T>();
  for (std::int64_t i = 0; i < out; ++i) {
    const std::int64_t start = (i * n) / out;
    const std::int64_t end = ((i + 1) * n + out - 1) / out;
    for (std::int64_t j = start; j < end; ++j) {
      data[transposed ? j * out + i : i * n + j] = T(1) / static_cast<T>(end - start);
    }
  }
  return m;
}

}  // namespace

Tensor adaptive_avg_pool2d(const Tensor& x, ExpandingArray<2> output_size) {
  bool added = false;
  const Tensor xb = batched_2d(x, "adaptive_avg_pool2d", added);
  const std::int64_t oh = output_size[0], ow = output_size[1];
  if (oh <= 0 || ow <= 0) {
    fail(ErrorCode::invalid_argument, "adaptive_avg_pool2d: output_size ({}, {}) must be positive",
         oh, ow);
  }
  const std::int64_t h = xb.dim(2), w = xb.dim(3);
  if (h == 0 || w == 0) {
    fail(ErrorCode::shape, "adaptive_avg_pool2d: input has shape {}, expected non-empty H and W",
         shape_to_list(x.shape()));
  }
  Tensor y;
  if (oh == 1 && ow == 1) {
    y = nn::detail::unary("GlobalAveragePool", xb);
  } else if (h % oh == 0 && w % ow == 0) {
    // Equal windows that tile the input: an ordinary average pool.
    y = nn::detail::unary("AveragePool", xb,
                          attrs({{"kernel_shape", std::vector<std::int64_t>{h / oh, w / ow}},
                                 {"strides", std::vector<std::int64_t>{h / oh, w / ow}}}));
  } else {
    // Uneven or overlapping windows: the pool is linear in each axis, rows = A_h x A_w^T.
    if (xb.dtype() != DType::f32 && xb.dtype() != DType::f64) {
      fail(ErrorCode::unsupported, "adaptive_avg_pool2d: dtype {} (float32 and float64 only)",
           dtype_name(xb.dtype()));
    }
    const bool f64 = xb.dtype() == DType::f64;
    const Tensor rows =
        f64 ? adaptive_weights<double>(h, oh, false) : adaptive_weights<float>(h, oh, false);
    const Tensor cols =
        f64 ? adaptive_weights<double>(w, ow, true) : adaptive_weights<float>(w, ow, true);
    y = matmul(matmul(rows, xb), cols);
  }
  return added ? squeeze(y, 0) : y;
}

}  // namespace nnload
