// The process's one oneDNN CPU engine and what every oneDNN-backed kernel shares: fused
// activations as post-ops, weights packed once, and re-entrant execution (a per-call scratchpad
// and a per-thread stream, so one primitive runs from many threads at once).
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <memory>
#include <unordered_map>

#include "linalg/activation.hpp"
#include "nnload/tensor.hpp"

namespace nnload::linalg::dnnl_util {

using dnnl::memory;

const dnnl::engine& cpu_engine();

memory::dims to_dims(const Shape& shape);
// Row-major f32 descriptor of `dims`.
memory::desc plain_desc(const memory::dims& dims);
// Descriptor with explicit element strides (a transposed view, a weight layout...).
memory::desc strided_desc(const memory::dims& dims, const memory::dims& strides);

// An attribute with the user scratchpad mode that re-entrant execution needs.
dnnl::primitive_attr make_attr();

// Appends eltwise post-ops computing `activation`. Returns false, appending nothing, when
// oneDNN has no algorithm for it; the caller then applies it with linalg::apply_activation.
bool append_activation(dnnl::post_ops& ops, const Activation& activation);

// A reorder between two layouts, built once (compile time) and run many times, re-entrantly.
class Reorder {
 public:
  Reorder() = default;
  Reorder(const memory::desc& from, const memory::desc& to);
  bool defined() const { return static_cast<bool>(primitive_); }
  const memory::desc& to() const { return to_; }
  void run(const void* src, void* dst) const;

 private:
  memory::desc from_, to_, scratchpad_;
  dnnl::reorder primitive_;
};

// A 64-byte aligned byte buffer (kernels own packed weights in one, run() allocates per call).
std::shared_ptr<std::byte> allocate(std::size_t bytes);

// Memory owned by a kernel in a primitive's preferred layout: constant weights reordered once
// at compile time. Immutable after construction; run() wraps it read-only.
class PackedMemory {
 public:
  PackedMemory() = default;
  // Reorders `data` (laid out as `from`) into a new buffer laid out as `to`.
  PackedMemory(const memory::desc& from, const void* data, const memory::desc& to);
  bool defined() const { return buffer_ != nullptr; }
  memory wrap() const;
  const memory::desc& desc() const { return desc_; }

 private:
  memory::desc desc_;
  std::shared_ptr<std::byte> buffer_;
};

// Wraps a caller-owned buffer (oneDNN takes a non-const handle even for inputs; the primitive
// only reads them).
memory wrap(const memory::desc& desc, const void* data);

// Executes `primitive` on the calling thread's stream and waits. The scratchpad (described by
// `scratchpad`, from the primitive descriptor) is a per-thread buffer that grows as needed.
void execute(const dnnl::primitive& primitive, const memory::desc& scratchpad,
             std::unordered_map<int, memory>& args);

// The implementation oneDNN chose ("brgconv:avx512_core"), for tests and debug output.
std::string impl_name(const dnnl::primitive_desc_base& pd);

}  // namespace nnload::linalg::dnnl_util
