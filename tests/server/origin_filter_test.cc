// The origins' Bloom filter: never "absent" for an origin it took, rarely "maybe" for one it
// did not, and "maybe" for everything once it gives up.

#include "server/internal/origin_filter.h"

#include <gtest/gtest.h>

#include <string>

#include "ledger/indexes.h"

namespace server::internal {
namespace {

std::string Prefix(uint64_t client_seq) {
  return ledger::ClientCommandPrefix("trader", "desk-1", client_seq);
}

TEST(OriginFilterTest, NeverForgetsAnOriginAndRarelyInventsOne) {
  OriginFilter filter(1000);  // Grows past its first size: 200 k origins.
  for (uint64_t seq = 1; seq <= 200000; seq += 2) filter.Add(Prefix(seq));
  size_t maybe = 0;
  for (uint64_t seq = 1; seq <= 200000; ++seq) {
    if (seq % 2 == 1) {
      ASSERT_TRUE(filter.MayContain(Prefix(seq))) << seq;
    } else {
      maybe += filter.MayContain(Prefix(seq)) ? 1 : 0;
    }
  }
  // About 0.1% per full part at 16 bits an origin (0.36% of these for the 5 parts together).
  EXPECT_LT(maybe, 100000 / 200) << maybe;
  EXPECT_FALSE(filter.gave_up());
  EXPECT_GT(filter.bytes(), 100000 * 16 / 8);
  EXPECT_FALSE(filter.MayContain(ledger::ClientCommandPrefix("other", "desk-1", 1)) &&
               filter.MayContain(ledger::ClientCommandPrefix("other", "desk-1", 2)) &&
               filter.MayContain(ledger::ClientCommandPrefix("other", "desk-1", 3)));
}

TEST(OriginFilterTest, AfterGivingUpEverythingMayBeThere) {
  OriginFilter filter(10);
  filter.Add(Prefix(1));
  EXPECT_FALSE(filter.MayContain(Prefix(2)));
  filter.GiveUp();
  EXPECT_TRUE(filter.gave_up());
  EXPECT_EQ(filter.bytes(), 0u);
  EXPECT_TRUE(filter.MayContain(Prefix(2)));
  filter.Add(Prefix(3));  // Ignored.
  EXPECT_TRUE(filter.MayContain(Prefix(4)));
}

TEST(OriginFilterTest, GivesUpRatherThanPassItsMemoryBound) {
  // A first part too large for the bound: the filter starts given up.
  OriginFilter filter(OriginFilter::kMaxBytes);
  EXPECT_TRUE(filter.gave_up());
  EXPECT_TRUE(filter.MayContain(Prefix(1)));
}

}  // namespace
}  // namespace server::internal
