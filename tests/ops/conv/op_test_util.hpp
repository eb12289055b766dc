// Helpers the conv, pool and matmul tests share: random tensors, layout changes, running an
// op with some inputs hidden from compile time, and running one kernel from several threads.
#pragma once

#include <random>
#include <thread>
#include <vector>

#include "graph/attributes.hpp"
#include "ops/registry.hpp"
#include "ops/run_op.hpp"

namespace nnload::testing {

template <class T = float>
Tensor random_tensor(Shape shape, std::uint32_t seed, double lo = -1, double hi = 1) {
  Tensor t = Tensor::empty(dtype_of<T>(), std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  T* p = t.mutable_data<T>();
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<T>(dist(rng));
  return t;
}

// Moves axis 1 to the end (NCHW -> NHWC) or the last axis to 1 (NHWC -> NCHW).
inline Tensor move_channels(const Tensor& x, bool to_last) {
  const Shape& s = x.shape();
  const std::int64_t rank = x.rank();
  Shape out_shape = s;
  const std::int64_t channels = to_last ? s[1] : s.back();
  if (to_last) {
    out_shape.erase(out_shape.begin() + 1);
    out_shape.push_back(channels);
  } else {
    out_shape.pop_back();
    out_shape.insert(out_shape.begin() + 1, channels);
  }
  Tensor y = Tensor::empty(x.dtype(), out_shape);
  std::int64_t spatial = 1;
  for (std::int64_t i = 2; i < rank; ++i) spatial *= to_last ? s[i] : s[i - 1];
  const std::int64_t batch = s[0];
  const std::size_t es = dtype_size(x.dtype());
  const auto* in = static_cast<const std::byte*>(x.raw());
  auto* out = static_cast<std::byte*>(y.mutable_raw());
  for (std::int64_t n = 0; n < batch; ++n)
    for (std::int64_t c = 0; c < channels; ++c)
      for (std::int64_t p = 0; p < spatial; ++p) {
        const std::int64_t first = (n * channels + c) * spatial + p;
        const std::int64_t last = (n * spatial + p) * channels + c;
        const std::int64_t from = to_last ? first : last, to = to_last ? last : first;
        std::copy_n(in + from * es, es, out + to * es);
      }
  return y;
}

inline graph::Node make_node(const std::string& op, std::size_t num_inputs,
                             const graph::Attributes& attrs, const std::string& domain = "",
                             int num_outputs = 1) {
  graph::Node node;
  node.name = op;
  node.op = op;
  node.domain = domain;
  node.attrs = attrs;
  node.inputs.assign(num_inputs, 0);
  node.outputs.assign(static_cast<std::size_t>(num_outputs), 0);
  return node;
}

// Like run_op, but the inputs listed in `runtime` are not known at compile time (as for
// weights fed as graph inputs), so the kernel cannot pre-pack them.
inline std::vector<Tensor> run_op_runtime(const std::string& op, const std::vector<Tensor>& inputs,
                                          const graph::Attributes& attrs,
                                          const std::vector<std::size_t>& runtime,
                                          const std::string& domain = "") {
  const auto node = make_node(op, inputs.size(), attrs, domain);
  const auto o = ops::create_op(node, domain.empty() ? graph::kLatestOpset : 1);
  std::vector<ops::InputInfo> infos;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    ops::InputInfo info = ops::info_of(inputs[i]);
    for (std::size_t r : runtime) {
      if (r == i) info.value = nullptr;
    }
    infos.push_back(info);
  }
  const auto types = o->infer(infos);
  std::vector<Tensor> outputs;
  for (const auto& t : types) outputs.push_back(Tensor::empty(t.dtype, t.shape));
  o->make_kernel(infos, types)->run(inputs, outputs);
  return outputs;
}

// Builds one kernel and runs it from `threads` threads at once, `rounds` times each; returns
// each thread's last output 0.
inline std::vector<Tensor> run_concurrently(const std::string& op,
                                            const std::vector<Tensor>& inputs,
                                            const graph::Attributes& attrs, int threads = 4,
                                            int rounds = 20) {
  const auto node = make_node(op, inputs.size(), attrs);
  const auto o = ops::create_op(node, graph::kLatestOpset);
  std::vector<ops::InputInfo> infos;
  for (const Tensor& t : inputs) infos.push_back(ops::info_of(t));
  const auto types = o->infer(infos);
  const auto kernel = o->make_kernel(infos, types);
  std::vector<Tensor> results(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int r = 0; r < rounds; ++r) {
        std::vector<Tensor> outputs;
        for (const auto& type : types) outputs.push_back(Tensor::empty(type.dtype, type.shape));
        kernel->run(inputs, outputs);
        results[static_cast<std::size_t>(t)] = outputs[0];
      }
    });
  }
  for (auto& th : pool) th.join();
  return results;
}

inline bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::equal(static_cast<const std::byte*>(a.raw()),
                    static_cast<const std::byte*>(a.raw()) + a.nbytes(),
                    static_cast<const std::byte*>(b.raw()));
}

}  // namespace nnload::testing

namespace nnload::testing {

using Ints = std::vector<std::int64_t>;

inline graph::Attributes attrs_of(
    std::initializer_list<std::pair<std::string, graph::AttrValue>> values) {
  graph::Attributes a;
  for (const auto& [name, value] : values) a.set(name, value);
  return a;
}

}  // namespace nnload::testing
