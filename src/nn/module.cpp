// nn::Module: registration of parameters, buffers and submodules, PyTorch's dotted names, the
// state_dict, train/eval and print(model).
#include <cxxabi.h>

#include <cstdlib>
#include <set>
#include <tuple>
#include <typeinfo>

#include "core/fail.hpp"
#include "nn/cached_op.hpp"
#include "nn/module_internals.hpp"

namespace nnload::nn {

namespace {

// "nnload::nn::Linear" -> "Linear", "ns::Outer<int>" -> "Outer", "f()::Local" -> "Local".
std::string last_name_component(std::string name) {
  if (!name.empty() && name.back() == '>') {
    int depth = 0;
    for (std::size_t i = name.size(); i-- > 0;) {
      if (name[i] == '>') {
        ++depth;
      } else if (name[i] == '<' && --depth == 0) {
        name.resize(i);
        break;
      }
    }
  }
  int depth = 0;
  for (std::size_t i = name.size(); i-- > 1;) {
    const char c = name[i];
    if (c == '>' || c == ')') {
      ++depth;
    } else if (c == '<' || c == '(') {
      --depth;
    } else if (depth == 0 && c == ':' && name[i - 1] == ':') {
      return name.substr(i + 1);
    }
  }
  return name;
}

// PyTorch's _addindent: every line after the first indented by `spaces`.
std::string add_indent(const std::string& text, int spaces) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out.append(static_cast<std::size_t>(spaces), ' ');
  }
  return out;
}

}  // namespace

Module::Module() = default;
Module::~Module() = default;

void Module::check_movable(const Module& m) {
  for (const Child& c : m.children_) {
    if (c.owner == nullptr) {
      fail(ErrorCode::invalid_argument,
           "{} registered submodule \"{}\" by reference, so it can't be moved (the reference "
           "would point into the old object); create it with std::make_shared<{}>() and pass the "
           "shared_ptr instead",
           m.type_name(), c.name, m.type_name());
    }
  }
}

Module::Module(Module&& other)
    : slots_((check_movable(other), std::move(other.slots_))),
      children_(std::move(other.children_)),
      caches_(std::move(other.caches_)),
      registered_name_(std::move(other.registered_name_)),
      training_(other.training_) {}

Module& Module::operator=(Module&& other) {
  if (this == &other) return *this;
  check_movable(*this);
  check_movable(other);
  slots_ = std::move(other.slots_);
  children_ = std::move(other.children_);
  caches_ = std::move(other.caches_);
  registered_name_ = std::move(other.registered_name_);
  training_ = other.training_;
  return *this;
}

void Module::check_new_name(const std::string& name) const {
  if (name.empty()) fail(ErrorCode::invalid_argument, "{}: a name can't be empty", describe());
  if (name.find('.') != std::string::npos) {
    fail(ErrorCode::invalid_argument, "{}: name \"{}\" can't contain \".\"", describe(), name);
  }
  for (const auto& s : slots_) {
    if (s->name == name) {
      fail(ErrorCode::invalid_argument, "{}: \"{}\" is already registered as a {}", describe(),
           name, s->buffer ? "buffer" : "parameter");
    }
  }
  for (const Child& c : children_) {
    if (c.name == name) {
      fail(ErrorCode::invalid_argument, "{}: \"{}\" is already registered as a submodule",
           describe(), name);
    }
  }
}

Tensor& Module::register_parameter(const std::string& name, Tensor value) {
  check_new_name(name);
  if (!value.defined()) {
    fail(ErrorCode::invalid_argument, "{}: parameter \"{}\" is an undefined tensor", describe(),
         name);
  }
  if (!value.writable()) value = value.clone();
  slots_.push_back(std::make_unique<Slot>(Slot{name, std::move(value), false, true}));
  return slots_.back()->value;
}

Tensor& Module::register_buffer(const std::string& name, Tensor value, bool persistent) {
  check_new_name(name);
  if (!value.defined()) {
    fail(ErrorCode::invalid_argument, "{}: buffer \"{}\" is an undefined tensor", describe(), name);
  }
  if (!value.writable()) value = value.clone();
  slots_.push_back(std::make_unique<Slot>(Slot{name, std::move(value), true, persistent}));
  return slots_.back()->value;
}

void Module::add_child(const std::string& name, Module* module, std::shared_ptr<Module> owner) {
  check_new_name(name);
  if (module == nullptr) {
    fail(ErrorCode::invalid_argument, "{}: submodule \"{}\" is null", describe(), name);
  }
  for (const auto& [_, m] : module->named_modules()) {
    if (m == this) {
      fail(ErrorCode::invalid_argument, "{}: registering \"{}\" would make the module tree a cycle",
           describe(), name);
    }
  }
  children_.push_back(Child{name, module, std::move(owner)});
  module->rename_tree(registered_name_.empty() ? name : registered_name_ + "." + name);
}

void Module::rename_tree(const std::string& prefix) {
  registered_name_ = prefix;
  for (const Child& c : children_) c.module->rename_tree(prefix + "." + c.name);
}

void Module::track_cache(std::shared_ptr<detail::CachedOp> cache) {
  caches_.push_back(std::move(cache));
}

void Module::clear_cache() {
  for (const auto& [_, m] : named_modules()) {
    for (const auto& cache : m->caches_) cache->clear();
    m->on_state_changed();
  }
}

Module::CacheStats Module::cache_stats() const {
  CacheStats stats;
  for (const auto& [_, m] : const_cast<Module&>(*this).named_modules()) {
    for (const auto& cache : m->caches_) {
      stats.kernels_built += cache->kernels_built();
      stats.kernels_cached += cache->kernels_cached();
    }
  }
  return stats;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out;
  std::set<const Module*> seen;
  // Depth first, as PyTorch's named_modules(): a module, then each child's subtree.
  auto visit = [&](auto&& self, Module* m, const std::string& prefix) -> void {
    if (!seen.insert(m).second) return;
    out.emplace_back(prefix, m);
    for (const Child& c : m->children_) {
      self(self, c.module, prefix.empty() ? c.name : prefix + "." + c.name);
    }
  };
  visit(visit, this, "");
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_children() {
  std::vector<std::pair<std::string, Module*>> out;
  std::set<const Module*> seen;
  for (const Child& c : children_) {
    if (seen.insert(c.module).second) out.emplace_back(c.name, c.module);
  }
  return out;
}

namespace {

template <class Pick>
std::vector<std::pair<std::string, Tensor>> named_members(Module& root, bool recurse, Pick pick) {
  std::vector<std::pair<std::string, Tensor>> out;
  std::vector<std::pair<std::string, Module*>> modules;
  if (recurse) {
    modules = root.named_modules();
  } else {
    modules.emplace_back("", &root);
  }
  // A tensor registered in several modules (tied weights) is listed once, like PyTorch's
  // remove_duplicate; tensors are the same when they share storage, dtype and shape.
  std::set<std::tuple<const void*, DType, Shape>> seen;
  for (const auto& [prefix, m] : modules) {
    for (const auto& slot : ModuleAccess::slots(*m)) {
      if (!pick(*slot)) continue;
      const Tensor& t = slot->value;
      if (t.raw() != nullptr && !seen.emplace(t.raw(), t.dtype(), t.shape()).second) continue;
      out.emplace_back(prefix.empty() ? slot->name : prefix + "." + slot->name, slot->value);
    }
  }
  return out;
}

std::vector<Tensor> values_of(const std::vector<std::pair<std::string, Tensor>>& named) {
  std::vector<Tensor> out;
  out.reserve(named.size());
  for (const auto& [_, t] : named) out.push_back(t);
  return out;
}

}  // namespace

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  return named_members(const_cast<Module&>(*this), recurse,
                       [](const Slot& s) { return !s.buffer; });
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
  return named_members(const_cast<Module&>(*this), recurse, [](const Slot& s) { return s.buffer; });
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  return values_of(named_parameters(recurse));
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  return values_of(named_buffers(recurse));
}

void Module::collect_state(const std::string& prefix, StateDict& out) const {
  // PyTorch's _save_to_state_dict: parameters, then persistent buffers, then each child; a
  // module reachable under two names is saved under both.
  for (const auto& s : slots_) {
    if (!s->buffer) out.emplace_back(prefix + s->name, s->value);
  }
  for (const auto& s : slots_) {
    if (s->buffer && s->persistent) out.emplace_back(prefix + s->name, s->value);
  }
  for (const Child& c : children_) c.module->collect_state(prefix + c.name + ".", out);
}

StateDict Module::state_dict() const {
  StateDict out;
  collect_state("", out);
  return out;
}

Module& Module::train(bool on) {
  for (const auto& [_, m] : named_modules()) m->training_ = on;
  return *this;
}

std::string Module::type_name() const {
  const char* mangled = typeid(*this).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  if (status != 0 || demangled == nullptr) return "Module";
  const std::string full(demangled);
  std::free(demangled);
  const std::string name = last_name_component(full);
  return name.empty() ? "Module" : name;
}

std::string Module::describe() const {
  return registered_name_.empty() ? type_name() : type_name() + " '" + registered_name_ + "'";
}

std::string Module::to_string() const {
  // PyTorch's Module.__repr__.
  std::vector<std::string> extra_lines, child_lines;
  const std::string extra = extra_repr();
  if (!extra.empty()) {
    std::size_t start = 0;
    while (true) {
      const std::size_t nl = extra.find('\n', start);
      extra_lines.push_back(extra.substr(start, nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  for (const Child& c : children_) {
    child_lines.push_back("(" + c.name + "): " + add_indent(c.module->to_string(), 2));
  }
  std::string out = type_name() + "(";
  if (extra_lines.size() == 1 && child_lines.empty()) {
    out += extra_lines[0];
  } else if (!extra_lines.empty() || !child_lines.empty()) {
    std::vector<std::string> lines = extra_lines;
    lines.insert(lines.end(), child_lines.begin(), child_lines.end());
    out += "\n  " + fmt::format("{}", fmt::join(lines, "\n  ")) + "\n";
  }
  return out + ")";
}

}  // namespace nnload::nn
