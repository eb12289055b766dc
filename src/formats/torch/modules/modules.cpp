#include "formats/torch/modules/modules.hpp"

#include <map>
#include <string>

namespace nnload::formats::torch {

namespace {
const std::map<std::string, ModuleBuilder, std::less<>>& table() {
  static const std::map<std::string, ModuleBuilder, std::less<>> all = [] {
    std::map<std::string, ModuleBuilder, std::less<>> rows;
    for (const ModuleRows& family : {basic_modules(), conv_modules(), norm_modules(),
                                     activation_modules(), pool_modules(), rnn_modules()}) {
      for (const auto& [name, builder] : family) rows.emplace(std::string(name), builder);
    }
    return rows;
  }();
  return all;
}
}  // namespace

ModuleBuilder find_module_builder(std::string_view qualified_class) {
  auto it = table().find(qualified_class);
  return it == table().end() ? nullptr : it->second;
}

std::vector<std::string> supported_modules() {
  std::vector<std::string> names = {"Sequential"};
  for (const auto& [name, builder] : table()) names.push_back(name.substr(name.rfind('.') + 1));
  return names;
}

}  // namespace nnload::formats::torch
