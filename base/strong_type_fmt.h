// fmt support for base/strong_type.h: `fmt::format("{}", account)` prints the integer, with the
// integer's format specs (`{:>8}`). Included by the modules that format with fmt (the engine does
// not: it uses the standard library only).
#pragma once

#include <fmt/format.h>

#include "base/strong_type.h"

template <class Tag, class Rep>
struct fmt::formatter<base::StrongId<Tag, Rep>> : fmt::formatter<Rep> {
  auto format(base::StrongId<Tag, Rep> id, fmt::format_context& ctx) const {
    return fmt::formatter<Rep>::format(id.value(), ctx);
  }
};

template <class Tag, class Rep>
struct fmt::formatter<base::StrongOrdinal<Tag, Rep>> : fmt::formatter<Rep> {
  auto format(base::StrongOrdinal<Tag, Rep> id, fmt::format_context& ctx) const {
    return fmt::formatter<Rep>::format(id.value(), ctx);
  }
};
