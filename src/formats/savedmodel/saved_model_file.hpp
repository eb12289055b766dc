// Reading saved_model.pb / saved_model.pbtxt and choosing the meta graph by its tags.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "saved_model.pb.h"

namespace nnload::formats::savedmodel {

// The SavedModel proto of `dir`: saved_model.pb (binary) or else saved_model.pbtxt (text).
// Error(unsupported) for a chunked model (saved_model.cpb), Error(not_found) when neither file
// exists, Error(corrupt) when the file does not parse.
tf::SavedModel read_saved_model(const std::filesystem::path& dir);

// The meta graph whose tag set equals `tags` (order and repeats ignored). Error(not_found)
// listing the tag sets present when none does.
const tf::MetaGraphDef& select_meta_graph(const tf::SavedModel& model,
                                          const std::vector<std::string>& tags,
                                          const std::filesystem::path& dir);

}  // namespace nnload::formats::savedmodel
