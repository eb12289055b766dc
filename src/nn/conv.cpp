// nn.Conv1d/2d and nn.ConvTranspose1d/2d on ONNX Conv and ConvTranspose: PyTorch's NC... layout
// and weight layouts are ONNX's, so weights go to the kernels as they are.
#include "nnload/nn/conv.hpp"

#include "core/fail.hpp"
#include "nn/functional_common.hpp"
#include "nn/repr.hpp"

namespace nnload::nn::detail {

namespace {

template <std::size_t N>
void check_common(const char* what, std::int64_t in, std::int64_t out, std::int64_t groups,
                  const ExpandingArray<N>& kernel, const ExpandingArray<N>& stride,
                  const ExpandingArray<N>& dilation, const std::string& padding_mode) {
  if (groups <= 0) fail(ErrorCode::invalid_argument, "{}: groups must be a positive integer", what);
  if (in % groups != 0) {
    fail(ErrorCode::invalid_argument, "{}: in_channels must be divisible by groups", what);
  }
  if (out % groups != 0) {
    fail(ErrorCode::invalid_argument, "{}: out_channels must be divisible by groups", what);
  }
  for (std::size_t i = 0; i < N; ++i) {
    if (kernel[i] <= 0 || stride[i] <= 0 || dilation[i] <= 0) {
      fail(ErrorCode::invalid_argument,
           "{}: kernel_size, stride and dilation must be positive, got {}, {} and {}", what,
           kernel[i], stride[i], dilation[i]);
    }
  }
  if (padding_mode != "zeros") {
    fail(ErrorCode::unsupported, "{}: padding_mode '{}' (nnload implements 'zeros')", what,
         padding_mode);
  }
}

// x [N, C, ...] or unbatched [C, ...] with C = channels; PyTorch's messages.
template <std::size_t N>
bool check_input(const Tensor& x, const Tensor& weight, std::int64_t channels,
                 std::int64_t groups) {
  check_defined(x, "conv");
  const auto rank = static_cast<std::int64_t>(N);
  if (x.rank() != rank + 1 && x.rank() != rank + 2) {
    fail(ErrorCode::shape,
         "Expected {}D (unbatched) or {}D (batched) input, but got input of size: {}", rank + 1,
         rank + 2, shape_to_list(x.shape()));
  }
  const bool unbatched = x.rank() == rank + 1;
  const std::int64_t c = x.dim(unbatched ? 0 : 1);
  if (c != channels) {
    fail(ErrorCode::shape,
         "Given groups={}, weight of size {}, expected input{} to have {} channels, but got {} "
         "channels instead",
         groups, shape_to_list(weight.shape()), shape_to_list(x.shape()), channels, c);
  }
  return unbatched;
}

// Conv and ConvTranspose run the same way: an unbatched input gets a batch axis for the op;
// weight and bias are constants of the cached op (bits 1 and 2 of the mask), so oneDNN packs
// them once.
template <std::size_t N>
Tensor run_conv(const CachedOp& op, const Tensor& x, const Tensor& weight, const Tensor* bias,
                std::int64_t in_channels, std::int64_t groups) {
  const bool unbatched = check_input<N>(x, weight, in_channels, groups);
  const Tensor xb = unbatched ? unsqueeze(x, 0) : x;
  Tensor y;
  if (bias != nullptr) {
    const Tensor inputs[3] = {xb, weight, *bias};
    y = op.run1(inputs, 0b110);
  } else {
    const Tensor inputs[2] = {xb, weight};
    y = op.run1(inputs, 0b10);
  }
  return unbatched ? squeeze(y, 0) : y;
}

}  // namespace

template <std::size_t N>
ConvNd<N>::ConvNd(ConvOptions<N> options) : options_(std::move(options)) {
  const ConvOptions<N>& o = options_;
  const char* what = N == 1 ? "Conv1d" : "Conv2d";
  check_common<N>(what, o.in_channels, o.out_channels, o.groups, o.kernel_size, o.stride,
                  o.dilation, o.padding_mode);
  if (o.padding.is_same()) {
    for (std::size_t i = 0; i < N; ++i) {
      if (o.stride[i] != 1) {
        fail(ErrorCode::invalid_argument,
             "{}: padding='same' is not supported for strided convolutions", what);
      }
    }
  }
  for (std::size_t i = 0; i < N; ++i) {
    if (o.padding.sizes()[i] < 0) {
      fail(ErrorCode::invalid_argument, "{}: negative padding is not supported", what);
    }
  }
  Shape w{o.out_channels, o.in_channels / o.groups};
  for (std::size_t i = 0; i < N; ++i) w.push_back(o.kernel_size[i]);
  weight_ = &register_parameter("weight", Tensor::zeros(DType::f32, w));
  if (o.bias) bias_ = &register_parameter("bias", Tensor::zeros(DType::f32, {o.out_channels}));
  conv_ = make_op(
      "Conv",
      conv_attrs(o.kernel_size.to_vector(), o.stride.to_vector(), o.padding.sizes().to_vector(),
                 o.padding.is_same(), o.dilation.to_vector(), o.groups),
      o.bias ? 3 : 2);
  track_cache(conv_);
}

template <std::size_t N>
Tensor ConvNd<N>::forward(const Tensor& x) const {
  try {
    return run_conv<N>(*conv_, x, *weight_, bias_, options_.in_channels, options_.groups);
  } catch (const Error& e) {
    rethrow_with_context(e, describe());
  }
}

// PyTorch's _ConvNd.extra_repr; conv modules keep their sizes as tuples.
template <std::size_t N>
std::string ConvNd<N>::extra_repr() const {
  const ConvOptions<N>& o = options_;
  std::string s = fmt::format("{}, {}, kernel_size={}, stride={}", o.in_channels, o.out_channels,
                              py_tuple(o.kernel_size.to_vector()), py_tuple(o.stride.to_vector()));
  if (!o.padding.mode().empty()) {
    s += ", padding=" + o.padding.mode();
  } else if (o.padding.sizes() != ExpandingArray<N>(0)) {
    s += ", padding=" + py_tuple(o.padding.sizes().to_vector());
  }
  if (o.dilation != ExpandingArray<N>(1)) s += ", dilation=" + py_tuple(o.dilation.to_vector());
  if (o.groups != 1) s += fmt::format(", groups={}", o.groups);
  if (!o.bias) s += ", bias=False";
  return s;
}

template <std::size_t N>
ConvTransposeNd<N>::ConvTransposeNd(ConvTransposeOptions<N> options)
    : options_(std::move(options)) {
  const ConvTransposeOptions<N>& o = options_;
  const char* what = N == 1 ? "ConvTranspose1d" : "ConvTranspose2d";
  check_common<N>(what, o.in_channels, o.out_channels, o.groups, o.kernel_size, o.stride,
                  o.dilation, o.padding_mode);
  for (std::size_t i = 0; i < N; ++i) {
    if (o.padding[i] < 0 || o.output_padding[i] < 0) {
      fail(ErrorCode::invalid_argument, "{}: negative padding is not supported", what);
    }
    if (o.output_padding[i] >= o.stride[i] && o.output_padding[i] >= o.dilation[i]) {
      fail(ErrorCode::invalid_argument,
           "{}: output padding must be smaller than either stride or dilation, but got "
           "output_padding={}, stride={}, dilation={}",
           what, o.output_padding[i], o.stride[i], o.dilation[i]);
    }
  }
  Shape w{o.in_channels, o.out_channels / o.groups};
  for (std::size_t i = 0; i < N; ++i) w.push_back(o.kernel_size[i]);
  weight_ = &register_parameter("weight", Tensor::zeros(DType::f32, w));
  if (o.bias) bias_ = &register_parameter("bias", Tensor::zeros(DType::f32, {o.out_channels}));
  conv_ = make_op("ConvTranspose",
                  conv_attrs(o.kernel_size.to_vector(), o.stride.to_vector(), o.padding.to_vector(),
                             false, o.dilation.to_vector(), o.groups, o.output_padding.to_vector()),
                  o.bias ? 3 : 2);
  track_cache(conv_);
}

template <std::size_t N>
Tensor ConvTransposeNd<N>::forward(const Tensor& x) const {
  try {
    return run_conv<N>(*conv_, x, *weight_, bias_, options_.in_channels, options_.groups);
  } catch (const Error& e) {
    rethrow_with_context(e, describe());
  }
}

template <std::size_t N>
std::string ConvTransposeNd<N>::extra_repr() const {
  const ConvTransposeOptions<N>& o = options_;
  std::string s = fmt::format("{}, {}, kernel_size={}, stride={}", o.in_channels, o.out_channels,
                              py_tuple(o.kernel_size.to_vector()), py_tuple(o.stride.to_vector()));
  if (o.padding != ExpandingArray<N>(0)) s += ", padding=" + py_tuple(o.padding.to_vector());
  if (o.dilation != ExpandingArray<N>(1)) s += ", dilation=" + py_tuple(o.dilation.to_vector());
  if (o.output_padding != ExpandingArray<N>(0)) {
    s += ", output_padding=" + py_tuple(o.output_padding.to_vector());
  }
  if (o.groups != 1) s += fmt::format(", groups={}", o.groups);
  if (!o.bias) s += ", bias=False";
  return s;
}

template class ConvNd<1>;
template class ConvNd<2>;
template class ConvTransposeNd<1>;
template class ConvTransposeNd<2>;

}  // namespace nnload::nn::detail
