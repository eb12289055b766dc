// Module's private parts, shared by the files that implement it (registry, load_state_dict).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nnload/nn/module.hpp"

namespace nnload::nn {

struct Module::Slot {
  std::string name;
  Tensor value;
  bool buffer = false;
  bool persistent = true;  // buffers only: part of the state_dict
};

struct Module::Child {
  std::string name;
  Module* module = nullptr;
  std::shared_ptr<Module> owner;  // null for data members registered by reference
};

struct ModuleAccess {
  static const std::vector<std::unique_ptr<Module::Slot>>& slots(const Module& m) {
    return m.slots_;
  }
  static const std::vector<Module::Child>& children(const Module& m) { return m.children_; }
};

}  // namespace nnload::nn
