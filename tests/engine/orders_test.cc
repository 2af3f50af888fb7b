// Order entry and matching as rules 1, 2 and 9 state them: fees, cost basis and realized PnL,
// flips, the IM check with open orders, withdrawals, each time in force, post-only,
// reduce-only, the self-trade rule and price-time priority. Each test is one rulebook sentence.

#include "engine_test_util.h"

namespace engine::testing {
namespace {

class OrdersTest : public EngineTest {
 protected:
  void SetUp() override {
    MarketSpec spec = PlainSpec();  // MMR 1%, 10x.
    spec.maker_fee_e8 = 20'000;     // 0.02%
    spec.taker_fee_e8 = 50'000;     // 0.05%
    List(spec);
    Mark(1'000);
    Open(1, 1'000'000);
    Open(2, 1'000'000);
    Open(3, 1'000'000);
  }
};

TEST_F(OrdersTest, MarketWithoutMarkRefusesOrders) {
  List(PlainSpec(2));
  Order(1, 1, Side::kBuy, 1'000, 1, TimeInForce::kGtc, 2);
  EXPECT_EQ(LastRejection(), Rejection::kNoMarkPrice);
}

TEST_F(OrdersTest, FeesAreCeilOfNotionalTimesRateToTheFeeAccount) {
  Order(2, 1, Side::kSell, 1'001, 7);
  Order(1, 1, Side::kBuy, 1'001, 7, TimeInForce::kIoc);
  const Fill fill = Single<Fill>();
  EXPECT_EQ(fill.maker_fee, 2);  // ceil(7,007 * 0.0002) = ceil(1.4014)
  EXPECT_EQ(fill.taker_fee, 4);  // ceil(7,007 * 0.0005) = ceil(3.5035)
  EXPECT_EQ(engine_.FeeAccount(kUsdt), 6);
  EXPECT_EQ(Wallet(1), 1'000'000 - 4);
  EXPECT_EQ(Wallet(2), 1'000'000 - 2);
}

TEST_F(OrdersTest, CostBasisIsExactAndReducingMovesCeilShare) {
  Trade(1, 2, 3, 1'000);
  Trade(1, 2, 0 + 1, 1'001);
  EXPECT_EQ(Q(1), 4);
  EXPECT_EQ(C(1), 4'001);
  const Money before = Wallet(1);
  Trade(3, 1, 1, 1'100);  // Account 1 sells 1 of 4: C_r = ceil(4,001/4) = 1,001.
  EXPECT_EQ(C(1), 3'000);
  EXPECT_EQ(Wallet(1) - before, 1'100 - 1'001 - 1);  // Realized 99, maker fee 1.
}

TEST_F(OrdersTest, FlipClosesTheWholePositionThenOpensTheRest) {
  Trade(1, 2, 2, 1'000);  // Long 2, C 2,000.
  const Money before = Wallet(1);
  Trade(3, 1, 5, 1'010);  // Sells 5: close 2 (+20), open short 3 at 1,010.
  EXPECT_EQ(Q(1), -3);
  EXPECT_EQ(C(1), -3'030);
  EXPECT_EQ(Wallet(1) - before, 20 - 2);  // Maker fee ceil(5,050 * 0.0002) = 2.
}

TEST_F(OrdersTest, InitialMarginCountsOpenOrdersOnTheWorstSide) {
  Open(4, 1'000);                   // Equity 1,000 covers notional 10,000 at 10x.
  Order(4, 1, Side::kBuy, 990, 6);  // Valued at the mark 1,000: IM 600.
  EXPECT_EQ(LastRejection(), Rejection::kNone);
  Order(4, 2, Side::kSell, 1'000, 6);  // Worst case stays max(|6|, |-6|) = 6.
  EXPECT_EQ(LastRejection(), Rejection::kNone);
  Order(4, 3, Side::kBuy, 990, 5);  // Worst case 11 lots: IM 1,100 > 1,000.
  EXPECT_EQ(LastRejection(), Rejection::kInsufficientMargin);
  Order(4, 4, Side::kBuy, 990, 4);  // Exactly 1,000.
  EXPECT_EQ(LastRejection(), Rejection::kNone);
}

TEST_F(OrdersTest, OpenOrdersAreValuedAtTheHigherOfMarkAndLimit) {
  Open(4, 1'000);
  Order(4, 1, Side::kSell, 2'000, 5);  // 5 * 2,000 / 10 = 1,000.
  EXPECT_EQ(LastRejection(), Rejection::kNone);
  Order(4, 2, Side::kBuy, 999, 1);  // Valued at 2,000: max(1, 5) lots -> still 1,000.
  EXPECT_EQ(LastRejection(), Rejection::kNone);
  Order(4, 3, Side::kSell, 1'500, 1);  // 6 lots at 2,000 -> 1,200.
  EXPECT_EQ(LastRejection(), Rejection::kInsufficientMargin);
}

TEST_F(OrdersTest, WithdrawalMustLeaveEquityAtLeastInitialMargin) {
  Trade(1, 2, 100, 1'000);  // Account 1: IM 10,000 (taker fee 50).
  Do(Withdraw{1, kUsdt, 1'000'000 - 50 - 10'000 + 1});
  EXPECT_EQ(LastRejection(), Rejection::kInsufficientMargin);
  Do(Withdraw{1, kUsdt, 1'000'000 - 50 - 10'000});
  EXPECT_EQ(LastRejection(), Rejection::kNone);
  EXPECT_EQ(Wallet(1), 10'000);
}

TEST_F(OrdersTest, WithdrawalCannotTakeMoreThanTheWalletBalance) {
  Trade(1, 2, 1, 1'000);
  Mark(2'000);  // Unrealized +1,000 is not withdrawable cash.
  Do(Withdraw{1, kUsdt, Wallet(1) + 1});
  EXPECT_EQ(LastRejection(), Rejection::kInsufficientBalance);
}

TEST_F(OrdersTest, IocRemainderIsCancelled) {
  Order(2, 1, Side::kSell, 1'000, 3);
  Order(1, 1, Side::kBuy, 1'000, 5, TimeInForce::kIoc);
  EXPECT_EQ(Single<OrderAccepted>().resting_quantity, 0);
  EXPECT_EQ(Single<Fill>().quantity, 3);
  const OrderCancelled cancelled = Single<OrderCancelled>();
  EXPECT_EQ(cancelled.reason, CancelReason::kIocRemainder);
  EXPECT_EQ(cancelled.remaining_quantity, 2);
}

TEST_F(OrdersTest, FokThatCannotFillCompletelyDoesNothing) {
  Order(2, 1, Side::kSell, 1'000, 3);
  Order(1, 1, Side::kBuy, 1'000, 4, TimeInForce::kFok);
  EXPECT_TRUE(All<Fill>().empty());
  EXPECT_EQ(Single<OrderCancelled>().reason, CancelReason::kFokUnfilled);
  Order(1, 2, Side::kBuy, 1'000, 3, TimeInForce::kFok);
  EXPECT_EQ(Single<Fill>().quantity, 3);
}

TEST_F(OrdersTest, GtcRemainderRests) {
  Order(2, 1, Side::kSell, 1'000, 3);
  Order(1, 1, Side::kBuy, 1'000, 5);
  EXPECT_EQ(Single<OrderAccepted>().resting_quantity, 2);
  ASSERT_EQ(engine_.OpenOrders(1).size(), 1u);
  EXPECT_EQ(engine_.OpenOrders(1)[0].remaining, 2);
}

TEST_F(OrdersTest, PostOnlyThatWouldCrossIsRejectedElseRests) {
  Order(2, 1, Side::kSell, 1'000, 3);
  Order(1, 1, Side::kBuy, 1'000, 1, TimeInForce::kPostOnly);
  EXPECT_EQ(LastRejection(), Rejection::kPostOnlyWouldCross);
  Order(1, 2, Side::kBuy, 999, 1, TimeInForce::kPostOnly);
  EXPECT_EQ(Single<OrderAccepted>().resting_quantity, 1);
}

TEST_F(OrdersTest, ReduceOnlyMustReduceAnExistingPosition) {
  Order(1, 1, Side::kSell, 1'000, 1, TimeInForce::kIoc, kMarket, true);
  EXPECT_EQ(LastRejection(), Rejection::kReduceOnlyWouldIncrease);
  Trade(1, 2, 2, 1'000);
  Order(1, 2, Side::kSell, 1'000, 3, TimeInForce::kGtc, kMarket, true);
  EXPECT_EQ(LastRejection(), Rejection::kReduceOnlyWouldIncrease);
  Order(1, 3, Side::kSell, 1'000, 2, TimeInForce::kGtc, kMarket, true);
  EXPECT_EQ(LastRejection(), Rejection::kNone);
}

TEST_F(OrdersTest, RestingReduceOnlyIsCancelledOnceThePositionIsGone) {
  Trade(1, 2, 2, 1'000);
  Order(1, 1, Side::kSell, 1'005, 2, TimeInForce::kGtc, kMarket, true);
  Order(1, 2, Side::kSell, 1'001, 2);  // A plain sell closes the long first.
  Order(3, 1, Side::kBuy, 1'001, 2, TimeInForce::kIoc);
  EXPECT_EQ(Q(1), 0);
  Order(3, 2, Side::kBuy, 1'005, 1, TimeInForce::kIoc);
  EXPECT_TRUE(All<Fill>().empty());
  ASSERT_EQ(All<OrderCancelled>().size(), 2u);
  EXPECT_EQ(All<OrderCancelled>()[0].reason, CancelReason::kReduceOnly);
  EXPECT_EQ(All<OrderCancelled>()[1].reason, CancelReason::kIocRemainder);
}

TEST_F(OrdersTest, SelfTradeCancelsTheRestingOrderAndContinues) {
  Order(1, 1, Side::kSell, 1'000, 2);
  Order(2, 1, Side::kSell, 1'001, 2);
  Order(1, 2, Side::kBuy, 1'001, 2, TimeInForce::kIoc);
  const OrderCancelled cancelled = Single<OrderCancelled>();
  EXPECT_EQ(cancelled.order_id, 1u);
  EXPECT_EQ(cancelled.reason, CancelReason::kSelfTrade);
  EXPECT_EQ(Single<Fill>().maker_account, 2u);
}

TEST_F(OrdersTest, PriceThenTimePriority) {
  Order(2, 1, Side::kSell, 1'001, 1);
  Order(3, 1, Side::kSell, 1'000, 1);
  Order(2, 2, Side::kSell, 1'000, 1);
  MarketOrder(1, 1, Side::kBuy, 3);
  const std::vector<Fill> fills = All<Fill>();
  ASSERT_EQ(fills.size(), 3u);
  EXPECT_EQ(fills[0].maker_account, 3u);
  EXPECT_EQ(fills[1].maker_account, 2u);
  EXPECT_EQ(fills[1].price, 1'000);
  EXPECT_EQ(fills[2].price, 1'001);
}

TEST_F(OrdersTest, MarketOrdersMustBeImmediate) {
  MarketOrder(1, 1, Side::kBuy, 1, TimeInForce::kGtc);
  EXPECT_EQ(LastRejection(), Rejection::kInvalidTimeInForce);
}

TEST_F(OrdersTest, ValidationRejectionsHaveStableCodes) {
  Order(1, 1, Side::kBuy, 0, 1);
  EXPECT_EQ(static_cast<int>(LastRejection()), 104);
  Order(1, 1, Side::kBuy, 1'000, 0);
  EXPECT_EQ(static_cast<int>(LastRejection()), 103);
  Order(9, 1, Side::kBuy, 1'000, 1);
  EXPECT_EQ(static_cast<int>(LastRejection()), 101);
  Order(1, 1, Side::kBuy, 900, 1);
  Order(1, 1, Side::kBuy, 900, 1);
  EXPECT_EQ(static_cast<int>(LastRejection()), 106);
  Do(CancelOrder{1, 77});
  EXPECT_EQ(static_cast<int>(LastRejection()), 107);
  Do(CancelOrder{1, 1});
  EXPECT_EQ(Single<OrderCancelled>().reason, CancelReason::kUser);
}

TEST_F(OrdersTest, DepositsAndAccountsAreValidated) {
  Do(Deposit{42, kUsdt, 5});
  EXPECT_EQ(LastRejection(), Rejection::kUnknownAccount);
  Do(Deposit{1, kUsdt, 0});
  EXPECT_EQ(LastRejection(), Rejection::kInvalidAmount);
  Do(OpenAccount{1});
  EXPECT_EQ(LastRejection(), Rejection::kAccountExists);
  Do(OpenAccount{0});
  EXPECT_EQ(LastRejection(), Rejection::kReservedAccount);
  Do(Deposit{1, kUsdt, kMaxMoney});
  EXPECT_EQ(LastRejection(), Rejection::kAmountOverflow);
  Do(ListMarket{PlainSpec()});
  EXPECT_EQ(LastRejection(), Rejection::kMarketExists);
}

}  // namespace
}  // namespace engine::testing
