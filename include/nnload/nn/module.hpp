// nnload::nn::Module: the base of C++ modules that mirror a torch.nn.Module, so that the
// architecture written in C++ loads the PyTorch state_dict saved from Python:
//
//   struct MyModel : nnload::nn::Module {
//     nnload::nn::Linear fc1{10, 5}, fc2{5, 2};
//     MyModel() { register_module("fc1", fc1); register_module("fc2", fc2); }
//     nnload::Tensor forward(const nnload::Tensor& x) { return fc2(nnload::relu(fc1(x))); }
//   };
//   MyModel m;  m.load_state_dict("my_pytorch_model.pth");  m.eval();
//
// Names are PyTorch's: parameters, buffers and submodules are registered under a name, and the
// state_dict keys are their dotted paths ("fc1.weight", "features.0.running_mean").
#pragma once

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nnload/tensor.hpp"

namespace nnload::nn {

namespace detail {
class CachedOp;
}

// A state_dict: names and tensors, in order (PyTorch's OrderedDict).
using StateDict = std::vector<std::pair<std::string, Tensor>>;

// What load_state_dict did not match (torch's _IncompatibleKeys): keys the module has and the
// state_dict lacks, and keys of the state_dict the module does not have.
struct IncompatibleKeys {
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
};

class Module {
 public:
  Module();
  virtual ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  // Moves parameters, buffers and owned submodules. A module that registered submodules by
  // reference (its data members) can't be moved, since those references would point into the
  // old object: Error(invalid_argument). Hold such modules in a std::shared_ptr instead.
  Module(Module&& other);
  Module& operator=(Module&& other);

  // Registers a tensor the module owns, under `name` (no dots, unique in this module), and
  // returns the stored tensor. A read-only tensor (a mapped file) is copied so that
  // load_state_dict can write into it; otherwise the storage is shared with `value`.
  Tensor& register_parameter(const std::string& name, Tensor value);
  // Buffers are state that is not a parameter (BatchNorm's running_mean). Non-persistent
  // buffers are not part of state_dict() and load_state_dict ignores them.
  Tensor& register_buffer(const std::string& name, Tensor value, bool persistent = true);

  // A submodule that is a data member of this module (not owned; it lives as long as its
  // owner, and makes this module immovable).
  template <class M>
  requires std::derived_from<M, Module> M& register_module(const std::string& name, M& member) {
    add_child(name, &member, nullptr);
    return member;
  }
  // A submodule this module shares ownership of.
  template <class M>
  requires std::derived_from<M, Module> std::shared_ptr<M> register_module(
      const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module.get(), module);
    return module;
  }
  template <class M>
  requires std::derived_from<M, Module> M& register_module(const std::string& name,
                                                           std::unique_ptr<M> module) {
    return *register_module(name, std::shared_ptr<M>(std::move(module)));
  }

  // Dotted names like PyTorch's; each tensor or module listed once even when reachable under
  // several names (named_parameters(remove_duplicate=True)). Tensors share storage with the
  // module's: writing into one changes the module (call clear_cache() after doing that).
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;
  std::vector<Tensor> parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  // This module first (named ""), then every submodule, depth first in registration order.
  std::vector<std::pair<std::string, Module*>> named_modules();
  std::vector<std::pair<std::string, Module*>> named_children();
  // Parameters and persistent buffers by dotted name, in PyTorch's order (what
  // torch.save(model.state_dict()) writes).
  StateDict state_dict() const;

  // Copies the state_dict's tensors into the registered ones, PyTorch's way: shapes must match,
  // dtypes are converted to the module's (like Tensor.copy_). Problems are all reported at once
  // in one Error(shape), with PyTorch's message ("Error(s) in loading state_dict for MyModel:
  // \n\tMissing key(s) in state_dict: ..."): missing and unexpected keys when `strict`, size
  // mismatches always. Nothing is copied when it throws.
  IncompatibleKeys load_state_dict(const StateDict& state_dict, bool strict = true);
  // Any map from names to tensors (std::map, std::unordered_map).
  template <class Map>
  requires std::same_as<typename Map::mapped_type, Tensor> IncompatibleKeys
  load_state_dict(const Map& state_dict, bool strict = true) {
    return load_state_dict(StateDict(state_dict.begin(), state_dict.end()), strict);
  }
  // A file written by torch.save: a bare state_dict, or a checkpoint holding one under
  // "state_dict", "model_state_dict", "model", ... (DataParallel's "module." prefix removed).
  IncompatibleKeys load_state_dict(const std::filesystem::path& path, bool strict = true);

  // Training mode only changes BatchNorm (batch statistics instead of running ones); nnload does
  // not train, so Dropout is the identity in both modes. Modules start in training mode, like
  // PyTorch's: call eval() after loading.
  Module& train(bool on = true);
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }

  // PyTorch's class name for this module: the C++ type's name without namespaces ("MyModel",
  // "Linear"); "Module" when the type name is not available.
  std::string type_name() const;
  // The dotted name this module was registered under, when it has one ("features.0").
  const std::string& registered_name() const { return registered_name_; }
  // The arguments PyTorch prints for this module ("in_features=10, out_features=5, bias=True").
  virtual std::string extra_repr() const { return {}; }
  // print(model) in PyTorch: the module tree with each module's extra_repr.
  std::string to_string() const;

  // Forgets every kernel built for this module and its submodules (they pre-pack weights).
  // load_state_dict calls it; call it after writing into parameters through other means.
  void clear_cache();
  // Kernels this module tree has built since it was created, and how many it holds now.
  struct CacheStats {
    std::size_t kernels_built = 0;
    std::size_t kernels_cached = 0;
  };
  CacheStats cache_stats() const;

 protected:
  // A kernel cache for this module's forward: cleared with the module's other caches.
  void track_cache(std::shared_ptr<detail::CachedOp> cache);
  // Called after the module's tensors changed (load_state_dict, clear_cache), for modules that
  // keep values derived from their parameters (LSTM's gate-reordered weights).
  virtual void on_state_changed() {}
  // "Linear 'fc1'": for error messages.
  std::string describe() const;

 private:
  struct Slot;
  struct Child;
  void add_child(const std::string& name, Module* module, std::shared_ptr<Module> owner);
  static void check_movable(const Module& m);
  void check_new_name(const std::string& name) const;
  void rename_tree(const std::string& prefix);
  void collect_state(const std::string& prefix, StateDict& out) const;

  std::vector<std::unique_ptr<Slot>> slots_;  // parameters and buffers, registration order
  std::vector<Child> children_;
  std::vector<std::shared_ptr<detail::CachedOp>> caches_;
  std::string registered_name_;
  bool training_ = true;

  friend struct ModuleAccess;
};

}  // namespace nnload::nn
