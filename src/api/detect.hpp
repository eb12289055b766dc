// Telling model formats apart by their content, not their file name.
#pragma once

#include <filesystem>
#include <string_view>

namespace nnload::detail {

enum class Format {
  keras_h5,      // HDF5 file (Keras full model, or weights only)
  zip,           // a zip archive: Keras 3 .keras, PyTorch .pt/.pth, npz
  torch_legacy,  // a pickle stream: PyTorch's pre-1.6 format
  onnx,          // a protobuf ModelProto (recognised by its name and leading fields)
  savedmodel,    // a directory with saved_model.pb(txt)
};

std::string_view format_name(Format format);

// Throws Error(not_found) for a missing path, Error(invalid_argument) for a directory that is
// not a SavedModel, Error(unknown_format) for anything else unrecognised.
Format detect_format(const std::filesystem::path& path);

}  // namespace nnload::detail
