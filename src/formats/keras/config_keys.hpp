// Config keys nnload does not know, as newer Keras versions add them. The rule, for every layer
// nnload builds itself (not for registered custom layers, whose factory owns its config):
//   - A key of a feature that changes the computation and that nnload does not implement is
//     refused whatever the version: a non-null `quantization_config`, a `lora_rank` above 0, a
//     quantized dtype policy ("int8_from_float32", QuantizedDTypePolicy, ...).
//   - A key nnload knows (one of the keys Keras 1, 2 or 3 writes for the layers nnload
//     implements, or one its builder read) is the builder's business.
//   - Any other key is unknown. Switched off (null, false, 0, "", [] or {}), it can't change the
//     result: nnload continues and adds a note to ModelInfo::notes. With another value, in a file
//     from a Keras newer than nnload knows (kNewestKnownKeras), it may be a new feature that
//     changes the computation: Error(unsupported) names the layer, the key and the value, rather
//     than compute something else. In a file from a known version it is a key nnload's builder
//     has no use for: a note. Options of initializers, regularizers and constraints only matter
//     for training: unknown ones in a newer Keras' file are noted and ignored.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "formats/keras/config.hpp"

namespace nnload::formats::keras {

// The newest Keras version whose config keys nnload knows (major, minor).
inline constexpr int kNewestKnownKeras[2] = {3, 15};

// Whether `version` (as the file writes it, KerasVersion::text) is newer than kNewestKnownKeras.
bool newer_than_known(const KerasVersion& version);

// Refuses the features that change the computation and that nnload does not implement
// (quantization, LoRA, quantized dtype policies): checked before the layer is built, since their
// weights don't fit the plain layer.
void refuse_unsupported_features(const LayerConfig& layer);

// Applies the rule to `layer`'s config; `read` holds the keys its builder looked up, `version`
// the file's Keras version. Appends a note per ignored unknown key; throws Error(unsupported)
// otherwise.
void check_config_keys(const LayerConfig& layer, const std::set<std::string, std::less<>>& read,
                       const KerasVersion& version, std::vector<std::string>& notes);

}  // namespace nnload::formats::keras
