// nn.Linear on Gemm (transB = 1: PyTorch's weight is [out, in]), nn.Embedding on Gather.
#include "nnload/nn/linear.hpp"

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "nn/functional_common.hpp"
#include "nn/repr.hpp"
#include "nnload/nn/embedding.hpp"

namespace nnload::nn {

Linear::Linear(std::int64_t in_features, std::int64_t out_features, bool bias)
    : in_features_(in_features), out_features_(out_features) {
  if (in_features < 0 || out_features < 0) {
    fail(ErrorCode::invalid_argument, "Linear: in_features {} and out_features {} must be >= 0",
         in_features, out_features);
  }
  weight_ = &register_parameter("weight", Tensor::zeros(DType::f32, {out_features, in_features}));
  if (bias) bias_ = &register_parameter("bias", Tensor::zeros(DType::f32, {out_features}));
  gemm_ = detail::make_op("Gemm", detail::linear_attrs(), bias ? 3 : 2);
  track_cache(gemm_);
}

Tensor Linear::forward(const Tensor& x) const {
  try {
    return detail::linear_with(*gemm_, x, *weight_, bias_ != nullptr ? *bias_ : Tensor(), 0b110);
  } catch (const Error& e) {
    rethrow_with_context(e, describe());
  }
}

std::string Linear::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, bias={}", in_features_, out_features_,
                     detail::py_bool(bias_ != nullptr));
}

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim,
                     std::optional<std::int64_t> padding_idx)
    : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {
  if (num_embeddings < 0 || embedding_dim < 0) {
    fail(ErrorCode::invalid_argument,
         "Embedding: num_embeddings {} and embedding_dim {} must be >= 0", num_embeddings,
         embedding_dim);
  }
  if (padding_idx) {
    if (*padding_idx >= num_embeddings || *padding_idx < -num_embeddings) {
      fail(ErrorCode::invalid_argument, "Embedding: Padding_idx must be within num_embeddings");
    }
    padding_idx_ = *padding_idx < 0 ? *padding_idx + num_embeddings : *padding_idx;
  }
  weight_ =
      &register_parameter("weight", Tensor::zeros(DType::f32, {num_embeddings, embedding_dim}));
  gather_ = detail::make_op("Gather", detail::attrs({{"axis", std::int64_t{0}}}), 2);
  track_cache(gather_);
}

Tensor Embedding::forward(const Tensor& indices) const {
  try {
    detail::check_defined(indices, "Embedding");
    if (indices.dtype() != DType::i64 && indices.dtype() != DType::i32) {
      fail(ErrorCode::shape, "indices have dtype {}, expected int64 or int32",
           dtype_name(indices.dtype()));
    }
    // ONNX's Gather counts negative indices from the end; PyTorch rejects them.
    visit_dtype(indices.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::int32_t>) {
        for (T i : indices.values<T>()) {
          if (i < 0 || i >= num_embeddings_) {
            fail(ErrorCode::shape, "index {} is out of range [0, {})", static_cast<long long>(i),
                 num_embeddings_);
          }
        }
      }
    });
    const Tensor inputs[2] = {*weight_, indices};
    return gather_->run1(inputs, 0b1);
  } catch (const Error& e) {
    rethrow_with_context(e, describe());
  }
}

std::string Embedding::extra_repr() const {
  std::string s = fmt::format("{}, {}", num_embeddings_, embedding_dim_);
  if (padding_idx_) s += fmt::format(", padding_idx={}", *padding_idx_);
  return s;
}

}  // namespace nnload::nn
