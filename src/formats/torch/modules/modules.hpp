// The table from torch.nn class to builder. Each family file contributes its rows.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "formats/torch/modules/module_context.hpp"

namespace nnload::formats::torch {

// Adds the module's nodes after its inputs and returns its outputs.
using ModuleBuilder = std::vector<int> (*)(ModuleContext& ctx);
using ModuleRows = std::vector<std::pair<std::string_view, ModuleBuilder>>;

// Rows are keyed by the class's full name ("torch.nn.modules.linear.Linear").
ModuleRows basic_modules();
ModuleRows conv_modules();
ModuleRows norm_modules();
ModuleRows activation_modules();
ModuleRows pool_modules();
ModuleRows rnn_modules();

ModuleBuilder find_module_builder(std::string_view qualified_class);
std::vector<std::string> supported_modules();  // short class names

}  // namespace nnload::formats::torch
