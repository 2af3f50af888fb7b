// The exact 256-bit helpers behind rule 4's ratio comparison, rule 5's split and ADL scores:
// both the Int128 fast path and the long-division path, signs, floors and saturation.

#include <gtest/gtest.h>

#include "engine/internal/wide.h"

namespace engine::internal {
namespace {

constexpr Int128 kTwo70 = Int128{1} << 70;

TEST(WideMathTest, MulDivFloorRoundsTowardNegativeInfinity) {
  EXPECT_EQ(MulDivFloor(7, 3, 2), 10);
  EXPECT_EQ(MulDivFloor(-7, 3, 2), -11);
  EXPECT_EQ(MulDivFloor(7, -3, 2), -11);
  EXPECT_EQ(MulDivFloor(-6, 1, 3), -2);
}

TEST(WideMathTest, MulDivFloorIsExactBeyond128Bits) {
  // (2^70 + 1) * 2^70 needs 141 bits; the quotient fits again.
  const Int128 magnitude =
      (static_cast<Int128>(0xffff900030ffeaULL) << 64) | static_cast<Int128>(0x900d60fa25928f90ULL);
  EXPECT_EQ(MulDivFloor(-(kTwo70 + 1), kTwo70, (1 << 20) + 7), -magnitude);
  EXPECT_EQ(MulDivFloor(kTwo70, kTwo70, kTwo70), kTwo70);
}

TEST(WideMathTest, MulDivFloorSaturatesHugeQuotients) {
  EXPECT_EQ(MulDivFloor(Int128{1} << 100, kTwo70, 1), Int128{1} << 126);
  EXPECT_EQ(MulDivFloor(-kTwo70, kTwo70, 1), -(Int128{1} << 126));
}

TEST(WideMathTest, CompareProductsHandlesSignsAndWideValues) {
  EXPECT_EQ(CompareProducts(-5, 3, 1, 1), -1);
  EXPECT_EQ(CompareProducts(2, 3, 3, 2), 0);
  EXPECT_EQ(CompareProducts(kTwo70, kTwo70, kTwo70 + 1, kTwo70), -1);
  EXPECT_EQ(CompareProducts(-kTwo70, kTwo70, -(kTwo70 + 1), kTwo70), 1);
  EXPECT_EQ(CompareProducts(0, 5, -1, 1), 1);
}

}  // namespace
}  // namespace engine::internal
