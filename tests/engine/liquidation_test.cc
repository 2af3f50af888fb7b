// Rules 4 and 5 with exact numbers: trigger at equity < MM, bankruptcy quote split by MM share,
// take-over to account 0, Phase A surplus to the fund, Phase B fund draws (one per fill,
// capped by the fund and by max slippage), Phase C by ADL, and the lowest-ratio-first loop.
//
// Base scenario (no fees, MMR 1%, 10x): account 1 deposits 1,000 and buys 10 lots at 1,000
// from accounts 2 (6 lots) and 4 (4 lots). At mark 909 its equity 90 < MM ceil(90.9) = 91, so
// it is liquidated: e = 90, BQ = 10*909 - 90 = 9,000, BP = 900.

#include <ostream>
#include <utility>
#include <vector>

#include "engine_test_util.h"

namespace engine::testing {
namespace {

class LiquidationTest : public EngineTest {
 protected:
  void SetUp() override {
    List(PlainSpec());
    Mark(Price{1'000});
    Open(AccountId{1}, Money{1'000});
    Open(AccountId{2}, Money{1'000'000});
    Open(AccountId{3}, Money{1'000'000});
    Open(AccountId{4}, Money{10'000});
    Trade(AccountId{1}, AccountId{2}, Quantity{6}, Price{1'000});
    Trade(AccountId{1}, AccountId{4}, Quantity{4}, Price{1'000});
  }
  std::vector<int64_t> FundDeltas() const {
    std::vector<int64_t> deltas;
    for (const LiquidationFill& fill : All<LiquidationFill>())
      deltas.push_back(fill.insurance_delta.value());
    return deltas;
  }
};

TEST_F(LiquidationTest, NotLiquidatedWhileEquityEqualsMaintenance) {
  Mark(Price{910});  // Equity 100 >= MM 91.
  EXPECT_TRUE(All<Liquidation>().empty());
}

TEST_F(LiquidationTest, TakeOverAtTheBankruptcyQuoteLeavesWalletZero) {
  Mark(Price{909});
  const Liquidation liquidation = Single<Liquidation>();
  EXPECT_EQ(liquidation.account, engine::AccountId{1});
  EXPECT_EQ(liquidation.equity, 90);
  EXPECT_EQ(liquidation.maintenance_margin, 91);
  EXPECT_EQ(liquidation.equity_share, 90);
  EXPECT_EQ(liquidation.bankruptcy_quote, 9'000);
  EXPECT_EQ(liquidation.bankruptcy_price, 900);
  EXPECT_EQ(Wallet(AccountId{1}), 0);
  EXPECT_EQ(Q(AccountId{1}), 0);
  EXPECT_EQ(Q(AccountId{0}), 0);  // Account 0 is flat at the end of the input.
}

TEST_F(LiquidationTest, LiquidationCancelsTheAccountsOrdersFirst) {
  Open(AccountId{1}, Money{200});  // Room for the order's IM: 10 lots valued at 1,100.
  Order(AccountId{1}, OrderId{1}, Side::kSell, Price{1'100}, Quantity{2});
  ASSERT_EQ(LastRejection(), Rejection::kNone);
  Mark(Price{880});
  ASSERT_FALSE(last_.empty());
  const auto* cancelled = std::get_if<OrderCancelled>(&last_[0]);
  ASSERT_NE(cancelled, nullptr);
  EXPECT_EQ(cancelled->reason, CancelReason::kLiquidation);
  EXPECT_TRUE(engine_.OpenOrders(AccountId{1}).empty());
}

// Rule 5's phases as a table. Account 3 rests `bids` (price, lots) under the base scenario; at
// mark 909 account 1's 10 lots (BQ 9,000, BP 900) are sold into them: each fill's insurance delta
// is its quote minus its share ceil(9,000 * q / 10) of BQ (Phase A at or above BP credits the
// fund, Phase B below BP draws on it while the fund covers a whole fill), and what the book and
// the fund cannot take goes to ADL at the rest of BQ.
struct PhaseRow {
  std::vector<std::pair<int64_t, int64_t>> bids;  // Price, lots.
  std::vector<int64_t> fund_deltas;               // One per liquidation fill, in order.
  int64_t fund_after;
  int64_t adl_quantity;  // Summed over the reductions.
  int64_t adl_quote;
  const char* why;
};

void PrintTo(const PhaseRow& row, std::ostream* out) { *out << row.why; }

class LiquidationPhaseTest : public LiquidationTest,
                             public ::testing::WithParamInterface<PhaseRow> {};

TEST_P(LiquidationPhaseTest, FillsFundAndAdlSplitTheBankruptcyQuote) {
  const PhaseRow row = GetParam();
  uint64_t order_id = 1;
  for (const auto& [price, quantity] : row.bids) {
    Order(AccountId{3}, OrderId{order_id++}, Side::kBuy, Price{price}, Quantity{quantity});
  }
  Mark(Price{909});
  ASSERT_EQ(Single<Liquidation>().bankruptcy_quote, 9'000);
  EXPECT_EQ(FundDeltas(), row.fund_deltas);
  EXPECT_EQ(engine_.InsuranceFund(kUsdt), row.fund_after);
  Quantity adl_quantity{0};
  Money adl_quote{0};
  for (const AdlReduction& reduction : All<AdlReduction>()) {
    adl_quantity += reduction.quantity;
    adl_quote += reduction.quote;
    EXPECT_EQ(reduction.price, 900);  // BP on the tick.
  }
  EXPECT_EQ(adl_quantity, row.adl_quantity);
  EXPECT_EQ(adl_quote, row.adl_quote);
  for (const LiquidationFill& fill : All<LiquidationFill>()) {
    EXPECT_EQ(fill.phase, fill.price >= 900 ? LiquidationPhase::kA : LiquidationPhase::kB);
  }
  for (const Fill& fill : All<Fill>()) EXPECT_EQ(fill.taker_fee, 0);
  EXPECT_EQ(Wallet(AccountId{1}), 0);
  EXPECT_EQ(Q(AccountId{1}), 0);
}

// clang-format off
const PhaseRow kPhaseRows[] = {
    {{{905, 4}, {900, 3}, {895, 5}}, {20, 0, -15}, 5,  0,     0,
     "A: 3,620 - 3,600 = +20 and 2,700 - 2,700 = 0; B: 3 @ 895 = 2,685 - 2,700 = -15"},
    {{{905, 4}, {900, 3}, {880, 5}}, {20, 0, -20}, 0,  2, 1'800,
     "B: one lot at 880 costs the fund 20, all it has; ADL takes 2 lots at 9,000 - 7,200"},
    {{},                             {},           0, 10, 9'000,
     "an empty book and an empty fund: all 10 lots to ADL at BQ"},
    {{{910, 10}},                    {100},      100,  0,     0,
     "A only: 9,100 - 9,000 = +100 to the fund"},
    {{{900, 10}},                    {0},          0,  0,     0,
     "at BP exactly: nothing to or from the fund"},
};
// clang-format on
INSTANTIATE_TEST_SUITE_P(Rule5, LiquidationPhaseTest, ::testing::ValuesIn(kPhaseRows));

TEST_F(LiquidationTest, MaxSlippageCapsPhaseB) {
  MarketSpec spec = PlainSpec();
  spec.max_slippage_e8 = 2'000'000;  // 2% from mark 909: Phase B no lower than ceil(890.82).
  Do(ChangeMarket{spec});
  Order(AccountId{3}, OrderId{1}, Side::kBuy, Price{891}, Quantity{1});
  Order(AccountId{3}, OrderId{2}, Side::kBuy, Price{890}, Quantity{1});
  Do(TopUpInsurance{kUsdt, Money{1'000}});
  Mark(Price{909});
  ASSERT_EQ(All<LiquidationFill>().size(), 1u);
  EXPECT_EQ(All<LiquidationFill>()[0].price, 891);
  EXPECT_EQ(All<AdlReduction>().size(), 2u);  // 9 lots over both shorts.
}

TEST_F(LiquidationTest, BankruptcyQuoteIsSplitOverPositionsByMaintenanceMargin) {
  List(PlainSpec(MarketId{2}));
  Mark(Price{1'000}, MarketId{2});
  Open(AccountId{5}, Money{2'000});
  Trade(AccountId{5}, AccountId{2}, Quantity{10}, Price{1'000}, MarketId{2});
  Trade(AccountId{5}, AccountId{2}, Quantity{10},
        Price{1'000});  // Account 5: 10 long in both markets, WB 2,000, IM 2,000.
  Mark(Price{950});
  EXPECT_TRUE(All<Liquidation>().empty());
  Mark(Price{860}, MarketId{2});  // Equity 2,000 - 500 - 1,400 = 100 < MM 95 + 86 = 181.
  std::vector<Liquidation> liquidations;
  for (const Liquidation& liquidation : All<Liquidation>()) {
    if (liquidation.account == AccountId{5}) liquidations.push_back(liquidation);
  }
  ASSERT_EQ(liquidations.size(), 2u);
  EXPECT_EQ(liquidations[0].equity_share, 52);  // floor(100 * 95 / 181)
  EXPECT_EQ(liquidations[1].equity_share, 48);  // The last takes the remainder.
  EXPECT_EQ(liquidations[0].bankruptcy_quote, 9'448);
  EXPECT_EQ(liquidations[1].bankruptcy_quote, 8'552);
  EXPECT_EQ(Wallet(AccountId{5}), 0);
}

TEST_F(LiquidationTest, LowestEquityOverMaintenanceIsLiquidatedFirst) {
  Open(AccountId{5}, Money{600});
  Open(AccountId{6}, Money{550});
  Trade(AccountId{5}, AccountId{3}, Quantity{5}, Price{1'000});
  Trade(AccountId{6}, AccountId{3}, Quantity{5}, Price{1'000});
  // At 880: account 1 equity -200 / MM 88, account 6 -50 / 44, account 5 0 / 44.
  Mark(Price{880});
  const std::vector<Liquidation> liquidations = All<Liquidation>();
  ASSERT_EQ(liquidations.size(), 3u);
  EXPECT_EQ(liquidations[0].account, engine::AccountId{1});
  EXPECT_EQ(liquidations[1].account,
            engine::AccountId{6});  // Lower ratio than account 5 despite the higher id.
  EXPECT_EQ(liquidations[2].account, engine::AccountId{5});
}

}  // namespace
}  // namespace engine::testing
