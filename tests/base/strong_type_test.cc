// base/strong_type.h: explicit in and out, compared only with its own kind, an ordinal steps by
// counts, hashed and printed as its integer, and no bigger or costlier than the integer.

#include "base/strong_type.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <type_traits>
#include <unordered_set>

#include "base/strong_type_fmt.h"

namespace base {
namespace {

using Apple = StrongId<struct AppleTag, uint64_t>;
using Pear = StrongId<struct PearTag, uint64_t>;
using Step = StrongOrdinal<struct StepTag, uint64_t>;

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
