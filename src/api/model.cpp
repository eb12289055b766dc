#include "nnload/model.hpp"

#include <algorithm>

#include "api/model_impl.hpp"
#include "api/summary.hpp"
#include "core/fail.hpp"
#include "core/threads.hpp"
#include "graph/passes/passes.hpp"

namespace nnload {

Model::Model(std::shared_ptr<const detail::ModelImpl> impl, int threads)
    : impl_(std::move(impl)), threads_(threads) {
  if (!impl_) fail(ErrorCode::internal, "Model built without a loaded model");
}

const ModelInfo& Model::info() const { return impl_->model.info; }
bool Model::can_predict() const { return impl_->executor != nullptr; }
const std::vector<TensorInfo>& Model::inputs() const { return impl_->model.inputs; }
const std::vector<TensorInfo>& Model::outputs() const { return impl_->model.outputs; }

std::vector<Tensor> Model::predict(const std::vector<Tensor>& inputs) const {
  if (!impl_->executor)
    throw Error(impl_->model.weights_only_code, impl_->model.weights_only_reason);
  ScopedThreads threads(threads_);
  return impl_->executor->run(inputs);
}

std::vector<OpProfile> Model::profile(const std::vector<Tensor>& inputs, int runs) const {
  if (!impl_->executor)
    throw Error(impl_->model.weights_only_code, impl_->model.weights_only_reason);
  ScopedThreads threads(threads_);
  std::map<std::string, graph::Executor::OpTime> per_op;
  for (int r = 0; r < runs; ++r) impl_->executor->run_profiled(inputs, per_op);
  std::vector<OpProfile> result;
  for (const auto& [op, t] : per_op)
    result.push_back({op, runs > 0 ? t.steps / runs : 0, t.seconds});
  std::sort(result.begin(), result.end(),
            [](const OpProfile& a, const OpProfile& b) { return a.seconds > b.seconds; });
  return result;
}

std::vector<TensorInfo> Model::overridable_inputs() const {
  return impl_->model.overridable ? impl_->model.overridable->infos : std::vector<TensorInfo>{};
}

namespace {

// predict() by name when some inputs override stored initializers: every graph input, from
// `inputs` or else the stored default.
std::vector<Tensor> run_with_overrides(const detail::ModelImpl& impl,
                                       const std::map<std::string, Tensor>& inputs) {
  const formats::OverridableInputs& o = *impl.model.overridable;
  std::call_once(impl.override_once, [&] {
    impl.override_error = o.error;
    if (!o.graph) return;
    try {
      auto g = std::make_shared<graph::Graph>(*o.graph);
      graph::passes::optimize(*g);
      impl.override_executor = std::make_shared<graph::Executor>(g);
    } catch (const Error& e) {
      impl.override_error = e.what();
    }
  });
  if (!impl.override_executor) {
    fail(ErrorCode::unsupported, "initializers can't be overridden in this model: {}",
         impl.override_error);
  }
  std::vector<Tensor> ordered;
  for (const std::string& name : o.input_names) {
    auto given = inputs.find(name);
    if (given != inputs.end()) {
      ordered.push_back(given->second);
      continue;
    }
    const Tensor* fallback = nullptr;
    for (std::size_t i = 0; i < o.infos.size(); ++i) {
      if (o.infos[i].name == name) fallback = &o.defaults[i];
    }
    if (fallback == nullptr) fail(ErrorCode::not_found, "no value given for input '{}'", name);
    ordered.push_back(*fallback);
  }
  return impl.override_executor->run(ordered);
}

bool names_overridable(const detail::ModelImpl& impl, const std::string& name) {
  if (!impl.model.overridable) return false;
  for (const TensorInfo& info : impl.model.overridable->infos) {
    if (info.name == name) return true;
  }
  return false;
}

}  // namespace

std::map<std::string, Tensor> Model::predict(const std::map<std::string, Tensor>& inputs) const {
  bool overrides = false;
  for (const auto& [name, tensor] : inputs)
    overrides = overrides || names_overridable(*impl_, name);
  if (overrides) {
    ScopedThreads threads(threads_);
    std::vector<Tensor> outputs = run_with_overrides(*impl_, inputs);
    std::map<std::string, Tensor> named;
    for (std::size_t i = 0; i < outputs.size(); ++i)
      named.emplace(impl_->model.outputs[i].name, std::move(outputs[i]));
    return named;
  }
  std::vector<Tensor> ordered;
  for (const TensorInfo& info : impl_->model.inputs) {
    auto it = inputs.find(info.name);
    if (it == inputs.end()) {
      std::vector<std::string> names;
      for (const TensorInfo& i : impl_->model.inputs) names.push_back(i.name);
      fail(ErrorCode::not_found, "no value given for input '{}' (the model's inputs: {})",
           info.name, fmt::join(names, ", "));
    }
    ordered.push_back(it->second);
  }
  for (const auto& [name, tensor] : inputs) {
    bool known = false;
    for (const TensorInfo& info : impl_->model.inputs) known = known || info.name == name;
    if (!known) fail(ErrorCode::not_found, "the model has no input named '{}'", name);
  }
  std::vector<Tensor> outputs = predict(ordered);
  std::map<std::string, Tensor> named;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    named.emplace(impl_->model.outputs[i].name, std::move(outputs[i]));
  }
  return named;
}

const std::vector<SignatureInfo>& Model::signatures() const { return impl_->signature_infos; }

Signature Model::signature(const std::string& name) const {
  const std::string wanted = name.empty() ? impl_->model.default_signature : name;
  for (const detail::SignatureImpl& s : impl_->signatures) {
    if (s.info.name == wanted) return Signature(impl_, &s, threads_);
  }
  std::vector<std::string> names;
  for (const detail::SignatureImpl& s : impl_->signatures) names.push_back(s.info.name);
  if (names.empty())
    fail(ErrorCode::not_found, "the model has no signatures ({} files have none)", info().format);
  fail(ErrorCode::not_found, "no signature named '{}' (the model has: {})", wanted,
       fmt::join(names, ", "));
}

Signature::Signature(std::shared_ptr<const detail::ModelImpl> model,
                     const detail::SignatureImpl* impl, int threads)
    : model_(std::move(model)), impl_(impl), threads_(threads) {}

const SignatureInfo& Signature::info() const { return impl_->info; }

std::map<std::string, Tensor> Signature::run(const std::map<std::string, Tensor>& inputs) const {
  if (!impl_->executor) throw Error(impl_->error_code, impl_->error_message);
  std::vector<Tensor> ordered;
  for (const SignatureTensor& in : impl_->info.inputs) {
    auto it = inputs.find(in.key);
    if (it == inputs.end()) {
      std::vector<std::string> keys;
      for (const SignatureTensor& i : impl_->info.inputs) keys.push_back(i.key);
      fail(ErrorCode::not_found, "signature '{}': no value for input '{}' (its inputs: {})",
           impl_->info.name, in.key, fmt::join(keys, ", "));
    }
    ordered.push_back(it->second);
  }
  for (const auto& [key, tensor] : inputs) {
    bool known = false;
    for (const SignatureTensor& in : impl_->info.inputs) known = known || in.key == key;
    if (!known)
      fail(ErrorCode::not_found, "signature '{}' has no input '{}'", impl_->info.name, key);
  }
  ScopedThreads threads(threads_);
  std::vector<Tensor> outputs = impl_->executor->run(ordered);
  std::map<std::string, Tensor> named;
  for (std::size_t i = 0; i < outputs.size() && i < impl_->info.outputs.size(); ++i) {
    named.emplace(impl_->info.outputs[i].key, std::move(outputs[i]));
  }
  return named;
}

void Model::summary(std::ostream& out) const { detail::print_summary(*impl_, out); }

std::vector<WeightInfo> Model::weights() const {
  std::vector<WeightInfo> out;
  for (const formats::NamedWeight& w : impl_->model.weights) {
    out.push_back({w.name, w.value.dtype(), w.value.shape(), w.trainable, w.location});
  }
  return out;
}

Tensor Model::weight(const std::string& name) const {
  for (const formats::NamedWeight& w : impl_->model.weights) {
    if (w.name == name) return w.value;
  }
  std::vector<std::string> some;
  for (const formats::NamedWeight& w : impl_->model.weights) {
    if (some.size() == 5) break;
    some.push_back(w.name);
  }
  fail(ErrorCode::not_found, "no weight named '{}' (the model has {} weights, e.g. {})", name,
       impl_->model.weights.size(), fmt::join(some, ", "));
}

}  // namespace nnload
