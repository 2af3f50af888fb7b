// Rule 8: funding at the latest mark; payers round up, receivers round down, the residue goes
// to the insurance fund; funding may push a wallet below zero and then triggers rule 4.

#include "engine_test_util.h"

namespace engine::testing {
namespace {

class FundingTest : public EngineTest {
 protected:
  void SetUp() override {
    List(PlainSpec());
    Mark(1'000'000);
    Open(1, 1'000'000);
    Open(2, 1'000'000);
    Open(3, 1'000'000);
    Trade(1, 2, 2, 1'000'000);
    Trade(1, 3, 1, 1'000'000);
    Mark(1'000'003);
  }
  Money PaymentOf(AccountId account) const {
    for (const FundingPayment& payment : All<FundingPayment>()) {
      if (payment.account == account) return payment.amount;
    }
    return 0;
  }
};

TEST_F(FundingTest, LongsPayShortsWhenTheRateIsPositiveWithResidueToTheFund) {
  Do(FundingTick{kMarket, 33'333});  // 0.033333% of 3,000,009 = 999.993
  EXPECT_EQ(PaymentOf(1), -1'000);   // Payer rounds up.
  EXPECT_EQ(PaymentOf(2), 666);      // Receivers round down.
  EXPECT_EQ(PaymentOf(3), 333);
  const InsuranceFundCredit credit = Single<InsuranceFundCredit>();
  EXPECT_EQ(credit.reason, CreditReason::kFundingResidue);
  EXPECT_EQ(credit.amount, 1);
  EXPECT_EQ(engine_.InsuranceFund(kUsdt), 1);
}

TEST_F(FundingTest, ShortsPayLongsWhenTheRateIsNegative) {
  Do(FundingTick{kMarket, -33'333});
  EXPECT_EQ(PaymentOf(1), 999);
  EXPECT_EQ(PaymentOf(2), -667);
  EXPECT_EQ(PaymentOf(3), -334);
  EXPECT_EQ(engine_.InsuranceFund(kUsdt), 2);
}

TEST_F(FundingTest, FundingCanTriggerLiquidation) {
  Do(Withdraw{1, kUsdt, 600'000});  // Equity 400,009 vs IM 300,001.
  EXPECT_EQ(LastRejection(), Rejection::kNone);
  Do(FundingTick{kMarket, 13'000'000});  // 13%: pays 390,002; equity 10,007 < MM 30,001.
  EXPECT_EQ(Single<Liquidation>().account, 1u);
}

TEST_F(FundingTest, UnknownMarketAndBadRatesAreRefused) {
  Do(FundingTick{7, 1});
  EXPECT_EQ(LastRejection(), Rejection::kUnknownMarket);
  Do(FundingTick{kMarket, kRateScale + 1});
  EXPECT_EQ(LastRejection(), Rejection::kInvalidRate);
}

}  // namespace
}  // namespace engine::testing
