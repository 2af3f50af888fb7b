// Rule 6: ADL ranking scores (BitMEX sign conventions of RULEBOOK 5.1 through the integer
// score), queue order, reductions at the bankruptcy quote rounded against the counterparty,
// the other policies (Binance LeveragePnL, pro-rata, Hyperliquid) and order cancellation.

#include <ostream>
#include <vector>

#include "base/sha256.h"
#include "engine/risk_math.h"
#include "engine_test_util.h"

namespace engine::testing {
namespace {

// Rule 6's scores as a table: RULEBOOK 5.1's published BitMEX rows (one lot = 1 BTC; for one
// position, equity = MarkValue - BankruptValue) and one row per other policy's formula
// (docs/ENGINE.md), each score at scale 1e12 and floored.
struct ScoreRow {
  const char* formula;
  int64_t score_e12;  // What the engine's function returns.
  int64_t expected_e12;
  const char* why;
};

void PrintTo(const ScoreRow& row, std::ostream* out) { *out << row.formula << ": " << row.why; }

class AdlScoreTableTest : public ::testing::TestWithParam<ScoreRow> {};

TEST_P(AdlScoreTableTest, ScoreMatchesThePublishedFigure) {
  EXPECT_EQ(GetParam().score_e12, GetParam().expected_e12);
}

// clang-format off
const ScoreRow kScoreRows[] = {
    {"bitmex long", BitmexScoreE12(Quantity{1}, Money{50'000}, Price{60'000}, 15'000),
     800'000'000'000,
     "mark 60,000, entry 50,000, bankrupt 45,000: PnL% 0.20 x EffLev 4.0 = 0.80"},
    {"bitmex short", BitmexScoreE12(Quantity{-1}, Money{-50'000}, Price{40'000}, 15'000),
     533'333'200'000,
     "mark 40,000, entry 50,000, bankrupt 55,000: 0.20 x 2.667 = 0.533"},
    {"bitmex losing long", BitmexScoreE12(Quantity{1}, Money{50'000}, Price{45'000}, 5'000),
     -11'111'111'112,
     "45,000 / 50,000 / 40,000: -0.10 / 9.0 = -0.0111, floored"},
    {"bitmex equity <= 0", BitmexScoreE12(Quantity{1}, Money{50'000}, Price{60'000}, -7),
                           BitmexScoreE12(Quantity{1}, Money{50'000}, Price{60'000}, 1),
     "equity is clamped to one quote unit"},
    {"binance", BinanceLeveragePnlScoreE12(Quantity{1}, Money{50'000}, Price{60'000},
                                           Money{5'000}, 600, 15'000),
     80'000'000'000,
     "PnL% 10,000 / 5,000 = 2.0 x margin ratio 600 / 15,000 = 0.04"},
    {"hyperliquid long", HyperliquidScoreE12(Quantity{1}, Money{50'000}, Price{60'000}, 15'000),
     4'800'000'000'000,
     "(60,000 / 50,000) x (60,000 / 15,000) = 4.8"},
    {"hyperliquid short", HyperliquidScoreE12(Quantity{-1}, Money{-50'000}, Price{40'000}, 15'000),
     3'333'332'500'000,
     "our reading: (50,000 / 40,000) x (40,000 / 15,000) = 3.3333325"},
    {"pro-rata", ProRataScore(Quantity{-7}), 7, "|Q|"},
};
// clang-format on
INSTANTIATE_TEST_SUITE_P(Rule6, AdlScoreTableTest, ::testing::ValuesIn(kScoreRows));

// Account 1 (WB 1,001) is long 10 at 1,000, bought from shorts 2 (6 lots, rich), 4 (3 lots,
// thin margin) and 5 (1 lot). The book is empty and the fund is 0, so at mark 908
// (equity 81 < MM 91) all 10 lots go to ADL at BQ = 10,000 - 1,001 = 8,999.
class AdlTest : public EngineTest {
 protected:
  void Build(AdlPolicy policy) {
    MarketSpec spec = PlainSpec();
    spec.adl_policy = policy;
    List(spec);
    Mark(Price{1'000});
    Open(AccountId{1}, Money{1'001});
    Open(AccountId{2}, Money{1'000'000});
    Open(AccountId{4}, Money{5'000});
    Open(AccountId{5}, Money{2'000});
    Trade(AccountId{1}, AccountId{2}, Quantity{6}, Price{1'000});
    Trade(AccountId{1}, AccountId{4}, Quantity{3}, Price{1'000});
    Trade(AccountId{1}, AccountId{5}, Quantity{1}, Price{1'000});
  }
};

TEST_F(AdlTest, QueueIsRankedOnceAndReducedFromTheTopAtTheBankruptcyQuote) {
  Build(AdlPolicy::kBitmex);
  Mark(Price{908});
  const AdlQueue queue = Single<AdlQueue>();
  EXPECT_EQ(queue.queue_length, 3u);
  EXPECT_EQ(queue.quantity_to_cover, 10);
  EXPECT_EQ(queue.counterparty_side, Side::kSell);
  ASSERT_EQ(queue.top.size(), 3u);
  // Same PnL% for all; effective leverage decides: 4 (thin), then 5, then 2.
  EXPECT_EQ(queue.top[0].account, engine::AccountId{4});
  EXPECT_EQ(queue.top[1].account, engine::AccountId{5});
  EXPECT_EQ(queue.top[2].account, engine::AccountId{2});
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
  EXPECT_EQ(Q(AccountId{2}), 0);
  EXPECT_EQ(Q(AccountId{4}), 0);
  EXPECT_EQ(engine_.InsuranceFund(kUsdt), 0);
}

TEST_F(AdlTest, CounterpartyOrdersInTheMarketAreCancelled) {
  Build(AdlPolicy::kBitmex);
  Order(AccountId{4}, OrderId{1}, Side::kBuy, Price{500}, Quantity{1});
  Mark(Price{908});
  bool cancelled = false;
  for (const OrderCancelled& cancel : All<OrderCancelled>()) {
    cancelled |= cancel.account == AccountId{4} && cancel.reason == CancelReason::kAdl;
  }
  EXPECT_TRUE(cancelled);
  EXPECT_TRUE(engine_.OpenOrders(AccountId{4}).empty());
}

// Every policy on the same book as a table: the queue order and, in that order, the lots and
// quote each counterparty gave up. The shorts all gained 92 per lot; BitMEX, Binance and
// Hyperliquid put the thinnest margin first (4: 3 lots on 5,000, then 5: 1 lot on 2,000, then
// 2: 6 lots on 1,000,000), pro-rata ranks by size. Each quote is ceil(rest of BQ * q / rest of
// the lots) and the last takes what is left of BQ = 8,999.
struct PolicyRow {
  AdlPolicy policy;
  std::vector<AccountId> queue;
  std::vector<int64_t> quantities;
  std::vector<int64_t> quotes;
  const char* why;
};

void PrintTo(const PolicyRow& row, std::ostream* out) { *out << row.why; }

class AdlPolicyTableTest : public AdlTest, public ::testing::WithParamInterface<PolicyRow> {};

TEST_P(AdlPolicyTableTest, QueueOrderAndTakes) {
  const PolicyRow row = GetParam();
  Build(row.policy);
  Mark(Price{908});
  const AdlQueue queue = Single<AdlQueue>();
  EXPECT_EQ(queue.policy, row.policy);
  std::vector<AccountId> ranked;
  for (const AdlQueueEntry& entry : queue.top) ranked.push_back(entry.account);
  EXPECT_EQ(ranked, row.queue);
  std::vector<AccountId> reduced;
  std::vector<int64_t> quantities;
  std::vector<int64_t> quotes;
  for (const AdlReduction& reduction : All<AdlReduction>()) {
    reduced.push_back(reduction.counterparty_account);
    quantities.push_back(reduction.quantity.value());
    quotes.push_back(reduction.quote.value());
  }
  EXPECT_EQ(reduced, row.queue);
  EXPECT_EQ(quantities, row.quantities);
  EXPECT_EQ(quotes, row.quotes);
  EXPECT_EQ(Q(AccountId{1}), 0);
}

// clang-format off
const PolicyRow kPolicyRows[] = {
    // policy                        queue      lots       quotes
    {AdlPolicy::kBitmex,             Accounts({4, 5, 2}), {3, 1, 6}, {2'700, 900, 5'399},
     "bitmex: same PnL%, effective leverage decides"},
    {AdlPolicy::kBinanceLeveragePnl, Accounts({4, 5, 2}), {3, 1, 6}, {2'700, 900, 5'399},
     "binance: profit over wallet x margin ratio"},
    {AdlPolicy::kHyperliquid,        Accounts({4, 5, 2}), {3, 1, 6}, {2'700, 900, 5'399},
     "hyperliquid: entry over mark x leverage"},
    {AdlPolicy::kProRata,            Accounts({2, 4, 5}), {6, 3, 1}, {5'400, 2'700, 899},
     "pro-rata: by size; X = S = 10, so each gives all it holds"},
};
// clang-format on
INSTANTIATE_TEST_SUITE_P(Rule6, AdlPolicyTableTest, ::testing::ValuesIn(kPolicyRows));

// The commitment of docs/ENGINE.md, written out independently of the engine's code: SHA-256
// over account, score and position of every entry, each 8 bytes big-endian.
base::Sha256Digest Commitment(const std::vector<AdlQueueEntry>& entries) {
  std::vector<uint8_t> bytes;
  for (const AdlQueueEntry& entry : entries) {
    for (const uint64_t value : {entry.account.value(), static_cast<uint64_t>(entry.score),
                                 static_cast<uint64_t>(entry.position.value())}) {
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
  const PositionState before_4 = engine_.Position(AccountId{4}, kMarket);
  Mark(Price{908});
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
    if (reduction.counterparty_account == AccountId{4}) {
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
  Mark(Price{1'000});
  Open(AccountId{1}, Money{2'503});
  for (uint64_t n = 10; n < 35; ++n) {
    const AccountId short_account{n};
    Open(short_account,
         Money{100'000 + static_cast<int64_t>(short_account.value())});  // Distinct leverage.
    Trade(AccountId{1}, short_account, Quantity{1}, Price{1'000});
  }
  Mark(Price{908});
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
