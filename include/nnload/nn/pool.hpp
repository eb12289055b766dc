// nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, on [N, C, H, W] or [C, H, W].
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>

#include "nnload/functional.hpp"
#include "nnload/nn/module.hpp"

namespace nnload::nn {

// A stride of 0 (the default) means the kernel size, like PyTorch's stride=None.
// return_indices is not supported (Error(unsupported)).
class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(ExpandingArray<2> kernel_size, ExpandingArray<2> stride = 0,
                     ExpandingArray<2> padding = 0, ExpandingArray<2> dilation = 1,
                     bool return_indices = false, bool ceil_mode = false);
  // MaxPool2d({3, 2}): without it the braces could also build a MaxPool2d to copy.
  explicit MaxPool2d(std::initializer_list<std::int64_t> kernel_size)
      : MaxPool2d(ExpandingArray<2>(kernel_size)) {}
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string extra_repr() const override;

 private:
  ExpandingArray<2> kernel_size_, stride_, padding_, dilation_;
  bool ceil_mode_;
  std::shared_ptr<detail::CachedOp> pool_;
};

// divisor_override is not supported (Error(unsupported) when given).
class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(ExpandingArray<2> kernel_size, ExpandingArray<2> stride = 0,
                     ExpandingArray<2> padding = 0, bool ceil_mode = false,
                     bool count_include_pad = true, std::int64_t divisor_override = 0);
  explicit AvgPool2d(std::initializer_list<std::int64_t> kernel_size)
      : AvgPool2d(ExpandingArray<2>(kernel_size)) {}
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string extra_repr() const override;

 private:
  ExpandingArray<2> kernel_size_, stride_, padding_;
  bool ceil_mode_, count_include_pad_;
  std::shared_ptr<detail::CachedOp> pool_;
};

// Output [.., out_h, out_w] whatever the input size: window i of an axis of size n covers
// [floor(i * n / out), ceil((i + 1) * n / out)), PyTorch's rule.
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(ExpandingArray<2> output_size) : output_size_(output_size) {}
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string extra_repr() const override;

 private:
  ExpandingArray<2> output_size_;
};

}  // namespace nnload::nn
