// The one exception type nnload throws.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace nnload {

enum class ErrorCode {
  not_found,             // a path, a weight, a signature or an input name that does not exist
  unknown_format,        // the file is not a model format nnload reads
  unsupported,           // a layer, op or feature nnload does not implement (yet)
  version,               // a format version nnload does not read
  corrupt,               // the file is damaged or inconsistent
  shape,                 // tensor shapes or dtypes that do not fit
  custom_layer_missing,  // the model needs user code (a custom layer, a Lambda) to run
  invalid_argument,      // the caller passed something unusable
  internal,              // a bug in nnload
};

std::string_view error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message);
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace nnload
