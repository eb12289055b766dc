// JSON from model files (Keras configs, SavedModel metadata) is untrusted: parsed within the
// calling thread's ReadLimits, so a deeply nested or huge document is refused while it is read
// (nlohmann's parser is iterative, but destroying a deep document recurses once per level).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace nnload::io {

// Error(corrupt) naming `what` when the text is not JSON, nests deeper than
// ReadLimits::max_depth or holds more than ReadLimits::max_objects values.
nlohmann::json parse_json(std::string_view text, std::string_view what);

}  // namespace nnload::io
