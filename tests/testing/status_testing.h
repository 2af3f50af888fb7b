// ASSERT_OK / EXPECT_OK for base::Status and base::Result<T>: on failure they print the
// Status (STYLE.md T4). Shared by every test binary.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "base/status.h"

namespace backstop_testing {

inline std::string Describe(const base::Status& status) { return status.ToString(); }
template <typename T>
std::string Describe(const base::Result<T>& result) {
  return result.status().ToString();
}

}  // namespace backstop_testing

#define ASSERT_OK(expr)                                                                         \
  do {                                                                                          \
    const auto& backstop_testing_s_ = (expr);                                                   \
    ASSERT_TRUE(backstop_testing_s_.ok()) << ::backstop_testing::Describe(backstop_testing_s_); \
  } while (false)
#define EXPECT_OK(expr)                                                                         \
  do {                                                                                          \
    const auto& backstop_testing_s_ = (expr);                                                   \
    EXPECT_TRUE(backstop_testing_s_.ok()) << ::backstop_testing::Describe(backstop_testing_s_); \
  } while (false)
