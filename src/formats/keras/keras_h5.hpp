// Keras full-model HDF5 files (`model.save("x.h5")`) of Keras 1.x, 2.x, tf.keras and Keras 3's
// legacy format.
#pragma once

#include <filesystem>

#include "formats/keras/config.hpp"
#include "formats/keras/weights.hpp"
#include "formats/loaded_model.hpp"
#include "io/hdf5/hdf5.hpp"

namespace nnload::formats::keras {

// Throws Error(invalid_argument) for a weights-only file, Error(unknown_format) for an HDF5
// file that is not a Keras model, Error(corrupt) for damaged ones.
LoadedModel load_h5(const std::filesystem::path& path);

// The Keras version and backend an .h5 file (full model or legacy weights) records, the backend
// inferred from the weight names when not recorded (Keras 1 files).
KerasVersion h5_keras_version(const io::hdf5::Group& root, const LayerWeights& weights);

// Parses JSON text; Error(corrupt) naming `where` when it is not JSON.
Json parse_config_json(const std::string& text, const std::string& where);

}  // namespace nnload::formats::keras
