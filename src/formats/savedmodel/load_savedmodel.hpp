// TensorFlow SavedModel directories (saved_model.pb or .pbtxt, variables/) as nnload models:
// every signature of the selected meta graph becomes a graph; predict() runs serving_default.
#pragma once

#include <filesystem>

#include "formats/loaded_model.hpp"

namespace nnload::formats::savedmodel {

// Error(not_found) when saved_model.pb(txt) is missing, Error(not_found) listing the tag sets
// present when none matches options.tags, Error(corrupt) for damaged protos or variables,
// Error(unsupported) for chunked (.cpb) models. Signatures nnload can't run (an unsupported op)
// load with their error, reported when they are run.
LoadedModel load_savedmodel(const std::filesystem::path& dir, const LoadOptions& options);

}  // namespace nnload::formats::savedmodel
