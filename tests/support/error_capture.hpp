// Running a piece of code that should throw nnload::Error, to inspect the error.
#pragma once

#include <functional>
#include <string>

#include "nnload/error.hpp"

namespace nnload::testing {

// The code of the Error `fn` throws; ErrorCode::internal when it throws none.
inline ErrorCode code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::internal;
}

// The message of the Error `fn` throws; "(no error)" when it throws none.
inline std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace nnload::testing
