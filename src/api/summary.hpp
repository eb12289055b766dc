// Printing a layer table the way Keras' model.summary() does.
#pragma once

#include <ostream>

#include "api/model_impl.hpp"

namespace nnload::detail {

void print_summary(const ModelImpl& impl, std::ostream& out);

}  // namespace nnload::detail
