// Where test fixtures live, and skipping cleanly when ../shared is absent.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace nnload::testing {

// The project's own fixtures (committed under tests/fixtures).
inline std::filesystem::path project_fixture(const std::string& relative) {
  return std::filesystem::path(NNLOAD_SOURCE_DIR) / "tests" / "fixtures" / relative;
}

// ../shared/fixtures, present in development and CI, absent on a user's machine.
inline std::filesystem::path shared_fixtures() { return NNLOAD_SHARED_FIXTURES; }
inline bool have_shared_fixtures() { return std::filesystem::is_directory(shared_fixtures()); }

}  // namespace nnload::testing

// Skips the current test with a message when ../shared/fixtures is absent.
#define NNLOAD_REQUIRE_SHARED_FIXTURES()                                         \
  do {                                                                           \
    if (!::nnload::testing::have_shared_fixtures()) {                            \
      GTEST_SKIP() << "../shared/fixtures is absent (" << NNLOAD_SHARED_FIXTURES \
                   << "); this test needs the shared fixtures";                  \
    }                                                                            \
  } while (0)
