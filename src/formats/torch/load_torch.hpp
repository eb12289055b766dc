// PyTorch files as nnload models: a whole-module pickle of torch.nn classes becomes a runnable
// graph; anything else (a state_dict, a checkpoint) is a model that holds weights only.
#pragma once

#include <filesystem>

#include "formats/loaded_model.hpp"

namespace nnload::formats::torch {

LoadedModel load_torch(const std::filesystem::path& path);

}  // namespace nnload::formats::torch
