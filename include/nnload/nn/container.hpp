// nn.Sequential and nn.ModuleList: submodules named "0", "1", ... like PyTorch's.
#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nnload/nn/module.hpp"

namespace nnload::nn {

// A module whose forward takes one tensor and returns one (what Sequential chains).
template <class M>
concept TensorToTensorModule = std::derived_from<M, Module> && requires(M& m, const Tensor& x) {
  { m.forward(x) } -> std::convertible_to<Tensor>;
};

namespace detail {

// Owned submodules in order, each with its one-tensor forward when it has one.
class ModuleSequence : public Module {
 public:
  using Forward = std::function<Tensor(const Tensor&)>;

  // Appends a module, moved in (modules with by-reference submodules can't be moved: pass
  // them as std::shared_ptr).
  template <class M>
  requires std::derived_from<std::remove_cvref_t<M>, Module> &&
      (!std::is_lvalue_reference_v<M>)void push_back(M&& module) {
    push_back(std::make_shared<std::remove_cvref_t<M>>(std::move(module)));
  }
  template <class M>
  requires std::derived_from<M, Module>
  void push_back(std::shared_ptr<M> module) {
    Forward forward;
    if constexpr (TensorToTensorModule<M>) {
      M* raw = module.get();
      forward = [raw](const Tensor& x) -> Tensor { return raw->forward(x); };
    }
    append(std::move(module), std::move(forward));
  }
  // A module known only as a Module, with the function that runs it.
  void push_back(std::shared_ptr<Module> module, Forward forward) {
    append(std::move(module), std::move(forward));
  }

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  Module& operator[](std::size_t i) const;
  // The i-th module as an M; Error(invalid_argument) when it is another type.
  template <class M>
  M& at(std::size_t i) const {
    M* typed = dynamic_cast<M*>(&(*this)[i]);
    if (typed == nullptr) wrong_type(i);
    return *typed;
  }
  // Runs the i-th module on x; Error(unsupported) when it does not take one tensor.
  Tensor call(std::size_t i, const Tensor& x) const;

 protected:
  ModuleSequence() = default;
  ModuleSequence(ModuleSequence&&) = default;

 private:
  void append(std::shared_ptr<Module> module, Forward forward);
  [[noreturn]] void wrong_type(std::size_t i) const;

  struct Item {
    std::shared_ptr<Module> module;
    Forward forward;
  };
  std::vector<Item> items_;
};

}  // namespace detail

// Runs its modules in order, each on the previous one's output:
//   nn::Sequential net(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 2));
class Sequential : public detail::ModuleSequence {
 public:
  Sequential() = default;
  template <class... Ms>
  requires(sizeof...(Ms) > 0) explicit Sequential(Ms&&... modules) {
    (push_back(std::forward<Ms>(modules)), ...);
  }
  Sequential(Sequential&&) = default;

  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
};

// Holds modules for a forward() that the user writes: for (i...) x = layers.at<Linear>(i)(x).
class ModuleList : public detail::ModuleSequence {
 public:
  ModuleList() = default;
  template <class... Ms>
  requires(sizeof...(Ms) > 0) explicit ModuleList(Ms&&... modules) {
    (push_back(std::forward<Ms>(modules)), ...);
  }
  ModuleList(ModuleList&&) = default;
};

}  // namespace nnload::nn
