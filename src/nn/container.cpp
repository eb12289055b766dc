// nn.Sequential and nn.ModuleList.
#include "nnload/nn/container.hpp"

#include "core/fail.hpp"

namespace nnload::nn {

namespace detail {

void ModuleSequence::append(std::shared_ptr<Module> module, Forward forward) {
  if (module == nullptr) {
    fail(ErrorCode::invalid_argument, "{}: can't append a null module", describe());
  }
  const std::string name = std::to_string(items_.size());
  register_module(name, module);
  items_.push_back({std::move(module), std::move(forward)});
}

Module& ModuleSequence::operator[](std::size_t i) const {
  if (i >= items_.size()) {
    fail(ErrorCode::invalid_argument, "{}: index {} is out of range (size {})", describe(), i,
         items_.size());
  }
  return *items_[i].module;
}

void ModuleSequence::wrong_type(std::size_t i) const {
  fail(ErrorCode::invalid_argument, "{}: module {} is a {}, not the type asked for", describe(), i,
       (*this)[i].type_name());
}

Tensor ModuleSequence::call(std::size_t i, const Tensor& x) const {
  Module& m = (*this)[i];
  if (!items_[i].forward) {
    fail(ErrorCode::unsupported, "{}: module {} ({}) does not take one tensor and return one",
         describe(), i, m.type_name());
  }
  return items_[i].forward(x);
}

}  // namespace detail

Tensor Sequential::forward(const Tensor& x) const {
  Tensor y = x;
  for (std::size_t i = 0; i < size(); ++i) y = call(i, y);
  return y;
}

}  // namespace nnload::nn
