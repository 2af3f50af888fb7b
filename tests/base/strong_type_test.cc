// base/strong_type.h: explicit in and out, compared only with its own kind, an ordinal steps by
// counts, hashed and printed as its integer, and no bigger or costlier than the integer.

#include "base/strong_type.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <sstream>
#include <type_traits>
#include <unordered_set>

#include "base/strong_type_fmt.h"

namespace base {
namespace {

using Apple = StrongId<struct AppleTag, uint64_t>;
using Pear = StrongId<struct PearTag, uint64_t>;
using Step = StrongOrdinal<struct StepTag, uint64_t>;
using Cash = StrongAmount<struct CashTag, int64_t>;
using Lots = StrongAmount<struct LotsTag, int64_t>;

static_assert(!std::is_convertible_v<uint64_t, Apple>);
static_assert(!std::is_convertible_v<Apple, uint64_t>);
static_assert(!std::is_convertible_v<Apple, Pear>);
static_assert(!std::is_constructible_v<Apple, Pear>);
static_assert(!std::is_convertible_v<uint64_t, Step>);
static_assert(!std::is_convertible_v<Step, uint64_t>);
static_assert(!std::is_constructible_v<Step, Apple>);
static_assert(std::is_constructible_v<Apple, uint64_t>);  // Explicitly.
static_assert(std::is_trivially_copyable_v<Apple> && sizeof(Apple) == sizeof(uint64_t));
static_assert(std::is_trivially_copyable_v<Step> && sizeof(Step) == sizeof(uint64_t));
static_assert(sizeof(StrongId<struct SmallTag, uint32_t>) == sizeof(uint32_t));

template <typename A, typename B>
concept EqualityComparable = requires(A a, B b) {
  a == b;
};
template <typename A, typename B>
concept Addable = requires(A a, B b) {
  a + b;
};
static_assert(!EqualityComparable<Apple, Pear>);
static_assert(!EqualityComparable<Apple, uint64_t>);
static_assert(!Addable<Apple, uint64_t>);  // Identifiers have no arithmetic.
static_assert(!Addable<Step, Step>);       // Two positions do not add; a count moves one.
static_assert(Addable<Step, uint64_t>);

template <typename A, typename B>
concept Multipliable = requires(A a, B b) {
  a* b;
};
template <typename A, typename B>
concept Divisible = requires(A a, B b) {
  a / b;
};
template <typename A, typename B>
concept LessComparable = requires(A a, B b) {
  a < b;
};
static_assert(!std::is_convertible_v<int64_t, Cash>);
static_assert(!std::is_convertible_v<Cash, int64_t>);
static_assert(!std::is_convertible_v<Cash, Lots>);
static_assert(!std::is_constructible_v<Cash, Lots>);
static_assert(!std::is_constructible_v<Cash, __int128>);  // Not even by static_cast.
static_assert(!std::is_constructible_v<Cash, uint64_t>);  // Nor from an unsigned integer.
static_assert(std::is_constructible_v<Cash, int> && std::is_constructible_v<Cash, int64_t>);
static_assert(std::is_trivially_copyable_v<Cash> && sizeof(Cash) == sizeof(int64_t));
static_assert(Addable<Cash, Cash>);
static_assert(!Addable<Cash, Lots>);       // Two kinds never add...
static_assert(!Addable<Cash, int64_t>);    // ...nor does a plain integer slip in.
static_assert(!Multipliable<Cash, Lots>);  // Kinds meet only explicitly, in 128 bits.
static_assert(!Multipliable<Cash, Cash>);
static_assert(Multipliable<Cash, int64_t> && Multipliable<int64_t, Cash>);  // Scaling by a count.
static_assert(!Divisible<Cash, int64_t>);  // Every division names its rounding.
static_assert(!EqualityComparable<Cash, Lots>);
static_assert(!LessComparable<Cash, Lots>);
static_assert(EqualityComparable<Cash, int64_t> && LessComparable<Cash, int>);
static_assert(!LessComparable<Cash, uint64_t>);  // Unsigned would compare surprisingly.

TEST(StrongTypeTest, ComparesByValueWithDefaultedOperators) {
  EXPECT_EQ(Apple{3}, Apple{3});
  EXPECT_NE(Apple{3}, Apple{4});
  EXPECT_LT(Apple{3}, Apple{4});
  EXPECT_GE(Apple{4}, Apple{4});
  EXPECT_EQ(Apple{}.value(), 0u);
  EXPECT_EQ(Apple{7}.value(), 7u);
}

TEST(StrongTypeTest, OrdinalStepsByCountsAndMeasuresDistances) {
  Step step{10};
  EXPECT_EQ(++step, Step{11});
  EXPECT_EQ(step++, Step{11});
  EXPECT_EQ(step, Step{12});
  EXPECT_EQ(--step, Step{11});
  EXPECT_EQ(step + 5, Step{16});
  EXPECT_EQ(step - 1, Step{10});
  EXPECT_EQ(Step{16} - step, 5u);
  step += 4;
  EXPECT_EQ(step, Step{15});
  step -= 15;
  EXPECT_EQ(step, Step{0});
}

TEST(StrongTypeTest, AmountsAddNegateScaleAndCompareWithPlainIntegers) {
  Cash cash{100};
  cash += Cash{20};
  cash -= Cash{5};
  EXPECT_EQ(cash, Cash{115});
  EXPECT_EQ(-cash, Cash{-115});
  EXPECT_EQ(cash - Cash{15}, Cash{100});
  EXPECT_EQ(3 * Cash{7}, Cash{21});
  EXPECT_EQ(Cash{7} * 3, Cash{21});
  EXPECT_TRUE(cash > 0);
  EXPECT_TRUE(0 < cash);
  EXPECT_TRUE(Cash{-1} < 0);
  EXPECT_TRUE(cash == 115);
  // A 128-bit bound is compared in 128 bits, never narrowed: 2^64 + 5 is not 5.
  const __int128 wide = (static_cast<__int128>(1) << 64) + 5;
  EXPECT_FALSE(Cash{5} == wide);
  EXPECT_TRUE(Cash{5} < wide);
  EXPECT_EQ(std::numeric_limits<Cash>::max(), Cash{INT64_MAX});
  EXPECT_EQ(fmt::format("{} {:>5}", Cash{-42}, Lots{7}), "-42     7");
}

TEST(StrongTypeTest, HashesAndPrintsAsItsInteger) {
  std::unordered_set<Apple> apples{Apple{1}, Apple{2}, Apple{1}};
  EXPECT_EQ(apples.size(), 2u);
  EXPECT_EQ(std::hash<Apple>{}(Apple{42}), std::hash<uint64_t>{}(42));
  std::ostringstream out;
  out << Apple{42} << " " << Step{7};
  EXPECT_EQ(out.str(), "42 7");
  EXPECT_EQ(fmt::format("{} {:>4} {:x}", Apple{42}, Step{7}, Pear{255}), "42    7 ff");
  EXPECT_EQ(UnwrapStrong(Apple{9}), 9u);
  EXPECT_EQ(UnwrapStrong(int64_t{-9}), -9);
}

}  // namespace
}  // namespace base
