// BACKSTOP_ASSERT: an always-on assertion (STYLE.md A1). On failure it prints the condition,
// file:line and the listed values, then calls std::abort(). The C assert macro is banned.
// Usage: BACKSTOP_ASSERT(seq == expected, seq, expected);
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <type_traits>

#include "base/decimal.h"

namespace backstop::assert_internal {

// 128-bit integers in decimal (std::ostream has no operator for __int128).
inline void AppendOne(std::ostringstream& out, __int128 value) {
  out << ::base::DecimalString(value);
}

// Prints integers (including 8-bit ones and enums) as numbers and everything else by operator<<.
template <typename T>
void AppendOne(std::ostringstream& out, const T& value) {
  if constexpr (std::is_enum_v<T>) {
    out << static_cast<long long>(value);
  } else if constexpr (std::is_same_v<T, bool>) {
    out << (value ? "true" : "false");
  } else if constexpr (std::is_integral_v<T> && sizeof(T) == 1) {
    out << static_cast<int>(value);
  } else {
    out << value;
  }
}

inline void AppendValues(std::ostringstream&) {}

template <typename First, typename... Rest>
void AppendValues(std::ostringstream& out, const First& first, const Rest&... rest) {
  out << " [";
  AppendOne(out, first);
  out << "]";
  AppendValues(out, rest...);
}

template <typename... Values>
[[noreturn]] void Fail(const char* condition, const char* file, int line, const char* names,
                       const Values&... values) {
  std::ostringstream out;
  out << file << ":" << line << ": BACKSTOP_ASSERT(" << condition << ") failed";
  if (sizeof...(values) > 0) {
    out << "; " << names << " =";
    AppendValues(out, values...);
  }
  std::string text = out.str();
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace backstop::assert_internal

#define BACKSTOP_ASSERT(condition, ...)                                           \
  do {                                                                            \
    if (__builtin_expect(!(condition), 0)) {                                      \
      ::backstop::assert_internal::Fail(#condition, __FILE__, __LINE__,           \
                                        #__VA_ARGS__ __VA_OPT__(, ) __VA_ARGS__); \
    }                                                                             \
  } while (false)
