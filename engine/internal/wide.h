// 256-bit helpers for the few products of two 128-bit values (rule 4 ratio comparison, rule 5
// equity split, ADL scores). Exact integers only.
#pragma once

#include "engine/money.h"

namespace engine::internal {

using U128 = unsigned __int128;

struct U256 {
  U128 hi = 0;
  U128 lo = 0;
};

inline U128 AbsU128(Int128 value) {
  return value < 0 ? static_cast<U128>(0) - static_cast<U128>(value) : static_cast<U128>(value);
}

inline U256 MulU128(U128 a, U128 b) {
  const U128 mask = (static_cast<U128>(1) << 64) - 1;
  const U128 a_lo = a & mask, a_hi = a >> 64, b_lo = b & mask, b_hi = b >> 64;
  const U128 lo_lo = a_lo * b_lo, lo_hi = a_lo * b_hi, hi_lo = a_hi * b_lo, hi_hi = a_hi * b_hi;
  const U128 middle = (lo_lo >> 64) + (lo_hi & mask) + (hi_lo & mask);
  U256 result;
  result.lo = (middle << 64) | (lo_lo & mask);
  result.hi = hi_hi + (lo_hi >> 64) + (hi_lo >> 64) + (middle >> 64);
  return result;
}

inline int CompareU256(const U256& a, const U256& b) {
  if (a.hi != b.hi) return a.hi < b.hi ? -1 : 1;
  if (a.lo != b.lo) return a.lo < b.lo ? -1 : 1;
  return 0;
}

// Sign-aware comparison of a*b with c*d: -1, 0 or 1.
inline int CompareProducts(Int128 a, Int128 b, Int128 c, Int128 d) {
  const int sign_left = (a == 0 || b == 0) ? 0 : ((a < 0) != (b < 0) ? -1 : 1);
  const int sign_right = (c == 0 || d == 0) ? 0 : ((c < 0) != (d < 0) ? -1 : 1);
  if (sign_left != sign_right) return sign_left < sign_right ? -1 : 1;
  if (sign_left == 0) return 0;
  const int magnitude =
      CompareU256(MulU128(AbsU128(a), AbsU128(b)), MulU128(AbsU128(c), AbsU128(d)));
  return sign_left > 0 ? magnitude : -magnitude;
}

// floor(a*b/d) for d > 0, saturated to +-2^126 when the exact quotient is larger.
inline Int128 MulDivFloor(Int128 a, Int128 b, Int128 d) {
  BACKSTOP_ASSERT(d > 0);
  const bool negative = (a < 0) != (b < 0) && a != 0 && b != 0;
  const U256 product = MulU128(AbsU128(a), AbsU128(b));
  const U128 divisor = static_cast<U128>(d);
  const U128 limit = static_cast<U128>(1) << 126;
  if (product.hi == 0 && product.lo < limit) {  // Fast path: the product fits in an Int128.
    const Int128 value = static_cast<Int128>(product.lo);
    return DivFloor(negative ? -value : value, d);
  }
  if (product.hi >= divisor)
    return negative ? -static_cast<Int128>(limit) : static_cast<Int128>(limit);
  // Restoring long division of the 256-bit product; the remainder stays below the divisor.
  U128 quotient = 0, remainder = 0;
  for (int bit = 255; bit >= 0; --bit) {
    const U128 word = bit >= 128 ? product.hi : product.lo;
    const U128 next_bit = (word >> (bit & 127)) & 1;
    const bool carry = (remainder >> 127) != 0;
    remainder = (remainder << 1) | next_bit;
    quotient <<= 1;
    if (carry || remainder >= divisor) {
      remainder -= divisor;
      quotient |= 1;
    }
  }
  if (quotient > limit) quotient = limit;
  Int128 signed_quotient = static_cast<Int128>(quotient);
  if (negative) {
    signed_quotient = -signed_quotient;
    if (remainder != 0) --signed_quotient;
  }
  return signed_quotient;
}

}  // namespace engine::internal
