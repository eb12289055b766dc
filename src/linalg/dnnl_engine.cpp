#include "linalg/dnnl_engine.hpp"

#include <cstdlib>
#include <new>

#include "core/fail.hpp"
#include "io/mapped_file.hpp"

namespace nnload::linalg::dnnl_util {

using dnnl::algorithm;

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine = [] {
    // At its first JIT kernel oneDNN looks for VTune's profiling library (libJitPI.so) along the
    // whole library path: ~60 failed opens on every process start. DNNL_JIT_PROFILE still
    // turns profiling on for whoever wants it.
    if (std::getenv("DNNL_JIT_PROFILE") == nullptr) dnnl::set_jit_profiling_flags(0);
    return dnnl::engine(dnnl::engine::kind::cpu, 0);
  }();
  return engine;
}

memory::dims to_dims(const Shape& shape) { return memory::dims(shape.begin(), shape.end()); }

memory::desc plain_desc(const memory::dims& dims) {
  memory::dims strides(dims.size(), 1);
  for (std::size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
  return strided_desc(dims, strides);
}

memory::desc strided_desc(const memory::dims& dims, const memory::dims& strides) {
  return memory::desc(dims, memory::data_type::f32, strides);
}

dnnl::primitive_attr make_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

bool append_activation(dnnl::post_ops& ops, const Activation& a) {
  auto add = [&](algorithm alg, float alpha = 0, float beta = 0) {
    ops.append_eltwise(1.0f, alg, alpha, beta);
  };
  switch (a.kind) {
    case ActivationKind::none:
      return true;
    case ActivationKind::relu:
      add(algorithm::eltwise_relu);
      return true;
    case ActivationKind::leaky_relu:
      add(algorithm::eltwise_relu, a.alpha);
      return true;
    case ActivationKind::clip:
      add(algorithm::eltwise_clip_v2, a.alpha, a.beta);
      return true;
    case ActivationKind::sigmoid:
      add(algorithm::eltwise_logistic);
      return true;
    case ActivationKind::hard_sigmoid:
      add(algorithm::eltwise_linear, a.alpha, a.beta);
      add(algorithm::eltwise_clip_v2, 0.0f, 1.0f);
      return true;
    case ActivationKind::hard_swish:
      add(algorithm::eltwise_hardswish);
      return true;
    case ActivationKind::tanh:
      add(algorithm::eltwise_tanh);
      return true;
    case ActivationKind::elu:
      add(algorithm::eltwise_elu, a.alpha);
      return true;
    case ActivationKind::selu:
      add(algorithm::eltwise_elu, a.alpha);
      add(algorithm::eltwise_linear, a.beta, 0.0f);
      return true;
    case ActivationKind::softplus:
      add(algorithm::eltwise_soft_relu);
      return true;
    case ActivationKind::swish:
      add(algorithm::eltwise_swish, a.alpha);
      return true;
    case ActivationKind::mish:
      add(algorithm::eltwise_mish);
      return true;
    case ActivationKind::gelu_erf:
      add(algorithm::eltwise_gelu_erf);
      return true;
    case ActivationKind::gelu_tanh:
      add(algorithm::eltwise_gelu_tanh);
      return true;
    case ActivationKind::exp:
      add(algorithm::eltwise_exp);
      return true;
    case ActivationKind::softsign:
      return false;
  }
  return false;
}

std::shared_ptr<std::byte> allocate(std::size_t bytes) {
  constexpr std::align_val_t kAlign{64};
  auto* p = static_cast<std::byte*>(::operator new(bytes == 0 ? 1 : bytes, kAlign));
  return std::shared_ptr<std::byte>(p, [](std::byte* q) { ::operator delete(q, kAlign); });
}

memory wrap(const memory::desc& desc, const void* data) {
  return memory(desc, cpu_engine(), const_cast<void*>(data));
}

Reorder::Reorder(const memory::desc& from, const memory::desc& to) : from_(from), to_(to) {
  const dnnl::reorder::primitive_desc pd(cpu_engine(), from, cpu_engine(), to, make_attr());
  scratchpad_ = pd.scratchpad_desc();
  primitive_ = dnnl::reorder(pd);
}

void Reorder::run(const void* src, void* dst) const {
  std::unordered_map<int, memory> args{{DNNL_ARG_FROM, wrap(from_, src)},
                                       {DNNL_ARG_TO, wrap(to_, dst)}};
  execute(primitive_, scratchpad_, args);
}

PackedMemory::PackedMemory(const memory::desc& from, const void* data, const memory::desc& to)
    : desc_(to), buffer_(allocate(to.get_size())) {
  Reorder(from, to).run(data, buffer_.get());
  // The packed copy is what runs from now on; weights viewed from a mapped model file need not
  // stay resident too (peak RSS: ResNet-18's 45 MB would count twice).
  io::release_mapped_pages(data, from.get_size());
}

memory PackedMemory::wrap() const { return dnnl_util::wrap(desc_, buffer_.get()); }

namespace {

// The calling thread's scratchpad. A thread runs one primitive at a time, so one buffer per
// thread is enough; it only grows.
std::byte* thread_scratchpad(std::size_t bytes) {
  thread_local std::shared_ptr<std::byte> buffer;
  thread_local std::size_t capacity = 0;
  if (bytes > capacity) {
    buffer = allocate(bytes);
    capacity = bytes;
  }
  return buffer.get();
}

dnnl::stream& thread_stream() {
  thread_local dnnl::stream stream(cpu_engine());
  return stream;
}

}  // namespace

void execute(const dnnl::primitive& primitive, const memory::desc& scratchpad,
             std::unordered_map<int, memory>& args) {
  const std::size_t bytes = scratchpad.get_size();
  if (bytes > 0) args[DNNL_ARG_SCRATCHPAD] = wrap(scratchpad, thread_scratchpad(bytes));
  dnnl::stream& stream = thread_stream();
  try {
    primitive.execute(stream, args);
    stream.wait();
  } catch (const dnnl::error& e) {
    fail(ErrorCode::internal, "oneDNN execution failed: {}", e.what());
  }
}

std::string impl_name(const dnnl::primitive_desc_base& pd) { return pd.impl_info_str(); }

}  // namespace nnload::linalg::dnnl_util
