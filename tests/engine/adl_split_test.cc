// ADL splits that leave remainders: the pro-rata policy's largest-remainder step (RULEBOOK rule
// 6 "other ranking policies", docs/ENGINE.md "Pro-rata") with remainders that are not zero and
// that tie, and the per-counterparty quotes rounded against each counterparty.
//
// Goal and method: account 1 is long 5 lots at 1,000 on a plain market (MMR 1%, leverage 10,
// no fees) with 501 of collateral; account 3 is a healthy long of 2 lots. The shorts are
// accounts 10, 11 and 12 (2 lots each) and 13 (1 lot), so S = 7 while only X = 5 lots are to
// cover. At mark 908 account 1's equity is 501 - 5 * 92 = 41 < MM ceil(4,540 * 1%) = 46; the
// book is empty and the fund is 0, so all 5 lots go to ADL at BQ = 5 * 908 - 41 = 4,499.
// floor(5 * |Q_j| / 7) gives 1, 1, 1, 0 (3 lots) with remainders 3, 3, 3, 5: the two lots left
// go to account 13 (remainder 5), then to account 10 (remainder 3, first of the tie in queue
// order), so the takes are 2, 1, 1, 1.

#include <gtest/gtest.h>

#include <vector>

#include "engine/events.h"
#include "tests/engine/engine_test_util.h"

namespace engine::testing {
namespace {

class AdlSplitTest : public EngineTest {
 protected:
  void SetUp() override {
    MarketSpec spec = PlainSpec();
    spec.adl_policy = AdlPolicy::kProRata;
    List(spec);
    Mark(Price{1'000});
    Open(AccountId{1}, Money{501});
    Open(AccountId{3}, Money{1'000'000});
    for (uint64_t n : {10, 11, 12, 13}) Open(AccountId{n}, Money{1'000'000});
    Trade(AccountId{1}, AccountId{10}, Quantity{2}, Price{1'000});
    Trade(AccountId{1}, AccountId{11}, Quantity{2}, Price{1'000});
    Trade(AccountId{1}, AccountId{13}, Quantity{1}, Price{1'000});
    Trade(AccountId{3}, AccountId{12}, Quantity{2}, Price{1'000});
  }
};

TEST_F(AdlSplitTest, QueueIsRankedBySizeWithTiesByAccountId) {
  Mark(Price{908});
  const AdlQueue queue = Single<AdlQueue>();
  EXPECT_EQ(queue.quantity_to_cover, 5);
  EXPECT_EQ(queue.queue_length, 4u);
  ASSERT_EQ(queue.top.size(), 4u);
  const std::vector<AccountId> order = Accounts({10, 11, 12, 13});
  for (size_t i = 0; i < order.size(); ++i) {
    EXPECT_EQ(queue.top[i].account, order[i]) << i;
    EXPECT_EQ(queue.top[i].queue_position, static_cast<uint32_t>(i + 1));
  }
}

TEST_F(AdlSplitTest, LargestRemaindersThenQueueOrderGetTheLotsLeftOver) {
  Mark(Price{908});
  const std::vector<AdlReduction> reductions = All<AdlReduction>();
  ASSERT_EQ(reductions.size(), 4u);
  const std::vector<AccountId> accounts = Accounts({10, 11, 12, 13});
  const std::vector<Quantity> takes = {Quantity{2}, Quantity{1}, Quantity{1}, Quantity{1}};
  const std::vector<Quantity> remaining_before = {Quantity{5}, Quantity{3}, Quantity{2},
                                                  Quantity{1}};
  for (size_t i = 0; i < reductions.size(); ++i) {
    EXPECT_EQ(reductions[i].counterparty_account, accounts[i]) << i;
    EXPECT_EQ(reductions[i].quantity, takes[i]) << i;
    EXPECT_EQ(reductions[i].remaining_before, remaining_before[i]) << i;
    EXPECT_EQ(reductions[i].queue_position, static_cast<uint32_t>(i + 1)) << i;
  }
  EXPECT_EQ(Q(AccountId{1}), 0);
  EXPECT_EQ(Q(AccountId{10}), 0);
  EXPECT_EQ(Q(AccountId{11}), -1);
  EXPECT_EQ(Q(AccountId{12}), -1);
  EXPECT_EQ(Q(AccountId{13}), 0);
  EXPECT_EQ(Q(AccountId{3}), 2);  // The healthy long is untouched.
}

TEST_F(AdlSplitTest, QuotesShareTheBankruptcyQuoteRoundedAgainstEachCounterparty) {
  Mark(Price{908});
  const Liquidation liquidation = Single<Liquidation>();
  EXPECT_EQ(liquidation.bankruptcy_quote, 4'499);
  const std::vector<AdlReduction> reductions = All<AdlReduction>();
  ASSERT_EQ(reductions.size(), 4u);
  // Shorts pay: ceil of their share of what is left; the last pays the rest.
  EXPECT_EQ(reductions[0].quote, 1'800);  // ceil(4,499 * 2 / 5) = ceil(1,799.6)
  EXPECT_EQ(reductions[1].quote, 900);    // ceil(2,699 * 1 / 3) = ceil(899.67)
  EXPECT_EQ(reductions[2].quote, 900);    // ceil(1,799 * 1 / 2) = ceil(899.5)
  EXPECT_EQ(reductions[3].quote, 899);    // The remainder.
  Money total{0};
  for (const AdlReduction& reduction : reductions) total += reduction.quote;
  EXPECT_EQ(total, 4'499);
  EXPECT_EQ(engine_.InsuranceFund(kUsdt), 0);
}

}  // namespace
}  // namespace engine::testing
