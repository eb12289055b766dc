#include "nn/cached_op.hpp"

#include <tuple>
#include <unordered_map>

#include "core/fail.hpp"
#include "core/threads.hpp"
#include "ops/registry.hpp"

namespace nnload::nn::detail {

namespace {

// Kernels kept per op; a forward() on ever-changing shapes evicts the oldest.
constexpr std::size_t kMaxKernels = 32;
// Functional ops kept process-wide; beyond that a call builds a temporary op.
constexpr std::size_t kMaxSharedOps = 4096;

bool is_constant(std::uint32_t constant, std::size_t i) {
  return i < 32 && (constant >> i & 1u) != 0;
}

}  // namespace

struct CachedOp::Key {
  struct Input {
    bool present = true;
    DType dtype = DType::f32;
    Shape shape;
    std::uintptr_t constant_data = 0;  // storage of a constant input, 0 otherwise
    auto tie() const { return std::tie(present, dtype, shape, constant_data); }
    bool operator<(const Input& o) const { return tie() < o.tie(); }
  };
  int threads = 0;
  std::vector<Input> inputs;
  bool operator<(const Key& o) const {
    return std::tie(threads, inputs) < std::tie(o.threads, o.inputs);
  }
};

struct CachedOp::Entry {
  std::vector<ops::TensorType> outputs;
  std::unique_ptr<ops::Kernel> kernel;
  std::vector<Tensor> constants;  // keeps the values the kernel was built from alive
};

CachedOp::CachedOp(const std::string& op_type, graph::Attributes attrs, int num_inputs,
                   int num_outputs, int opset, const std::string& domain)
    : op_type_(op_type) {
  graph::Node node;
  node.name = op_type;
  node.op = op_type;
  node.domain = domain;
  node.attrs = std::move(attrs);
  node.inputs.assign(static_cast<std::size_t>(num_inputs), 0);
  node.outputs.assign(static_cast<std::size_t>(num_outputs), 0);
  op_ = ops::create_op(node, opset);
}

CachedOp::~CachedOp() = default;

std::shared_ptr<const CachedOp::Entry> CachedOp::entry_for(std::span<const Tensor> inputs,
                                                           std::uint32_t constant) const {
  Key key;
  key.threads = num_threads();
  key.inputs.resize(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Key::Input& k = key.inputs[i];
    k.present = inputs[i].defined();
    if (!k.present) continue;
    k.dtype = inputs[i].dtype();
    k.shape = inputs[i].shape();
    if (is_constant(constant, i)) {
      k.constant_data = reinterpret_cast<std::uintptr_t>(inputs[i].raw());
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = kernels_.find(key);
  if (found != kernels_.end()) return found->second;

  // Built under the lock: threads asking for the same kernel wait for one build instead of
  // each creating its own primitive.
  auto entry = std::make_shared<Entry>();
  std::vector<ops::InputInfo> infos(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    ops::InputInfo& info = infos[i];
    if (!inputs[i].defined()) {
      info.present = false;
      continue;
    }
    info.dtype = inputs[i].dtype();
    info.shape = inputs[i].shape();
    if (is_constant(constant, i)) entry->constants.push_back(inputs[i]);
  }
  // Point the infos at the entry's own handles (stable: the vector no longer grows).
  std::size_t c = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (infos[i].present && is_constant(constant, i)) {
      infos[i].value = &entry->constants[c++];
    }
  }
  try {
    entry->outputs = op_->infer(infos);
    entry->kernel = op_->make_kernel(infos, entry->outputs);
  } catch (const Error& e) {
    rethrow_with_context(e, op_type_);
  }
  ++built_;
  if (order_.size() >= kMaxKernels) {
    kernels_.erase(order_.front());
    order_.erase(order_.begin());
  }
  kernels_.emplace(key, entry);
  order_.push_back(std::move(key));
  return entry;
}

std::vector<Tensor> CachedOp::run(std::span<const Tensor> inputs, std::uint32_t constant) const {
  const std::shared_ptr<const Entry> entry = entry_for(inputs, constant);
  std::vector<Tensor> outputs;
  outputs.reserve(entry->outputs.size());
  for (const ops::TensorType& t : entry->outputs)
    outputs.push_back(Tensor::empty(t.dtype, t.shape));
  try {
    entry->kernel->run(inputs, outputs);
  } catch (const Error& e) {
    rethrow_with_context(e, op_type_);
  }
  return outputs;
}

void CachedOp::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  kernels_.clear();
  order_.clear();
}

std::size_t CachedOp::kernels_cached() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return kernels_.size();
}

std::shared_ptr<CachedOp> make_op(const std::string& op_type, graph::Attributes attrs,
                                  int num_inputs, int num_outputs, int opset,
                                  const std::string& domain) {
  return std::make_shared<CachedOp>(op_type, std::move(attrs), num_inputs, num_outputs, opset,
                                    domain);
}

CachedOp& shared_op(const std::string& op_type, const graph::Attributes& attrs, int num_inputs,
                    int opset, const std::string& domain, int num_outputs) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::unique_ptr<CachedOp>> ops;
  const std::string key = fmt::format("{}.{}/{}/{}/{}/{}", domain, op_type, opset, num_inputs,
                                      num_outputs, attrs.to_string());
  std::lock_guard<std::mutex> lock(mutex);
  auto found = ops.find(key);
  if (found != ops.end()) return *found->second;
  auto op = std::make_unique<CachedOp>(op_type, attrs, num_inputs, num_outputs, opset, domain);
  if (ops.size() >= kMaxSharedOps) {
    // Not expected from real models; keep the op alive for this thread's call only.
    thread_local std::unique_ptr<CachedOp> overflow;
    overflow = std::move(op);
    return *overflow;
  }
  return *ops.emplace(key, std::move(op)).first->second;
}

graph::Attributes attrs(std::initializer_list<std::pair<std::string, graph::AttrValue>> values) {
  graph::Attributes a;
  for (const auto& [name, value] : values) a.set(name, value);
  return a;
}

}  // namespace nnload::nn::detail
