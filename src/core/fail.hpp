// fail(): throw nnload::Error with a fmt-formatted message, in one line at the call site.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nnload/error.hpp"

namespace nnload {

template <class... Args>
[[noreturn]] void fail(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(code, fmt::format(format, std::forward<Args>(args)...));
}

// Re-throws `error` with `context` in front of its message, keeping its code. Loaders and the
// executor use this to add the node or layer name once, as the error travels up.
[[noreturn]] inline void rethrow_with_context(const Error& error, const std::string& context) {
  throw Error(error.code(), context + ": " + error.what());
}

}  // namespace nnload
