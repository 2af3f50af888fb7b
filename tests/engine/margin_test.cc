// Rule 2 (risk tiers, MM and IM) against RULEBOOK part 2's published numbers: the Binance
// bracket table's maintenance amounts and the Binance liquidation price example.

#include <ostream>
#include <string_view>

#include "engine/risk_math.h"
#include "engine_test_util.h"

namespace engine::testing {
namespace {

TEST(RiskTiersTest, MaintenanceAmountsMatchBinanceBracketTable) {
  MarketSpec spec = PlainSpec();
  spec.tiers = BinanceBtcTiers();  // Floors in whole USDT, so cum is in whole USDT.
  const std::vector<Int128> cum_e8 = MaintenanceAmountsE8(spec);
  const std::vector<int64_t> expected = {0,         50,        1'300,     16'300,     266'300,
                                         1'266'300, 2'516'300, 5'016'300, 25'016'300, 100'016'300};
  ASSERT_EQ(cum_e8.size(), expected.size());
  for (size_t t = 0; t < expected.size(); ++t) {
    EXPECT_EQ(cum_e8[t], Int128{expected[t]} * kRateScale) << "tier " << t;
  }
}

// Rule 2 as a table: a position of notional N in a market's tiers has maintenance margin
// ceil(N * mmr_t - cum_t) and initial margin ceil(N / max_leverage_t), t the tier of N.
struct MarginRow {
  const char* tiers;  // "binance" (BinanceBtcTiers, floors in whole USDT) or "0.4%" (one tier).
  int64_t notional;
  int64_t maintenance;
  int64_t initial;
  const char* why;
};

void PrintTo(const MarginRow& row, std::ostream* out) {
  *out << row.tiers << " N=" << row.notional << " (" << row.why << ")";
}

class RiskTierTableTest : public ::testing::TestWithParam<MarginRow> {};

TEST_P(RiskTierTableTest, MaintenanceAndInitialMarginOfOneNotional) {
  const MarginRow row = GetParam();
  MarketSpec spec = PlainSpec(kMarket, 400'000, 100);  // 0.4%, 100x.
  if (std::string_view(row.tiers) == "binance") spec.tiers = BinanceBtcTiers();
  EXPECT_EQ(MaintenanceMarginFor(spec, MaintenanceAmountsE8(spec), row.notional), row.maintenance);
  EXPECT_EQ(InitialMarginFor(spec, row.notional), row.initial);
}

// clang-format off
const MarginRow kMarginRows[] = {
    // tiers    notional      MM      IM  why
    {"binance",    49'999,    200,    400, "ceil(199.996); IM ceil(N/125)"},
    {"binance",    50'000,    200,    500, "both brackets give 200: 0.4% = 0.5% - 50"},
    {"binance",   100'000,    450,  1'000, "0.5% - 50; the 100x bracket"},
    {"binance", 1'000'000,  8'700, 50'000, "2.5% - 16,300; the 20x bracket"},
    {"binance", 1'000'001,  8'701, 50'001, "rounded up: ceil(8,700.025)"},
    {"0.4%",            1,      1,      1, "ceil(0.004) per position"},
    {"0.4%",          250,      1,      3, "exactly 1"},
    {"0.4%",          251,      2,      3, "ceil(1.004)"},
    {"0.4%",            0,      0,      0, "no position, no margin"},
};
// clang-format on
INSTANTIATE_TEST_SUITE_P(Rule2, RiskTierTableTest, ::testing::ValuesIn(kMarginRows));

// Binance LP example (RULEBOOK 2.1): WB 1,000 USDT, 0.5 BTC at 20,000, MMR 0.4%.
// Scales: 1 lot = 0.001 BTC, 1 quote unit = 1e-5 USDT, so a price per lot in units is the
// USDT/BTC price times 100 and the tick of 1 unit is 0.01 USDT/BTC.
// The exact LPs are 18,072.2892 (long) and 21,912.3506 (short). Binance prints them rounded to
// 18,072.29 and 21,912.35. We differ on purpose from reading those printed figures as triggers:
// rule 4 liquidates when equity < MM exactly, so the first liquidating cent is the first tick
// past the exact LP: 18,072.28 for the long (not 18,072.29) and 21,912.36 for the short (not
// 21,912.35).
class BinanceLiquidationPriceTest : public EngineTest {
 protected:
  void SetUp() override {
    MarketSpec spec = PlainSpec(kMarket, 400'000, 20);
    spec.lot_decimals = 3;
    spec.quote_decimals = 5;
    List(spec);
    Mark(Price{2'000'000});
    Open(AccountId{1}, Money{100'000'000});        // 1,000 USDT.
    Open(AccountId{2}, Money{1'000'000'000'000});  // The deep-pocketed counterparty.
  }
  bool Liquidated(AccountId account) {
    for (const Liquidation& liquidation : All<Liquidation>()) {
      if (liquidation.account == account) return true;
    }
    return false;
  }
};

// Rule 4 on the example as a table: account 1 opens 0.5 BTC (500 lots) at 20,000 on `side`,
// then the mark moves to `mark` (per lot, in 1e-5 USDT: 1,807,229 is 18,072.29 USDT/BTC).
struct TriggerRow {
  Side side;  // Account 1's side.
  Price mark;
  bool liquidated;
  const char* why;
};

void PrintTo(const TriggerRow& row, std::ostream* out) {
  *out << (row.side == Side::kBuy ? "long" : "short") << " at mark " << row.mark << " (" << row.why
       << ")";
}

class BinanceLiquidationTriggerTest : public BinanceLiquidationPriceTest,
                                      public ::testing::WithParamInterface<TriggerRow> {};

TEST_P(BinanceLiquidationTriggerTest, LiquidatedExactlyPastTheExactLiquidationPrice) {
  const TriggerRow row = GetParam();
  if (row.side == Side::kBuy) {
    Trade(AccountId{1}, AccountId{2}, Quantity{500}, Price{2'000'000});
  } else {
    Trade(AccountId{2}, AccountId{1}, Quantity{500}, Price{2'000'000});
  }
  Mark(row.mark);
  EXPECT_EQ(Liquidated(AccountId{1}), row.liquidated);
  if (row.liquidated) {
    EXPECT_EQ(Wallet(AccountId{1}), 0);
    EXPECT_EQ(Q(AccountId{1}), 0);
  }
}

// clang-format off
const TriggerRow kTriggerRows[] = {
    // side      mark per lot  liquidated  why
    {Side::kBuy,    Price{1'807'230}, false, "18,072.30"},
    {Side::kBuy,    Price{1'807'229}, false, "18,072.29: equity 36.14500 >= MM 36.14458 USDT"},
    {Side::kBuy,    Price{1'807'228}, true,  "18,072.28: the first tick below the exact LP"},
    {Side::kSell,   Price{2'191'235}, false, "21,912.35"},
    {Side::kSell,   Price{2'191'236}, true,  "21,912.36: the first tick above the exact LP"},
};
// clang-format on
INSTANTIATE_TEST_SUITE_P(Rule4, BinanceLiquidationTriggerTest, ::testing::ValuesIn(kTriggerRows));

TEST_F(BinanceLiquidationPriceTest, MarginViewReportsEquityAndRequirements) {
  Trade(AccountId{1}, AccountId{2}, Quantity{500}, Price{2'000'000});
  Mark(Price{1'807'229});
  const MarginView view = engine_.Margin(AccountId{1}, kUsdt);
  EXPECT_EQ(view.wallet_balance, 100'000'000);
  EXPECT_EQ(view.equity, 3'614'500);              // 36.145 USDT
  EXPECT_EQ(view.maintenance_margin, 3'614'458);  // ceil(36.14458 USDT)
  EXPECT_EQ(view.initial_margin, 45'180'725);     // ceil(N / 20)
}

}  // namespace
}  // namespace engine::testing
