// Rule 6: ADL ranking scores (BitMEX sign conventions of RULEBOOK 5.1 through the integer
// score), queue order, reductions at the bankruptcy quote rounded against the counterparty,
// the other policies (Binance LeveragePnL, pro-rata, Hyperliquid) and order cancellation.

#include "base/sha256.h"
#include "engine/risk_math.h"
#include "engine_test_util.h"

namespace engine::testing {
namespace {

// RULEBOOK 5.1 table, one lot = 1 BTC. For one position, equity = MarkValue - BankruptValue.
TEST(AdlScoreTest, BitmexSignConventionsMatchThePublishedTable) {
  // Long: mark 60,000, entry 50,000, bankrupt 45,000 -> PnL% 0.20 x EffLev 4.0 = 0.80.
  EXPECT_EQ(BitmexScoreE12(1, 50'000, 60'000, 15'000), 800'000'000'000);
  // Short: mark -40,000, entry -50,000, bankrupt -55,000 -> 0.20 x 2.667 = 0.533.
  EXPECT_EQ(BitmexScoreE12(-1, -50'000, 40'000, 15'000), 533'333'200'000);
  // Losing long: 45,000 / 50,000 / 40,000 -> -0.10 / 9.0 = -0.0111 (floored).
  EXPECT_EQ(BitmexScoreE12(1, 50'000, 45'000, 5'000), -11'111'111'112);
}

TEST(AdlScoreTest, EquityIsClampedToOneQuoteUnit) {
  EXPECT_EQ(BitmexScoreE12(1, 50'000, 60'000, -7), BitmexScoreE12(1, 50'000, 60'000, 1));
}

TEST(AdlScoreTest, OtherPoliciesUseTheirDocumentedFormulas) {
  // Binance: PnL% = 10,000 / 5,000 = 2.0, margin ratio = 600 / 15,000 = 0.04 -> 0.08.
  EXPECT_EQ(BinanceLeveragePnlScoreE12(1, 50'000, 60'000, 5'000, 600, 15'000), 80'000'000'000);
  // Hyperliquid long: (60,000 / 50,000) * (60,000 / 15,000) = 4.8.
  EXPECT_EQ(HyperliquidScoreE12(1, 50'000, 60'000, 15'000), 4'800'000'000'000);
  // Hyperliquid short, our reading: (50,000 / 40,000) * (40,000 / 15,000) = 3.3333325.
  EXPECT_EQ(HyperliquidScoreE12(-1, -50'000, 40'000, 15'000), 3'333'332'500'000);
  EXPECT_EQ(ProRataScore(-7), 7);
}

// Account 1 (WB 1,001) is long 10 at 1,000, bought from shorts 2 (6 lots, rich), 4 (3 lots,
// thin margin) and 5 (1 lot). The book is empty and the fund is 0, so at mark 908
// (equity 81 < MM 91) all 10 lots go to ADL at BQ = 10,000 - 1,001 = 8,999.
class AdlTest : public EngineTest {
 protected:
  void Build(AdlPolicy policy) {
    MarketSpec spec = PlainSpec();
    spec.adl_policy = policy;
    List(spec);
    Mark(1'000);
    Open(1, 1'001);
    Open(2, 1'000'000);
    Open(4, 5'000);
    Open(5, 2'000);
    Trade(1, 2, 6, 1'000);
    Trade(1, 4, 3, 1'000);
    Trade(1, 5, 1, 1'000);
  }
};

TEST_F(AdlTest, QueueIsRankedOnceAndReducedFromTheTopAtTheBankruptcyQuote) {
  Build(AdlPolicy::kBitmex);
  Mark(908);
  const AdlQueue queue = Single<AdlQueue>();
  EXPECT_EQ(queue.queue_length, 3u);
  EXPECT_EQ(queue.quantity_to_cover, 10);
  EXPECT_EQ(queue.counterparty_side, Side::kSell);
  ASSERT_EQ(queue.top.size(), 3u);
  // Same PnL% for all; effective leverage decides: 4 (thin), then 5, then 2.
  EXPECT_EQ(queue.top[0].account, 4u);
  EXPECT_EQ(queue.top[1].account, 5u);
  EXPECT_EQ(queue.top[2].account, 2u);
  const std::vector<AdlReduction> reductions = All<AdlReduction>();
  ASSERT_EQ(reductions.size(), 3u);
  EXPECT_EQ(reductions[0].quantity, 3);
  EXPECT_EQ(reductions[0].quote, 2'700);  // ceil(8,999 * 3 / 10) = ceil(2,699.7)
  EXPECT_EQ(reductions[0].remaining_before, 10);
  EXPECT_EQ(reductions[0].gain_vs_mark, 3 * 908 - 2'700);
  EXPECT_EQ(reductions[0].deficit_covered, 2'700 - 3 * 908);
  EXPECT_EQ(reductions[1].quote, 900);    // ceil(6,299 * 1 / 7) = ceil(899.86)
  EXPECT_EQ(reductions[2].quote, 5'399);  // The last takes the remainder.
  EXPECT_EQ(reductions[2].queue_position, 3u);
  EXPECT_EQ(Q(2), 0);
  EXPECT_EQ(Q(4), 0);
  EXPECT_EQ(engine_.InsuranceFund(kUsdt), 0);
}

TEST_F(AdlTest, CounterpartyOrdersInTheMarketAreCancelled) {
  Build(AdlPolicy::kBitmex);
  Order(4, 1, Side::kBuy, 500, 1);
  Mark(908);
  bool cancelled = false;
  for (const OrderCancelled& cancel : All<OrderCancelled>()) {
    cancelled |= cancel.account == 4 && cancel.reason == CancelReason::kAdl;
  }
  EXPECT_TRUE(cancelled);
  EXPECT_TRUE(engine_.OpenOrders(4).empty());
}

TEST_F(AdlTest, ProRataSplitsBySizeWithLargestRemainders) {
  Build(AdlPolicy::kProRata);
  Mark(908);
  const std::vector<AdlReduction> reductions = All<AdlReduction>();
  ASSERT_EQ(reductions.size(), 3u);
  Quantity total = 0;
  for (const AdlReduction& reduction : reductions) total += reduction.quantity;
  EXPECT_EQ(total, 10);  // All of each position here, since 10 = 6 + 3 + 1.
  EXPECT_EQ(reductions[0].counterparty_account, 2u);  // Ranked by size.
}

TEST_F(AdlTest, BinanceLeveragePnlRanksByProfitOverWalletTimesMarginRatio) {
  Build(AdlPolicy::kBinanceLeveragePnl);
  Mark(908);
  const AdlQueue queue = Single<AdlQueue>();
  ASSERT_EQ(queue.top.size(), 3u);
  EXPECT_EQ(queue.top[0].account, 4u);
  EXPECT_EQ(queue.top[2].account, 2u);
}

TEST_F(AdlTest, HyperliquidRanksShortsByEntryOverMarkTimesLeverage) {
  Build(AdlPolicy::kHyperliquid);
  Mark(908);
  const AdlQueue queue = Single<AdlQueue>();
  ASSERT_EQ(queue.top.size(), 3u);
  EXPECT_EQ(queue.top[0].account, 4u);
  EXPECT_EQ(queue.top[2].account, 2u);
}

// The commitment of docs/ENGINE.md, written out independently of the engine's code: SHA-256
// over account, score and position of every entry, each 8 bytes big-endian.
base::Sha256Digest Commitment(const std::vector<AdlQueueEntry>& entries) {
  std::vector<uint8_t> bytes;
  for (const AdlQueueEntry& entry : entries) {
    for (const uint64_t value : {entry.account, static_cast<uint64_t>(entry.score),
                                 static_cast<uint64_t>(entry.position)}) {
      for (int byte = 7; byte >= 0; --byte)
        bytes.push_back(static_cast<uint8_t>(value >> (8 * byte)));
    }
  }
  base::Sha256 sha;
  return sha.Of(bytes);
}

class AdlRecordTest : public AdlTest, public ::testing::WithParamInterface<AdlPolicy> {};

TEST_P(AdlRecordTest, QueueCommitsToTheRankingAndEachReductionToItsScoreInputs) {
  Build(GetParam());
  const PositionState before_4 = engine_.Position(4, kMarket);
  Mark(908);
  const AdlQueue queue = Single<AdlQueue>();
  ASSERT_EQ(queue.top.size(), 3u);  // The whole queue: the commitment covers exactly these.
  EXPECT_EQ(queue.ranking_sha256, Commitment(queue.top));
  EXPECT_TRUE(queue.full.empty());  // Listed only with list_full_adl_queue.
  const std::vector<AdlReduction> reductions = All<AdlReduction>();
  ASSERT_FALSE(reductions.empty());
  for (const AdlReduction& reduction : reductions) {
    SCOPED_TRACE(reduction.counterparty_account);
    EXPECT_EQ(AdlScoreOf(GetParam(), reduction.score_inputs), reduction.score);
    EXPECT_EQ(reduction.score_inputs.mark, 908);
    EXPECT_LT(reduction.score_inputs.position, 0);  // The shorts, as ranked (before it).
    if (reduction.counterparty_account == 4) {
      EXPECT_EQ(reduction.score_inputs.position, before_4.quantity);
      EXPECT_EQ(reduction.score_inputs.cost, before_4.cost);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryPolicy, AdlRecordTest,
                         ::testing::Values(AdlPolicy::kBitmex, AdlPolicy::kBinanceLeveragePnl,
                                           AdlPolicy::kProRata, AdlPolicy::kHyperliquid),
                         [](const auto& info) {
                           return std::to_string(static_cast<int>(info.param));
                         });

// 25 shorts of 1 lot each: the effect lists the top 20, the commitment covers all 25, and
// list_full_adl_queue lists them all (the same order as the top).
TEST_F(EngineTest, CommitmentCoversTheQueueBeyondItsListedTop) {
  EngineOptions options;
  options.list_full_adl_queue = true;
  engine_ = RiskEngine(options);
  List(PlainSpec());
  Mark(1'000);
  Open(1, 2'503);
  for (AccountId short_account = 10; short_account < 35; ++short_account) {
    Open(short_account, 100'000 + static_cast<Money>(short_account));  // Distinct leverage.
    Trade(1, short_account, 1, 1'000);
  }
  Mark(908);
  const AdlQueue queue = Single<AdlQueue>();
  EXPECT_EQ(queue.queue_length, 25u);
  ASSERT_EQ(queue.top.size(), static_cast<size_t>(kAdlQueueTopK));
  ASSERT_EQ(queue.full.size(), 25u);
  for (size_t i = 0; i < queue.top.size(); ++i) EXPECT_EQ(queue.top[i], queue.full[i]);
  EXPECT_EQ(queue.full.back().queue_position, 25u);
  EXPECT_EQ(queue.ranking_sha256, Commitment(queue.full));
  EXPECT_NE(queue.ranking_sha256, Commitment(queue.top));
}

}  // namespace
}  // namespace engine::testing
