// Rule 2 (risk tiers, MM and IM) against RULEBOOK part 2's published numbers: the Binance
// bracket table's maintenance amounts and the Binance liquidation price example.

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

TEST(RiskTiersTest, MaintenanceMarginIsContinuousAcrossBrackets) {
  MarketSpec spec = PlainSpec();
  spec.tiers = BinanceBtcTiers();
  const std::vector<Int128> cum_e8 = MaintenanceAmountsE8(spec);
  // At 50,000 both brackets give 200: 50,000*0.4% = 50,000*0.5% - 50.
  EXPECT_EQ(MaintenanceMarginFor(spec, cum_e8, 49'999), 200);  // ceil(199.996)
  EXPECT_EQ(MaintenanceMarginFor(spec, cum_e8, 50'000), 200);
  EXPECT_EQ(MaintenanceMarginFor(spec, cum_e8, 100'000), 450);
  EXPECT_EQ(MaintenanceMarginFor(spec, cum_e8, 1'000'000), 8'700);  // 2.5% - 16,300
  EXPECT_EQ(InitialMarginFor(spec, 100'000), 1'000);                // 100x bracket
  EXPECT_EQ(InitialMarginFor(spec, 1'000'001), 50'001);             // ceil(N/20)
}

TEST(RiskTiersTest, MaintenanceMarginRoundsUpPerPosition) {
  const MarketSpec spec = PlainSpec(kMarket, 400'000, 100);  // 0.4%
  EXPECT_EQ(MaintenanceMarginFor(spec, MaintenanceAmountsE8(spec), 1), 1);
  EXPECT_EQ(MaintenanceMarginFor(spec, MaintenanceAmountsE8(spec), 250), 1);
  EXPECT_EQ(MaintenanceMarginFor(spec, MaintenanceAmountsE8(spec), 251), 2);
}

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
    Mark(2'000'000);
    Open(1, 100'000'000);        // 1,000 USDT.
    Open(2, 1'000'000'000'000);  // The deep-pocketed counterparty.
  }
  bool Liquidated(AccountId account) {
    for (const Liquidation& liquidation : All<Liquidation>()) {
      if (liquidation.account == account) return true;
    }
    return false;
  }
};

TEST_F(BinanceLiquidationPriceTest, LongIsLiquidatedFirstAtTheTickBelowTheExactLp) {
  Trade(1, 2, 500, 2'000'000);
  Mark(1'807'230);  // 18,072.30
  EXPECT_FALSE(Liquidated(1));
  Mark(1'807'229);  // 18,072.29: equity 36.14500 >= MM 36.14458 USDT.
  EXPECT_FALSE(Liquidated(1));
  Mark(1'807'228);  // 18,072.28
  EXPECT_TRUE(Liquidated(1));
  EXPECT_EQ(Wallet(1), 0);
  EXPECT_EQ(Q(1), 0);
}

TEST_F(BinanceLiquidationPriceTest, ShortIsLiquidatedFirstAtTheTickAboveTheExactLp) {
  Trade(2, 1, 500, 2'000'000);
  Mark(2'191'235);  // 21,912.35
  EXPECT_FALSE(Liquidated(1));
  Mark(2'191'236);  // 21,912.36
  EXPECT_TRUE(Liquidated(1));
  EXPECT_EQ(Wallet(1), 0);
}

TEST_F(BinanceLiquidationPriceTest, MarginViewReportsEquityAndRequirements) {
  Trade(1, 2, 500, 2'000'000);
  Mark(1'807'229);
  const MarginView view = engine_.Margin(1, kUsdt);
  EXPECT_EQ(view.wallet_balance, 100'000'000);
  EXPECT_EQ(view.equity, 3'614'500);              // 36.145 USDT
  EXPECT_EQ(view.maintenance_margin, 3'614'458);  // ceil(36.14458 USDT)
  EXPECT_EQ(view.initial_margin, 45'180'725);     // ceil(N / 20)
}

}  // namespace
}  // namespace engine::testing
