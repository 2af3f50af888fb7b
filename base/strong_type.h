// Strong types (STYLE.md M3): an identifier or an amount wraps an integer so that an account id
// cannot be passed where a market id, an order id, a sequence number or a plain integer is
// expected, nor a price where a quantity or an amount of money is.
// Construction from the integer is explicit (`AccountId{7}`, `Price{45'010}`), reading it back is
// explicit (`id.value()`); both happen at boundaries (codecs, index keys, parsing, printing) and,
// for amounts, where the engine multiplies two kinds in 128 bits. Comparisons are defaulted. The
// wrappers are trivially copyable and the size of their integer, so they compile to the same
// code as the integer. Printing: operator<< here, the fmt formatter in base/strong_type_fmt.h
// (kept apart so that the engine includes only the standard library).
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

// A plain signed integer type (SignedNoWiderThan: and at most as wide as `Rep`).
template <class Plain>
concept SignedInteger = std::is_integral_v<Plain> && std::is_signed_v<Plain>;
template <class Plain, class Rep>
concept SignedNoWiderThan = SignedInteger<Plain> && sizeof(Plain) <= sizeof(Rep);

// An amount of one unit (money, a price, a quantity): adds to and subtracts from its own kind,
// negates, and scales by a plain count; compares with its own kind and with a plain signed
// integer (`q > 0`, `price <= bound` for a 128-bit bound), never with another kind. There is no
// division (each one in the engine names its rounding) and no product of two amounts: the engine
// multiplies kinds explicitly, in 128 bits, from their values.
template <class Tag, class Rep>
class StrongAmount {
  static_assert(SignedInteger<Rep>);

 public:
  using rep_type = Rep;

  constexpr StrongAmount() = default;
  // From a signed integer no wider than Rep: a 128-bit intermediate is never narrowed silently
  // (not even by static_cast); it comes back through a checked narrowing (engine::Narrow).
  template <SignedNoWiderThan<Rep> Plain>
  constexpr explicit StrongAmount(Plain value) : value_(value) {}

  constexpr Rep value() const { return value_; }

  friend constexpr auto operator<=>(StrongAmount, StrongAmount) = default;
  friend constexpr bool operator==(StrongAmount, StrongAmount) = default;
  // With a plain signed integer, in the wider of the two types (never narrowed).
  template <SignedInteger Plain>
  friend constexpr auto operator<=>(StrongAmount amount, Plain plain) {
    using Common = std::common_type_t<Rep, Plain>;
    return static_cast<Common>(amount.value_) <=> static_cast<Common>(plain);
  }
  template <SignedInteger Plain>
  friend constexpr bool operator==(StrongAmount amount, Plain plain) {
    using Common = std::common_type_t<Rep, Plain>;
    return static_cast<Common>(amount.value_) == static_cast<Common>(plain);
  }

  constexpr StrongAmount operator-() const { return StrongAmount(static_cast<Rep>(-value_)); }
  constexpr StrongAmount& operator+=(StrongAmount other) {
    value_ += other.value_;
    return *this;
  }
  constexpr StrongAmount& operator-=(StrongAmount other) {
    value_ -= other.value_;
    return *this;
  }
  friend constexpr StrongAmount operator+(StrongAmount a, StrongAmount b) {
    return StrongAmount(static_cast<Rep>(a.value_ + b.value_));
  }
  friend constexpr StrongAmount operator-(StrongAmount a, StrongAmount b) {
    return StrongAmount(static_cast<Rep>(a.value_ - b.value_));
  }
  friend constexpr StrongAmount operator*(StrongAmount a, Rep count) {
    return StrongAmount(static_cast<Rep>(a.value_ * count));
  }
  friend constexpr StrongAmount operator*(Rep count, StrongAmount a) {
    return StrongAmount(static_cast<Rep>(count * a.value_));
  }

 private:
  Rep value_{};
};

template <class T>
inline constexpr bool kIsStrongAmount = false;
template <class Tag, class Rep>
inline constexpr bool kIsStrongAmount<StrongAmount<Tag, Rep>> = true;

template <class T>
inline constexpr bool kIsStrongType = kIsStrongAmount<T>;
template <class Tag, class Rep>
inline constexpr bool kIsStrongType<StrongId<Tag, Rep>> = true;
template <class Tag, class Rep>
inline constexpr bool kIsStrongType<StrongOrdinal<Tag, Rep>> = true;

// The integer of a strong type, or the value itself: for generic code at a boundary (the field
// tables, codecs) that handles ids, amounts and plain integers alike.
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
template <class T>
requires base::kIsStrongType<T>
struct std::numeric_limits<T> : std::numeric_limits<typename T::rep_type> {
  static constexpr T min() noexcept { return T{std::numeric_limits<typename T::rep_type>::min()}; }
  static constexpr T max() noexcept { return T{std::numeric_limits<typename T::rep_type>::max()}; }
  static constexpr T lowest() noexcept { return min(); }
};

template <class T>
requires base::kIsStrongType<T>
struct std::hash<T> {
  size_t operator()(T id) const noexcept { return std::hash<typename T::rep_type>{}(id.value()); }
};
