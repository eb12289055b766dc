// Keras' layer metadata in a SavedModel: keras_metadata.pb (TF >= 2.5) or, in older exports,
// the `metadata` JSON of the object graph's user objects.
#pragma once

#include <filesystem>
#include <string>

#include "saved_model.pb.h"

namespace nnload::formats::savedmodel {

// A JSON array, one entry per Keras object:
//   {"node_id": 1, "node_path": "root.layer_with_weights-0", "identifier": "_tf_keras_layer",
//    "metadata": {...Keras' own JSON: class_name, name, config, ...}}
// "" when the model has no Keras metadata. Error(corrupt) when keras_metadata.pb is damaged.
// load_savedmodel keeps it in LoadedModel::info.metadata["keras_metadata"] (a damaged file
// becomes a note: the model runs without it) and the root object's "name" in info.name.
std::string keras_metadata_json(const std::filesystem::path& dir, const tf::MetaGraphDef& meta);

}  // namespace nnload::formats::savedmodel
