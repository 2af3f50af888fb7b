// base/: the one decimal writer of 128-bit integers, at its edges, and BACKSTOP_ASSERT printing
// an Int128 through it.

#include <gtest/gtest.h>

#include <limits>

#include "base/assert.h"
#include "base/decimal.h"

namespace base {
namespace {

constexpr __int128 kMax = static_cast<__int128>(~static_cast<unsigned __int128>(0) >> 1);
constexpr __int128 kMin = -kMax - 1;

TEST(DecimalStringTest, WritesEveryDigitAndTheSign) {
  EXPECT_EQ(DecimalString(0), "0");
  EXPECT_EQ(DecimalString(7), "7");
  EXPECT_EQ(DecimalString(-7), "-7");
  EXPECT_EQ(DecimalString(1'000'000), "1000000");
  EXPECT_EQ(DecimalString(std::numeric_limits<int64_t>::min()), "-9223372036854775808");
  EXPECT_EQ(DecimalString(kMax), "170141183460469231731687303715884105727");
  EXPECT_EQ(DecimalString(kMin), "-170141183460469231731687303715884105728");
}

TEST(DecimalStringTest, UnsignedDigitsReachTwoToThe128) {
  EXPECT_EQ(DecimalDigits(~static_cast<unsigned __int128>(0)),
            "340282366920938463463374607431768211455");
  EXPECT_EQ(Magnitude(kMin), static_cast<unsigned __int128>(kMax) + 1);
}

TEST(AssertDeathTest, PrintsAnInt128InDecimal) {
  const __int128 wide = static_cast<__int128>(1) << 100;
  EXPECT_DEATH(
      BACKSTOP_ASSERT(wide < 0, wide),
      "BACKSTOP_ASSERT\\(wide < 0\\) failed; wide = \\[1267650600228229401496703205376\\]");
}

}  // namespace
}  // namespace base
