// Whether the real-data tests may skip when a file of ../shared/data is missing: never in CI
// (the environment sets CI=true) nor in a build configured with BACKSTOP_REQUIRE_SHARED_DATA=ON
// (the default); only a local build configured OFF skips them, saying so.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace sim::testing {

// True when a missing real-data file must fail the test rather than skip it.
inline bool SharedDataRequired() {
  const char* ci = std::getenv("CI");
  return BACKSTOP_REQUIRE_SHARED_DATA || (ci != nullptr && std::string_view(ci) == "true");
}

}  // namespace sim::testing

// Fails (CI, or a build that requires the data) or skips (a local build configured OFF) the
// current test when `path` does not exist, naming the path.
#define SIM_REQUIRE_FILE(path)                                                                \
  do {                                                                                        \
    if (!std::filesystem::exists(path)) {                                                     \
      if (::sim::testing::SharedDataRequired()) {                                             \
        FAIL() << (path) << " is missing: CI and the default build need ../shared/data "      \
               << "beside the checkout (see its SOURCES.md); a local build configured with "  \
               << "-DBACKSTOP_REQUIRE_SHARED_DATA=OFF and run without CI=true skips instead"; \
      }                                                                                       \
      GTEST_SKIP() << (path) << " is not present (see ../shared/data/SOURCES.md)";            \
    }                                                                                         \
  } while (false)
