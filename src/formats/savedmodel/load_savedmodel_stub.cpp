// Placeholder until the SavedModel reader lands; replaced by the real implementation.
#include "core/fail.hpp"
#include "formats/savedmodel/load_savedmodel.hpp"

namespace nnload::formats::savedmodel {

LoadedModel load_savedmodel(const std::filesystem::path& dir, const LoadOptions&) {
  fail(ErrorCode::unsupported, "{}: TensorFlow SavedModel directories are not supported yet",
       dir.string());
}

}  // namespace nnload::formats::savedmodel
