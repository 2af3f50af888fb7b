// Fixed-point integer units of the engine (money, prices, quantities, rates) and exact
// arithmetic helpers: 128-bit products, divisions that name their rounding, checked adds.
#pragma once

#include <cstdint>

#include "base/assert.h"
#include "base/strong_type.h"

namespace engine {

// Identifiers: distinct strong types (base/strong_type.h), so that one never stands for another
// or for a plain integer. Account 0 is the venue's liquidation account.
using AccountId = base::StrongId<struct AccountIdTag, uint64_t>;
using MarketId = base::StrongId<struct MarketIdTag, uint32_t>;
using AssetId = base::StrongId<struct AssetIdTag, uint32_t>;
// Chosen by the client, unique among one account's live orders.
using OrderId = base::StrongId<struct OrderIdTag, uint64_t>;

// Amounts: distinct strong types too, so that a price never stands for a quantity or money.
// Quote-asset minor units. Signed: balances and cost bases may be negative.
using Money = base::StrongAmount<struct MoneyTag, int64_t>;
// Lots. A signed position is + for long, - for short; order quantities are > 0.
using Quantity = base::StrongAmount<struct QuantityTag, int64_t>;
// Quote minor units per lot, so lots × price is directly quote minor units.
using Price = base::StrongAmount<struct PriceTag, int64_t>;
// A rate at scale 1e-8 (fees, maintenance margin rates, funding rates, slippage).
using RateE8 = int64_t;
// Nanoseconds, always taken from the input; the engine never reads a clock.
using TimeNs = int64_t;
using Int128 = __int128;

inline constexpr AccountId kLiquidationAccount{0};
inline constexpr int64_t kRateScale = 100'000'000;  // 1e8: a RateE8 of kRateScale is 100%.

// Limits (STYLE.md D5). Inputs beyond them are refused with kAmountOverflow or kInvalid*.
// kMaxPrice * kMaxPosition = 2^62, so every notional and cost basis fits in int64.
inline constexpr Price kMaxPrice{int64_t{1} << 32};        // Per lot: marks and limits.
inline constexpr Quantity kMaxPosition{int64_t{1} << 30};  // Worst-case |Q| with open orders.
inline constexpr Money kMaxMoney{int64_t{1} << 61};        // Per asset: deposits, top-ups totals.
inline constexpr int kMaxTiers = 32;
inline constexpr int kMaxOpenOrdersPerAccount = 1000;
inline constexpr int kMaxSymbolBytes = 32;
inline constexpr int kMaxKeyBytes = 1024;

// An amount in 128 bits, where kinds meet in a product (lots × price is quote units, money ×
// a rate at 1e-8, ...). Products of kinds are written out, never hidden in an operator.
template <class T>
requires base::kIsStrongAmount<T>
constexpr Int128 Wide(T amount) { return amount.value(); }

// Lots × price per lot: quote minor units, exact.
constexpr Int128 Notional(Quantity quantity, Price price) {
  return Int128{quantity.value()} * price.value();
}

// Floor division (rounds toward negative infinity). `divisor` must be > 0.
inline Int128 DivFloor(Int128 dividend, Int128 divisor) {
  BACKSTOP_ASSERT(divisor > 0);
  if (dividend >= INT64_MIN && dividend <= INT64_MAX && divisor <= INT64_MAX) {
    // 64-bit fast path (a 128-bit division is a slow library call).
    const int64_t a = static_cast<int64_t>(dividend), b = static_cast<int64_t>(divisor);
    int64_t quotient = a / b;
    if (a % b != 0 && a < 0) --quotient;
    return quotient;
  }
  Int128 quotient = dividend / divisor;
  if (dividend % divisor != 0 && dividend < 0) --quotient;
  return quotient;
}

// Ceiling division (rounds toward positive infinity). `divisor` must be > 0.
inline Int128 DivCeil(Int128 dividend, Int128 divisor) {
  BACKSTOP_ASSERT(divisor > 0);
  if (dividend >= INT64_MIN && dividend <= INT64_MAX && divisor <= INT64_MAX) {
    const int64_t a = static_cast<int64_t>(dividend), b = static_cast<int64_t>(divisor);
    int64_t quotient = a / b;
    if (a % b != 0 && a > 0) ++quotient;
    return quotient;
  }
  Int128 quotient = dividend / divisor;
  if (dividend % divisor != 0 && dividend > 0) ++quotient;
  return quotient;
}

constexpr Int128 Abs128(Int128 value) { return value < 0 ? -value : value; }
template <class T>
requires base::kIsStrongAmount<T>
constexpr Int128 Abs128(T amount) { return Abs128(Wide(amount)); }
inline int64_t Abs64(int64_t value) {
  BACKSTOP_ASSERT(value != INT64_MIN);
  return value < 0 ? -value : value;
}
template <class T>
requires base::kIsStrongAmount<T>
inline T Abs(T amount) { return T{Abs64(amount.value())}; }

constexpr bool FitsInt64(Int128 value) { return value >= INT64_MIN && value <= INT64_MAX; }

// Narrows a 128-bit value that the caller has proven fits.
inline int64_t ToInt64(Int128 value) {
  BACKSTOP_ASSERT(FitsInt64(value), value);
  return static_cast<int64_t>(value);
}
// The same, as an amount of kind `T` (`Narrow<Money>(quote)`).
template <class T>
requires base::kIsStrongAmount<T>
inline T Narrow(Int128 value) { return T{ToInt64(value)}; }

// Clamps to the int64 range (used only for display values such as queue scores).
constexpr int64_t SaturateInt64(Int128 value) {
  if (value > INT64_MAX) return INT64_MAX;
  if (value < INT64_MIN) return INT64_MIN;
  return static_cast<int64_t>(value);
}
template <class T>
requires base::kIsStrongAmount<T>
constexpr T Saturated(Int128 value) { return T{SaturateInt64(value)}; }

// Adds `delta` to `*target`; returns false (and leaves `*target` unchanged) on overflow.
template <class T>
requires base::kIsStrongAmount<T>
[[nodiscard]] inline bool CheckedAdd(T* target, T delta) {
  int64_t sum = 0;
  if (__builtin_add_overflow(target->value(), delta.value(), &sum)) return false;
  *target = T{sum};
  return true;
}

// Adds where overflow would be an engine fault (bounded by the acceptance limits above).
template <class T>
requires base::kIsStrongAmount<T>
inline void AddOrDie(T* target, Int128 delta) {
  const Int128 sum = Wide(*target) + delta;
  BACKSTOP_ASSERT(FitsInt64(sum), *target, delta);
  *target = T{static_cast<int64_t>(sum)};
}
template <class T>
requires base::kIsStrongAmount<T>
inline void AddOrDie(T* target, T delta) { AddOrDie(target, Wide(delta)); }

}  // namespace engine
