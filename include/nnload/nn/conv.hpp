// nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "nnload/functional.hpp"
#include "nnload/nn/module.hpp"

namespace nnload::nn {

// Keyword-style construction: Conv2d({.in_channels = 3, .out_channels = 8, .kernel_size = 3,
// .padding = 1, .bias = false}). Defaults are PyTorch's.
template <std::size_t N>
struct ConvOptions {
  std::int64_t in_channels = 0;
  std::int64_t out_channels = 0;
  ExpandingArray<N> kernel_size;
  ExpandingArray<N> stride = 1;
  ConvPadding<N> padding = 0;  // sizes, "same" (stride 1 only) or "valid"
  ExpandingArray<N> dilation = 1;
  std::int64_t groups = 1;
  bool bias = true;
  std::string padding_mode = "zeros";  // the only mode nnload implements
};

template <std::size_t N>
struct ConvTransposeOptions {
  std::int64_t in_channels = 0;
  std::int64_t out_channels = 0;
  ExpandingArray<N> kernel_size;
  ExpandingArray<N> stride = 1;
  ExpandingArray<N> padding = 0;
  ExpandingArray<N> output_padding = 0;
  std::int64_t groups = 1;
  bool bias = true;
  ExpandingArray<N> dilation = 1;
  std::string padding_mode = "zeros";
};

namespace detail {

// The shared implementation of Conv1d/Conv2d; parameters "weight" [out, in/groups, k...] and
// "bias" [out], on x [N, C, ...] or unbatched [C, ...].
template <std::size_t N>
class ConvNd : public Module {
 public:
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  const Tensor& weight() const { return *weight_; }
  const Tensor* bias() const { return bias_; }
  const ConvOptions<N>& options() const { return options_; }
  std::string extra_repr() const override;

 protected:
  explicit ConvNd(ConvOptions<N> options);
  ConvNd(ConvNd&&) = default;

 private:
  ConvOptions<N> options_;
  Tensor* weight_;
  Tensor* bias_ = nullptr;
  std::shared_ptr<CachedOp> conv_;
};

// ConvTranspose1d/2d; "weight" [in, out/groups, k...] as PyTorch stores it (= ONNX's layout).
template <std::size_t N>
class ConvTransposeNd : public Module {
 public:
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  const Tensor& weight() const { return *weight_; }
  const Tensor* bias() const { return bias_; }
  const ConvTransposeOptions<N>& options() const { return options_; }
  std::string extra_repr() const override;

 protected:
  explicit ConvTransposeNd(ConvTransposeOptions<N> options);
  ConvTransposeNd(ConvTransposeNd&&) = default;

 private:
  ConvTransposeOptions<N> options_;
  Tensor* weight_;
  Tensor* bias_ = nullptr;
  std::shared_ptr<CachedOp> conv_;
};

}  // namespace detail

class Conv1d : public detail::ConvNd<1> {
 public:
  explicit Conv1d(ConvOptions<1> options) : ConvNd(std::move(options)) {}
  Conv1d(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<1> kernel_size,
         ExpandingArray<1> stride = 1, ConvPadding<1> padding = 0, ExpandingArray<1> dilation = 1,
         std::int64_t groups = 1, bool bias = true, std::string padding_mode = "zeros")
      : ConvNd({in_channels, out_channels, kernel_size, stride, std::move(padding), dilation,
                groups, bias, std::move(padding_mode)}) {}
};

class Conv2d : public detail::ConvNd<2> {
 public:
  explicit Conv2d(ConvOptions<2> options) : ConvNd(std::move(options)) {}
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<2> kernel_size,
         ExpandingArray<2> stride = 1, ConvPadding<2> padding = 0, ExpandingArray<2> dilation = 1,
         std::int64_t groups = 1, bool bias = true, std::string padding_mode = "zeros")
      : ConvNd({in_channels, out_channels, kernel_size, stride, std::move(padding), dilation,
                groups, bias, std::move(padding_mode)}) {}
};

class ConvTranspose1d : public detail::ConvTransposeNd<1> {
 public:
  explicit ConvTranspose1d(ConvTransposeOptions<1> options) : ConvTransposeNd(std::move(options)) {}
  ConvTranspose1d(std::int64_t in_channels, std::int64_t out_channels,
                  ExpandingArray<1> kernel_size, ExpandingArray<1> stride = 1,
                  ExpandingArray<1> padding = 0, ExpandingArray<1> output_padding = 0,
                  std::int64_t groups = 1, bool bias = true, ExpandingArray<1> dilation = 1,
                  std::string padding_mode = "zeros")
      : ConvTransposeNd({in_channels, out_channels, kernel_size, stride, padding, output_padding,
                         groups, bias, dilation, std::move(padding_mode)}) {}
};

class ConvTranspose2d : public detail::ConvTransposeNd<2> {
 public:
  explicit ConvTranspose2d(ConvTransposeOptions<2> options) : ConvTransposeNd(std::move(options)) {}
  ConvTranspose2d(std::int64_t in_channels, std::int64_t out_channels,
                  ExpandingArray<2> kernel_size, ExpandingArray<2> stride = 1,
                  ExpandingArray<2> padding = 0, ExpandingArray<2> output_padding = 0,
                  std::int64_t groups = 1, bool bias = true, ExpandingArray<2> dilation = 1,
                  std::string padding_mode = "zeros")
      : ConvTransposeNd({in_channels, out_channels, kernel_size, stride, padding, output_padding,
                         groups, bias, dilation, std::move(padding_mode)}) {}
};

}  // namespace nnload::nn
