// CachedOp: one op of the registry run eagerly, with its kernels cached per input types, so an
// eager module pays for kernel creation (oneDNN primitives, weight packing) once, not per call.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "graph/attributes.hpp"
#include "graph/graph.hpp"
#include "ops/op.hpp"

namespace nnload::nn::detail {

class CachedOp {
 public:
  // Parses the op once; Error(unsupported) when the registry has no such op at `opset`.
  CachedOp(const std::string& op_type, graph::Attributes attrs, int num_inputs, int num_outputs = 1,
           int opset = graph::kLatestOpset, const std::string& domain = "");
  ~CachedOp();
  CachedOp(const CachedOp&) = delete;
  CachedOp& operator=(const CachedOp&) = delete;

  // Runs the op on `inputs` (undefined tensors stand for omitted optional inputs). Inputs whose
  // bit is set in `constant` are module state (weights): the kernel sees their values when it
  // is built, may pre-pack them, and is reused as long as the same storage is passed, until
  // clear(). Kernels are cached per thread count and input dtypes and shapes. Thread-safe.
  std::vector<Tensor> run(std::span<const Tensor> inputs, std::uint32_t constant = 0) const;
  Tensor run1(std::span<const Tensor> inputs, std::uint32_t constant = 0) const {
    return run(inputs, constant).at(0);
  }
  Tensor run1(std::initializer_list<Tensor> inputs, std::uint32_t constant = 0) const {
    return run1(std::span<const Tensor>(inputs.begin(), inputs.size()), constant);
  }

  // Drops every cached kernel (the weights they packed changed).
  void clear();
  // How many kernels this op has built so far (tests check that calls reuse them).
  std::size_t kernels_built() const { return built_.load(); }
  std::size_t kernels_cached() const;
  const std::string& op_type() const { return op_type_; }

 private:
  struct Key;
  struct Entry;
  std::shared_ptr<const Entry> entry_for(std::span<const Tensor> inputs,
                                         std::uint32_t constant) const;

  std::string op_type_;
  std::unique_ptr<ops::Op> op_;
  mutable std::mutex mutex_;
  mutable std::map<Key, std::shared_ptr<const Entry>> kernels_;
  mutable std::vector<Key> order_;  // oldest first, for eviction
  mutable std::atomic<std::size_t> built_{0};
};

std::shared_ptr<CachedOp> make_op(const std::string& op_type, graph::Attributes attrs = {},
                                  int num_inputs = 1, int num_outputs = 1,
                                  int opset = graph::kLatestOpset, const std::string& domain = "");

// The process-wide CachedOp for a functional call (relu, softmax with dim 1, ...): one per op,
// attributes and opset, created on first use.
CachedOp& shared_op(const std::string& op_type, const graph::Attributes& attrs = {},
                    int num_inputs = 1, int opset = graph::kLatestOpset,
                    const std::string& domain = "", int num_outputs = 1);

// Attributes from a list, for one-line call sites: attrs({{"axis", int64_t{1}}}).
graph::Attributes attrs(std::initializer_list<std::pair<std::string, graph::AttrValue>> values);

}  // namespace nnload::nn::detail
