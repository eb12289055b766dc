// nn.MaxPool2d, nn.AvgPool2d (ONNX MaxPool/AveragePool), nn.AdaptiveAvgPool2d.
#include "nnload/nn/pool.hpp"

#include "core/fail.hpp"
#include "nn/functional_common.hpp"
#include "nn/repr.hpp"

namespace nnload::nn {

MaxPool2d::MaxPool2d(ExpandingArray<2> kernel_size, ExpandingArray<2> stride,
                     ExpandingArray<2> padding, ExpandingArray<2> dilation, bool return_indices,
                     bool ceil_mode)
    : kernel_size_(kernel_size),
      stride_(stride[0] == 0 && stride[1] == 0 ? kernel_size : stride),
      padding_(padding),
      dilation_(dilation),
      ceil_mode_(ceil_mode) {
  if (return_indices) {
    fail(ErrorCode::unsupported, "MaxPool2d: return_indices=True (nnload returns values only)");
  }
  pool_ = detail::make_op(
      "MaxPool", detail::max_pool_attrs(kernel_size_, stride_, padding_, dilation_, ceil_mode_));
  track_cache(pool_);
}

Tensor MaxPool2d::forward(const Tensor& x) const {
  try {
    bool added = false;
    const Tensor xb = detail::batched_2d(x, "MaxPool2d", added);
    const Tensor inputs[1] = {xb};
    const Tensor y = pool_->run1(inputs);
    return added ? squeeze(y, 0) : y;
  } catch (const Error& e) {
    rethrow_with_context(e, describe());
  }
}

std::string MaxPool2d::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}",
                     detail::py_arg(kernel_size_), detail::py_arg(stride_),
                     detail::py_arg(padding_), detail::py_arg(dilation_),
                     detail::py_bool(ceil_mode_));
}

AvgPool2d::AvgPool2d(ExpandingArray<2> kernel_size, ExpandingArray<2> stride,
                     ExpandingArray<2> padding, bool ceil_mode, bool count_include_pad,
                     std::int64_t divisor_override)
    : kernel_size_(kernel_size),
      stride_(stride[0] == 0 && stride[1] == 0 ? kernel_size : stride),
      padding_(padding),
      ceil_mode_(ceil_mode),
      count_include_pad_(count_include_pad) {
  if (divisor_override != 0) {
    fail(ErrorCode::unsupported, "AvgPool2d: divisor_override={} (not implemented)",
         divisor_override);
  }
  pool_ = detail::make_op("AveragePool", detail::avg_pool_attrs(kernel_size_, stride_, padding_,
                                                                ceil_mode_, count_include_pad_));
  track_cache(pool_);
}

Tensor AvgPool2d::forward(const Tensor& x) const {
  try {
    bool added = false;
    const Tensor xb = detail::batched_2d(x, "AvgPool2d", added);
    const Tensor inputs[1] = {xb};
    const Tensor y = pool_->run1(inputs);
    return added ? squeeze(y, 0) : y;
  } catch (const Error& e) {
    rethrow_with_context(e, describe());
  }
}

std::string AvgPool2d::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", detail::py_arg(kernel_size_),
                     detail::py_arg(stride_), detail::py_arg(padding_));
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) const {
  try {
    return adaptive_avg_pool2d(x, output_size_);
  } catch (const Error& e) {
    rethrow_with_context(e, describe());
  }
}

std::string AdaptiveAvgPool2d::extra_repr() const {
  return "output_size=" + detail::py_arg(output_size_);
}

}  // namespace nnload::nn
