// Module::load_state_dict: PyTorch's Module.load_state_dict (torch 1.13), its key matching, its
// messages and its order of reporting, with one difference: nothing is copied unless
// everything fits (PyTorch copies what fits, then raises).
#include <cstring>
#include <unordered_map>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "formats/torch/torch_file.hpp"
#include "nn/module_internals.hpp"

namespace nnload::nn {

namespace {

struct Copy {
  Tensor* destination;
  Tensor source;
};

struct LoadState {
  const StateDict& state;
  std::vector<Copy> copies;
  std::vector<std::string> missing, unexpected, errors;
};

std::string quoted_list(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) out += (out.empty() ? "\"" : ", \"") + k + "\"";
  return out;
}

// PyTorch's _load_from_state_dict for one module, then its children with the keys under their
// prefixes. `keys` are indices into the state_dict of the keys that start with `prefix`.
void load(LoadState& s, const Module& module, const std::string& prefix,
          const std::vector<std::size_t>& keys) {
  const auto& slots = ModuleAccess::slots(module);
  const auto& children = ModuleAccess::children(module);
  std::unordered_map<std::string_view, std::size_t> by_key;
  for (std::size_t k : keys) by_key.emplace(s.state[k].first, k);

  // Parameters first, then persistent buffers: the order of PyTorch's local_state.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& slot : slots) {
      const bool wanted = pass == 0 ? !slot->buffer : slot->buffer && slot->persistent;
      if (!wanted) continue;
      const std::string key = prefix + slot->name;
      auto found = by_key.find(key);
      if (found == by_key.end()) {
        s.missing.push_back(key);
        continue;
      }
      Tensor input = s.state[found->second].second;
      if (!input.defined()) {
        s.errors.push_back(fmt::format(
            "While copying the parameter named \"{}\", expected torch.Tensor or Tensor-like "
            "object from checkpoint but received an undefined tensor",
            key));
        continue;
      }
      const Tensor& param = slot->value;
      // PyTorch 0.3 saved scalars as 1-element vectors; PyTorch still loads them.
      if (param.rank() == 0 && input.rank() == 1 && input.numel() >= 1) {
        input = Tensor::wrap(input.raw(), input.dtype(), Shape{});
      }
      if (input.shape() != param.shape()) {
        s.errors.push_back(fmt::format(
            "size mismatch for {}: copying a param with shape {} from checkpoint, the shape in "
            "current model is {}.",
            key, shape_to_list(input.shape()), shape_to_list(param.shape())));
        continue;
      }
      s.copies.push_back({&slot->value, input});
    }
  }

  for (std::size_t k : keys) {
    const std::string& key = s.state[k].first;
    const std::string rest = key.substr(prefix.size());
    const std::string first = rest.substr(0, rest.find('.'));
    bool known = false;
    for (const auto& c : children) known = known || c.name == first;
    for (const auto& slot : slots) {
      known = known || (slot->name == first && (!slot->buffer || slot->persistent));
    }
    if (!known) s.unexpected.push_back(key);
  }

  for (const auto& child : children) {
    const std::string child_prefix = prefix + child.name + ".";
    std::vector<std::size_t> child_keys;
    for (std::size_t k : keys) {
      if (s.state[k].first.compare(0, child_prefix.size(), child_prefix) == 0) {
        child_keys.push_back(k);
      }
    }
    load(s, *child.module, child_prefix, child_keys);
  }
}

}  // namespace

IncompatibleKeys Module::load_state_dict(const StateDict& state_dict, bool strict) {
  std::unordered_map<std::string_view, std::size_t> seen;
  for (std::size_t i = 0; i < state_dict.size(); ++i) {
    if (!seen.emplace(state_dict[i].first, i).second) {
      fail(ErrorCode::invalid_argument, "the state_dict holds key \"{}\" twice",
           state_dict[i].first);
    }
  }
  LoadState s{state_dict, {}, {}, {}, {}};
  std::vector<std::size_t> all(state_dict.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  load(s, *this, "", all);

  std::vector<std::string> messages;
  if (strict && !s.missing.empty()) {
    messages.push_back("Missing key(s) in state_dict: " + quoted_list(s.missing) + ". ");
  }
  if (strict && !s.unexpected.empty()) {
    messages.push_back("Unexpected key(s) in state_dict: " + quoted_list(s.unexpected) + ". ");
  }
  messages.insert(messages.end(), s.errors.begin(), s.errors.end());
  if (!messages.empty()) {
    fail(ErrorCode::shape, "Error(s) in loading state_dict for {}:\n\t{}", type_name(),
         fmt::join(messages, "\n\t"));
  }

  for (Copy& c : s.copies) {
    Tensor& dst = *c.destination;
    if (dst.numel() == 0) continue;
    if (dst.dtype() == c.source.dtype()) {
      std::memcpy(dst.mutable_raw(), c.source.raw(), dst.nbytes());
    } else {
      convert_elements(c.source.raw(), c.source.dtype(), dst.mutable_raw(), dst.dtype(),
                       static_cast<std::size_t>(dst.numel()));
    }
  }
  clear_cache();
  return {std::move(s.missing), std::move(s.unexpected)};
}

IncompatibleKeys Module::load_state_dict(const std::filesystem::path& path, bool strict) {
  const formats::torch::TorchFile file = formats::torch::read_torch_file(path);
  return load_state_dict(formats::torch::find_state_dict(file), strict);
}

}  // namespace nnload::nn
