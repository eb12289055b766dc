// TensorFlow math ops (filled in by the op mapping work).
#include "formats/savedmodel/tf_op_context.hpp"

namespace nnload::formats::savedmodel {

TfOpRows tf_math_ops() { return {}; }

}  // namespace nnload::formats::savedmodel
