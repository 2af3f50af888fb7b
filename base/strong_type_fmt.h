// fmt support for base/strong_type.h: `fmt::format("{}", account)` prints the integer, with the
// integer's format specs (`{:>8}`). Included by the modules that format with fmt (the engine does
// not: it uses the standard library only).
#pragma once

#include <fmt/format.h>

#include "base/strong_type.h"

template <class T, class Char>
requires base::kIsStrongType<T>
struct fmt::formatter<T, Char> : fmt::formatter<typename T::rep_type, Char> {
  auto format(T value, fmt::format_context& ctx) const {
    return fmt::formatter<typename T::rep_type, Char>::format(value.value(), ctx);
  }
};
