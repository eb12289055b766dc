#include "nnload/error.hpp"

namespace nnload {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::unknown_format:
      return "unknown_format";
    case ErrorCode::unsupported:
      return "unsupported";
    case ErrorCode::version:
      return "version";
    case ErrorCode::corrupt:
      return "corrupt";
    case ErrorCode::shape:
      return "shape";
    case ErrorCode::custom_layer_missing:
      return "custom_layer_missing";
    case ErrorCode::invalid_argument:
      return "invalid_argument";
    case ErrorCode::internal:
      return "internal";
  }
  return "unknown";
}

Error::Error(ErrorCode code, const std::string& message)
    : std::runtime_error(message), code_(code) {}

}  // namespace nnload
