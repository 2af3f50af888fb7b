// Strong types (STYLE.md M3): an identifier wraps an integer so that an account id cannot be
// passed where a market id, an order id, a sequence number or a plain integer is expected.
// Construction from the integer is explicit (`AccountId{7}`), reading it back is explicit
// (`id.value()`); both happen only at boundaries (codecs, index keys, parsing, printing).
// Comparisons are defaulted. The wrappers are trivially copyable and the size of their integer,
// so they compile to the same code as the integer. Printing: operator<< here, the fmt formatter
// in base/strong_type_fmt.h (kept apart so that the engine includes only the standard library).
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <limits>
#include <optional>
#include <type_traits>

namespace base {

// An identifier: compared, hashed and printed; no arithmetic. `Tag` makes each use distinct.
template <class Tag, class Rep>
class StrongId {
  static_assert(std::is_integral_v<Rep>);

 public:
  using rep_type = Rep;

  constexpr StrongId() = default;
  constexpr explicit StrongId(Rep value) : value_(value) {}

  constexpr Rep value() const { return value_; }

  friend constexpr auto operator<=>(StrongId, StrongId) = default;
  friend constexpr bool operator==(StrongId, StrongId) = default;

 private:
  Rep value_{};
};

// A position in a dense sequence (log sequence numbers): an identifier that also steps.
// `seq + n` and `seq - n` move by a count; `a - b` is the count between two positions.
template <class Tag, class Rep>
class StrongOrdinal {
  static_assert(std::is_integral_v<Rep>);

 public:
  using rep_type = Rep;

  constexpr StrongOrdinal() = default;
  constexpr explicit StrongOrdinal(Rep value) : value_(value) {}

  constexpr Rep value() const { return value_; }

  friend constexpr auto operator<=>(StrongOrdinal, StrongOrdinal) = default;
  friend constexpr bool operator==(StrongOrdinal, StrongOrdinal) = default;

  constexpr StrongOrdinal& operator++() {
    ++value_;
    return *this;
  }
  constexpr StrongOrdinal operator++(int) {
    StrongOrdinal before = *this;
    ++value_;
    return before;
  }
  constexpr StrongOrdinal& operator--() {
    --value_;
    return *this;
  }
  constexpr StrongOrdinal operator--(int) {
    StrongOrdinal before = *this;
    --value_;
    return before;
  }
  constexpr StrongOrdinal& operator+=(Rep count) {
    value_ += count;
    return *this;
  }
  constexpr StrongOrdinal& operator-=(Rep count) {
    value_ -= count;
    return *this;
  }
  friend constexpr StrongOrdinal operator+(StrongOrdinal at, Rep count) {
    return StrongOrdinal(static_cast<Rep>(at.value_ + count));
  }
  friend constexpr StrongOrdinal operator-(StrongOrdinal at, Rep count) {
    return StrongOrdinal(static_cast<Rep>(at.value_ - count));
  }
  friend constexpr Rep operator-(StrongOrdinal to, StrongOrdinal from) {
    return static_cast<Rep>(to.value_ - from.value_);
  }

 private:
  Rep value_{};
};

template <class T>
inline constexpr bool kIsStrongType = false;
template <class Tag, class Rep>
inline constexpr bool kIsStrongType<StrongId<Tag, Rep>> = true;
template <class Tag, class Rep>
inline constexpr bool kIsStrongType<StrongOrdinal<Tag, Rep>> = true;

// The integer of a strong type, or the value itself: for generic code at a boundary (the field
// tables, codecs) that handles ids and plain integers alike.
template <class T>
constexpr auto UnwrapStrong(T value) {
  if constexpr (kIsStrongType<T>) {
    return value.value();
  } else {
    return value;
  }
}

// An optional integer as an optional strong type `T` (a command-line option, at the boundary).
template <class T, class Rep>
constexpr std::optional<T> OptionalOf(const std::optional<Rep>& value) {
  if (!value) return std::nullopt;
  return T{*value};
}

// Prints the integer, as before the wrapper (a template, so <ostream> is needed only where used).
template <class Char, class Traits, class T>
requires kIsStrongType<T> std::basic_ostream<Char, Traits>
&operator<<(std::basic_ostream<Char, Traits>& out, T id) {
  out << id.value();
  return out;
}

}  // namespace base

// The limits of the integer, as values of the strong type (not the value-initialised object that
// the primary template would give): `std::numeric_limits<AccountId>::max()` is AccountId{2^64-1}.
template <class Tag, class Rep>
struct std::numeric_limits<base::StrongId<Tag, Rep>> : std::numeric_limits<Rep> {
  static constexpr base::StrongId<Tag, Rep> min() noexcept {
    return base::StrongId<Tag, Rep>{std::numeric_limits<Rep>::min()};
  }
  static constexpr base::StrongId<Tag, Rep> max() noexcept {
    return base::StrongId<Tag, Rep>{std::numeric_limits<Rep>::max()};
  }
  static constexpr base::StrongId<Tag, Rep> lowest() noexcept { return min(); }
};

template <class Tag, class Rep>
struct std::numeric_limits<base::StrongOrdinal<Tag, Rep>> : std::numeric_limits<Rep> {
  static constexpr base::StrongOrdinal<Tag, Rep> min() noexcept {
    return base::StrongOrdinal<Tag, Rep>{std::numeric_limits<Rep>::min()};
  }
  static constexpr base::StrongOrdinal<Tag, Rep> max() noexcept {
    return base::StrongOrdinal<Tag, Rep>{std::numeric_limits<Rep>::max()};
  }
  static constexpr base::StrongOrdinal<Tag, Rep> lowest() noexcept { return min(); }
};

template <class Tag, class Rep>
struct std::hash<base::StrongId<Tag, Rep>> {
  size_t operator()(base::StrongId<Tag, Rep> id) const noexcept {
    return std::hash<Rep>{}(id.value());
  }
};

template <class Tag, class Rep>
struct std::hash<base::StrongOrdinal<Tag, Rep>> {
  size_t operator()(base::StrongOrdinal<Tag, Rep> id) const noexcept {
    return std::hash<Rep>{}(id.value());
  }
};
