// Telling model formats apart by their content, not their file name.
#pragma once

#include <filesystem>
#include <string_view>

namespace nnload::detail {

enum class Format {
  keras_h5,    // HDF5 file (Keras full model, or weights only)
  keras_zip,   // Keras 3 .keras archive (config.json, metadata.json, model.weights.*)
  torch,       // PyTorch torch.save: zip with data.pkl, legacy pickle stream, or tar
  onnx,        // a protobuf ModelProto (recognised by its name)
  savedmodel,  // a directory with saved_model.pb(txt)
};

std::string_view format_name(Format format);

// Throws Error(not_found) for a missing path, Error(invalid_argument) for a directory that is
// not a SavedModel, Error(unknown_format) for anything else unrecognised.
Format detect_format(const std::filesystem::path& path);

}  // namespace nnload::detail
