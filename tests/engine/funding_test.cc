// Rule 8: funding at the latest mark; payers round up, receivers round down, the residue goes
// to the insurance fund; funding may push a wallet below zero and then triggers rule 4.

#include <ostream>

#include "engine_test_util.h"

namespace engine::testing {
namespace {

class FundingTest : public EngineTest {
 protected:
  void SetUp() override {
    List(PlainSpec());
    Mark(Price{1'000'000});
    Open(AccountId{1}, Money{1'000'000});
    Open(AccountId{2}, Money{1'000'000});
    Open(AccountId{3}, Money{1'000'000});
    Trade(AccountId{1}, AccountId{2}, Quantity{2}, Price{1'000'000});
    Trade(AccountId{1}, AccountId{3}, Quantity{1}, Price{1'000'000});
    Mark(Price{1'000'003});
  }
  Money PaymentOf(AccountId account) const {
    for (const FundingPayment& payment : All<FundingPayment>()) {
      if (payment.account == account) return payment.amount;
    }
    return Money{0};
  }
};

// Rule 8 as a table. Account 1 is long 3 lots, bought from accounts 2 (2 lots) and 3 (1 lot), at
// mark 1,000,003: notional 3,000,009. Each row is one funding tick at `rate_e8`: the payment of
// each account (negative: paid) and the residue the insurance fund is credited with.
struct FundingRow {
  RateE8 rate_e8;
  int64_t payment_1;  // The long.
  int64_t payment_2;  // Short 2 lots.
  int64_t payment_3;  // Short 1 lot.
  int64_t residue;    // Credited to the fund.
  const char* why;
};

void PrintTo(const FundingRow& row, std::ostream* out) {
  *out << "rate_e8 " << row.rate_e8 << " (" << row.why << ")";
}

class FundingTableTest : public FundingTest, public ::testing::WithParamInterface<FundingRow> {};

TEST_P(FundingTableTest, PayersRoundUpReceiversRoundDownTheResidueGoesToTheFund) {
  const FundingRow row = GetParam();
  Do(FundingTick{kMarket, row.rate_e8});
  EXPECT_EQ(PaymentOf(AccountId{1}), row.payment_1);
  EXPECT_EQ(PaymentOf(AccountId{2}), row.payment_2);
  EXPECT_EQ(PaymentOf(AccountId{3}), row.payment_3);
  EXPECT_EQ(PaymentOf(AccountId{1}) + PaymentOf(AccountId{2}) + PaymentOf(AccountId{3}) +
                Money{row.residue},
            0);
  EXPECT_EQ(engine_.InsuranceFund(kUsdt), row.residue);
  if (row.residue > 0) {
    const InsuranceFundCredit credit = Single<InsuranceFundCredit>();
    EXPECT_EQ(credit.reason, CreditReason::kFundingResidue);
    EXPECT_EQ(credit.amount, row.residue);
  } else {
    EXPECT_TRUE(All<InsuranceFundCredit>().empty());
  }
}

// clang-format off
const FundingRow kFundingRows[] = {
    // rate_e8  long    short 2  short 1  fund  why
    { 33'333,  -1'000,    666,     333,    1,  "0.033333% of 3,000,009 = 999.993: longs pay"},
    {-33'333,     999,   -667,    -334,    2,  "the same rate negative: shorts pay"},
    { 10'000,    -301,    200,     100,    1,  "0.01%: 300.0009 paid as 301"},
    {      0,       0,      0,       0,    0,  "a zero rate moves nothing"},
};
// clang-format on
INSTANTIATE_TEST_SUITE_P(Rule8, FundingTableTest, ::testing::ValuesIn(kFundingRows));

TEST_F(FundingTest, FundingCanTriggerLiquidation) {
  Do(Withdraw{AccountId{1}, kUsdt, Money{600'000}});  // Equity 400,009 vs IM 300,001.
  EXPECT_EQ(LastRejection(), Rejection::kNone);
  Do(FundingTick{kMarket, 13'000'000});  // 13%: pays 390,002; equity 10,007 < MM 30,001.
  EXPECT_EQ(Single<Liquidation>().account, engine::AccountId{1});
}

}  // namespace
}  // namespace engine::testing
