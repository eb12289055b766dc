// Eager tensor operations for the forward() of nnload::nn modules, named and behaving like
// torch's (torch.relu, torch.matmul, F.conv2d, ...). Each runs on nnload's op kernels (the
// ones the graph executor uses); kernels are built once per op, attributes and input shapes and
// then reused, so a call costs the computation, not the setup.
//
//   nnload::Tensor y = nnload::softmax(nnload::relu(x) * 2.0f + b, /*dim=*/1);
//
// Shapes broadcast like numpy/torch. Mixed dtypes are promoted like torch (int + float ->
// float, float32 + float64 -> float64). Errors are nnload::Error with what was expected and what
// was given.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "nnload/tensor.hpp"

namespace nnload {

// An argument that is either one integer for every spatial axis or one per axis, like torch's
// `kernel_size=3` or `kernel_size=(3, 2)`: ExpandingArray<2> k = 3; ExpandingArray<2> k = {3, 2}.
template <std::size_t N>
class ExpandingArray {
 public:
  ExpandingArray() = default;                                                       // zeros
  ExpandingArray(std::int64_t value) : from_scalar_(true) { values_.fill(value); }  // NOLINT
  ExpandingArray(std::initializer_list<std::int64_t> values) {
    if (values.size() != N) {
      throw Error(ErrorCode::invalid_argument, "expected " + std::to_string(N) +
                                                   " values (one per spatial axis), got " +
                                                   std::to_string(values.size()));
    }
    std::size_t i = 0;
    for (std::int64_t v : values) values_[i++] = v;
  }
  ExpandingArray(const std::array<std::int64_t, N>& values) : values_(values) {}  // NOLINT

  std::int64_t operator[](std::size_t i) const { return values_[i]; }
  const std::array<std::int64_t, N>& values() const { return values_; }
  std::vector<std::int64_t> to_vector() const { return {values_.begin(), values_.end()}; }
  // Given as one number (PyTorch's repr then prints it as one: "kernel_size=3").
  bool from_scalar() const { return from_scalar_; }
  bool operator==(const ExpandingArray& other) const { return values_ == other.values_; }

 private:
  std::array<std::int64_t, N> values_{};
  bool from_scalar_ = false;
};

// A convolution's padding: explicit sizes (symmetric, per axis) or torch's "same" / "valid".
template <std::size_t N>
class ConvPadding {
 public:
  ConvPadding(std::int64_t value) : sizes_(value) {}                           // NOLINT
  ConvPadding(std::initializer_list<std::int64_t> values) : sizes_(values) {}  // NOLINT
  ConvPadding(const ExpandingArray<N>& sizes) : sizes_(sizes) {}               // NOLINT
  // A string literal ("same"); an array reference, so that a literal 0 stays a size.
  template <std::size_t K>
  ConvPadding(const char (&mode)[K]) : ConvPadding(std::string(mode)) {}  // NOLINT
  ConvPadding(const std::string& mode) : sizes_(0), mode_(mode) {         // NOLINT
    if (mode_ != "same" && mode_ != "valid") {
      throw Error(ErrorCode::invalid_argument,
                  "padding '" + mode_ + "' is not a padding mode, expected 'same' or 'valid'");
    }
  }
  bool is_same() const { return mode_ == "same"; }
  // Explicit sizes; "valid" reads as zeros. Meaningless for "same".
  const ExpandingArray<N>& sizes() const { return sizes_; }
  // "same", "valid", or "" for explicit sizes.
  const std::string& mode() const { return mode_; }

 private:
  ExpandingArray<N> sizes_;
  std::string mode_;
};

// Activations (float tensors).
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
// approximate: "none" (erf) or "tanh", as torch's F.gelu.
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
Tensor silu(const Tensor& x);
Tensor hardswish(const Tensor& x);
Tensor hardsigmoid(const Tensor& x);
Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);

// Elementwise arithmetic with broadcasting; the scalar forms keep the tensor's dtype (an
// integer tensor with a fractional scalar becomes float32).
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor pow(const Tensor& x, double exponent);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);
Tensor operator-(const Tensor& x);

// Reductions over `dims` (negative counts from the end; empty: all dims), like torch.sum/mean.
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor amax(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
// Index of the largest value along `dim` (int64), like torch.argmax with a dim.
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);

// torch.matmul: vectors, matrices and broadcast batches of matrices.
Tensor matmul(const Tensor& a, const Tensor& b);
// F.linear: x [*, in] times weight [out, in] transposed, plus bias [out] when defined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});
// F.conv1d / F.conv2d: x [N, C, ...] (or unbatched [C, ...]), weight [out, C/groups, k...].
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
              ExpandingArray<1> stride = 1, ConvPadding<1> padding = 0,
              ExpandingArray<1> dilation = 1, std::int64_t groups = 1);
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
              ExpandingArray<2> stride = 1, ConvPadding<2> padding = 0,
              ExpandingArray<2> dilation = 1, std::int64_t groups = 1);
// F.max_pool2d / F.avg_pool2d on [N, C, H, W] or [C, H, W]. A stride of 0 (the default)
// means the kernel size, like torch's stride=None.
Tensor max_pool2d(const Tensor& x, ExpandingArray<2> kernel_size, ExpandingArray<2> stride = 0,
                  ExpandingArray<2> padding = 0, ExpandingArray<2> dilation = 1,
                  bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& x, ExpandingArray<2> kernel_size, ExpandingArray<2> stride = 0,
                  ExpandingArray<2> padding = 0, bool ceil_mode = false,
                  bool count_include_pad = true);
Tensor adaptive_avg_pool2d(const Tensor& x, ExpandingArray<2> output_size);

// Shapes. reshape/flatten/squeeze/unsqueeze return views sharing x's storage (x is always
// contiguous); transpose/permute/cat copy.
Tensor reshape(const Tensor& x, const Shape& shape);  // one dimension may be -1
// torch.flatten: merges dims start_dim..end_dim (default: all, giving a vector).
Tensor flatten(const Tensor& x, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
Tensor squeeze(const Tensor& x, std::int64_t dim);  // removes `dim` when its size is 1
Tensor unsqueeze(const Tensor& x, std::int64_t dim);
Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1);
Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims);
Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim = 0);

// Tensor.to(dtype) on the Cast kernel.
Tensor cast(const Tensor& x, DType dtype);

// A float32 tensor of normally distributed values (mean 0, std 1) that depends only on `seed`:
// the same values on every platform (splitmix64 and Box-Muller in double precision).
Tensor randn(const Shape& shape, std::uint64_t seed = 0);

}  // namespace nnload
