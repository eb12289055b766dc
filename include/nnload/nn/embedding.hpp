// nn.Embedding.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "nnload/nn/module.hpp"

namespace nnload::nn {

// Rows of "weight" [num_embeddings, embedding_dim] picked by integer indices of any shape:
// [*] -> [*, embedding_dim]. padding_idx only matters for training in PyTorch (that row gets no
// gradient); it is checked and kept for extra_repr. Indices outside [0, num_embeddings) are an
// Error, like PyTorch's "index out of range".
class Embedding : public Module {
 public:
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim,
            std::optional<std::int64_t> padding_idx = std::nullopt);
  Embedding(Embedding&&) = default;

  Tensor forward(const Tensor& indices) const;
  Tensor operator()(const Tensor& indices) const { return forward(indices); }

  const Tensor& weight() const { return *weight_; }
  std::string extra_repr() const override;

 private:
  std::int64_t num_embeddings_, embedding_dim_;
  std::optional<std::int64_t> padding_idx_;
  Tensor* weight_;
  std::shared_ptr<detail::CachedOp> gather_;
};

}  // namespace nnload::nn
