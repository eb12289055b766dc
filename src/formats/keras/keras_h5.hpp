// Keras full-model HDF5 files (`model.save("x.h5")`) of Keras 1.x, 2.x, tf.keras and Keras 3's
// legacy format.
#pragma once

#include <filesystem>

#include "formats/loaded_model.hpp"

namespace nnload::formats::keras {

// Throws Error(invalid_argument) for a weights-only file, Error(unknown_format) for an HDF5
// file that is not a Keras model, Error(corrupt) for damaged ones.
LoadedModel load_h5(const std::filesystem::path& path);

}  // namespace nnload::formats::keras
