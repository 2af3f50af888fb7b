// Order entry and matching as rules 1, 2 and 9 state them: fees, cost basis and realized PnL,
// flips, the IM check with open orders, withdrawals, each time in force, post-only,
// reduce-only, the self-trade rule and price-time priority. Each test is one rulebook sentence.

#include <ostream>
#include <vector>

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
    Mark(Price{1'000});
    Open(AccountId{1}, Money{1'000'000});
    Open(AccountId{2}, Money{1'000'000});
    Open(AccountId{3}, Money{1'000'000});
  }
};

// Rule 9's fees as a table: account 2 rests a sell of `quantity` at `price`, account 1 takes it;
// each side pays ceil(|q| * p * rate) (maker 0.02%, taker 0.05%) to the fee account.
struct FeeRow {
  int64_t price;
  int64_t quantity;
  int64_t maker_fee;
  int64_t taker_fee;
  const char* why;
};

void PrintTo(const FeeRow& row, std::ostream* out) { *out << row.why; }

class FeeTableTest : public OrdersTest, public ::testing::WithParamInterface<FeeRow> {};

TEST_P(FeeTableTest, EachSidePaysTheCeilingOfNotionalTimesItsRate) {
  const FeeRow row = GetParam();
  Order(AccountId{2}, OrderId{1}, Side::kSell, Price{row.price}, Quantity{row.quantity});
  Order(AccountId{1}, OrderId{1}, Side::kBuy, Price{row.price}, Quantity{row.quantity},
        TimeInForce::kIoc);
  const Fill fill = Single<Fill>();
  EXPECT_EQ(fill.maker_fee, row.maker_fee);
  EXPECT_EQ(fill.taker_fee, row.taker_fee);
  EXPECT_EQ(engine_.FeeAccount(kUsdt), row.maker_fee + row.taker_fee);
  EXPECT_EQ(Wallet(AccountId{1}), 1'000'000 - row.taker_fee);
  EXPECT_EQ(Wallet(AccountId{2}), 1'000'000 - row.maker_fee);
}

// clang-format off
const FeeRow kFeeRows[] = {
    // price  lots  maker  taker  why
    {1'001,    7,    2,     4,   "7,007: ceil(1.4014) and ceil(3.5035)"},
    {1'000,   10,    2,     5,   "10,000: exactly 2 and 5"},
    {1'000,    1,    1,     1,   "1,000: ceil(0.2) and ceil(0.5): never free"},
    {1'000,   50,   10,    25,   "50,000: exactly 10 and 25"},
    {  999,   51,   11,    26,   "50,949: ceil(10.1898) and ceil(25.4745)"},
};
// clang-format on
INSTANTIATE_TEST_SUITE_P(Rule9, FeeTableTest, ::testing::ValuesIn(kFeeRows));

TEST_F(OrdersTest, CostBasisIsExactAndReducingMovesCeilShare) {
  Trade(AccountId{1}, AccountId{2}, Quantity{3}, Price{1'000});
  Trade(AccountId{1}, AccountId{2}, Quantity{0 + 1}, Price{1'001});
  EXPECT_EQ(Q(AccountId{1}), 4);
  EXPECT_EQ(C(AccountId{1}), 4'001);
  const Money before = Wallet(AccountId{1});
  Trade(AccountId{3}, AccountId{1}, Quantity{1},
        Price{1'100});  // Account 1 sells 1 of 4: C_r = ceil(4,001/4) = 1,001.
  EXPECT_EQ(C(AccountId{1}), 3'000);
  EXPECT_EQ(Wallet(AccountId{1}) - before, 1'100 - 1'001 - 1);  // Realized 99, maker fee 1.
}

TEST_F(OrdersTest, FlipClosesTheWholePositionThenOpensTheRest) {
  Trade(AccountId{1}, AccountId{2}, Quantity{2}, Price{1'000});  // Long 2, C 2,000.
  const Money before = Wallet(AccountId{1});
  Trade(AccountId{3}, AccountId{1}, Quantity{5},
        Price{1'010});  // Sells 5: close 2 (+20), open short 3 at 1,010.
  EXPECT_EQ(Q(AccountId{1}), -3);
  EXPECT_EQ(C(AccountId{1}), -3'030);
  EXPECT_EQ(Wallet(AccountId{1}) - before, 20 - 2);  // Maker fee ceil(5,050 * 0.0002) = 2.
}

TEST_F(OrdersTest, InitialMarginCountsOpenOrdersOnTheWorstSide) {
  Open(AccountId{4}, Money{1'000});  // Equity 1,000 covers notional 10,000 at 10x.
  Order(AccountId{4}, OrderId{1}, Side::kBuy, Price{990},
        Quantity{6});  // Valued at the mark 1,000: IM 600.
  EXPECT_EQ(LastRejection(), Rejection::kNone);
  Order(AccountId{4}, OrderId{2}, Side::kSell, Price{1'000},
        Quantity{6});  // Worst case stays max(|6|, |-6|) = 6.
  EXPECT_EQ(LastRejection(), Rejection::kNone);
  Order(AccountId{4}, OrderId{3}, Side::kBuy, Price{990},
        Quantity{5});  // Worst case 11 lots: IM 1,100 > 1,000.
  EXPECT_EQ(LastRejection(), Rejection::kInsufficientMargin);
  Order(AccountId{4}, OrderId{4}, Side::kBuy, Price{990}, Quantity{4});  // Exactly 1,000.
  EXPECT_EQ(LastRejection(), Rejection::kNone);
}

TEST_F(OrdersTest, OpenOrdersAreValuedAtTheHigherOfMarkAndLimit) {
  Open(AccountId{4}, Money{1'000});
  Order(AccountId{4}, OrderId{1}, Side::kSell, Price{2'000},
        Quantity{5});  // 5 * 2,000 / 10 = 1,000.
  EXPECT_EQ(LastRejection(), Rejection::kNone);
  Order(AccountId{4}, OrderId{2}, Side::kBuy, Price{999},
        Quantity{1});  // Valued at 2,000: max(1, 5) lots -> still 1,000.
  EXPECT_EQ(LastRejection(), Rejection::kNone);
  Order(AccountId{4}, OrderId{3}, Side::kSell, Price{1'500},
        Quantity{1});  // 6 lots at 2,000 -> 1,200.
  EXPECT_EQ(LastRejection(), Rejection::kInsufficientMargin);
}

TEST_F(OrdersTest, WithdrawalMustLeaveEquityAtLeastInitialMargin) {
  Trade(AccountId{1}, AccountId{2}, Quantity{100},
        Price{1'000});  // Account 1: IM 10,000 (taker fee 50).
  Do(Withdraw{AccountId{1}, kUsdt, Money{1'000'000 - 50 - 10'000 + 1}});
  EXPECT_EQ(LastRejection(), Rejection::kInsufficientMargin);
  Do(Withdraw{AccountId{1}, kUsdt, Money{1'000'000 - 50 - 10'000}});
  EXPECT_EQ(LastRejection(), Rejection::kNone);
  EXPECT_EQ(Wallet(AccountId{1}), 10'000);
}

TEST_F(OrdersTest, WithdrawalCannotTakeMoreThanTheWalletBalance) {
  Trade(AccountId{1}, AccountId{2}, Quantity{1}, Price{1'000});
  Mark(Price{2'000});  // Unrealized +1,000 is not withdrawable cash.
  Do(Withdraw{AccountId{1}, kUsdt, Wallet(AccountId{1}) + Money{1}});
  EXPECT_EQ(LastRejection(), Rejection::kInsufficientBalance);
}

TEST_F(OrdersTest, IocRemainderIsCancelled) {
  Order(AccountId{2}, OrderId{1}, Side::kSell, Price{1'000}, Quantity{3});
  Order(AccountId{1}, OrderId{1}, Side::kBuy, Price{1'000}, Quantity{5}, TimeInForce::kIoc);
  EXPECT_EQ(Single<OrderAccepted>().resting_quantity, 0);
  EXPECT_EQ(Single<Fill>().quantity, 3);
  const OrderCancelled cancelled = Single<OrderCancelled>();
  EXPECT_EQ(cancelled.reason, CancelReason::kIocRemainder);
  EXPECT_EQ(cancelled.remaining_quantity, 2);
}

TEST_F(OrdersTest, FokThatCannotFillCompletelyDoesNothing) {
  Order(AccountId{2}, OrderId{1}, Side::kSell, Price{1'000}, Quantity{3});
  Order(AccountId{1}, OrderId{1}, Side::kBuy, Price{1'000}, Quantity{4}, TimeInForce::kFok);
  EXPECT_TRUE(All<Fill>().empty());
  EXPECT_EQ(Single<OrderCancelled>().reason, CancelReason::kFokUnfilled);
  Order(AccountId{1}, OrderId{2}, Side::kBuy, Price{1'000}, Quantity{3}, TimeInForce::kFok);
  EXPECT_EQ(Single<Fill>().quantity, 3);
}

TEST_F(OrdersTest, GtcRemainderRests) {
  Order(AccountId{2}, OrderId{1}, Side::kSell, Price{1'000}, Quantity{3});
  Order(AccountId{1}, OrderId{1}, Side::kBuy, Price{1'000}, Quantity{5});
  EXPECT_EQ(Single<OrderAccepted>().resting_quantity, 2);
  ASSERT_EQ(engine_.OpenOrders(AccountId{1}).size(), 1u);
  EXPECT_EQ(engine_.OpenOrders(AccountId{1})[0].remaining, 2);
}

TEST_F(OrdersTest, PostOnlyThatWouldCrossIsRejectedElseRests) {
  Order(AccountId{2}, OrderId{1}, Side::kSell, Price{1'000}, Quantity{3});
  Order(AccountId{1}, OrderId{1}, Side::kBuy, Price{1'000}, Quantity{1}, TimeInForce::kPostOnly);
  EXPECT_EQ(LastRejection(), Rejection::kPostOnlyWouldCross);
  Order(AccountId{1}, OrderId{2}, Side::kBuy, Price{999}, Quantity{1}, TimeInForce::kPostOnly);
  EXPECT_EQ(Single<OrderAccepted>().resting_quantity, 1);
}

TEST_F(OrdersTest, ReduceOnlyMustReduceAnExistingPosition) {
  Order(AccountId{1}, OrderId{1}, Side::kSell, Price{1'000}, Quantity{1}, TimeInForce::kIoc,
        kMarket, true);
  EXPECT_EQ(LastRejection(), Rejection::kReduceOnlyWouldIncrease);
  Trade(AccountId{1}, AccountId{2}, Quantity{2}, Price{1'000});
  Order(AccountId{1}, OrderId{2}, Side::kSell, Price{1'000}, Quantity{3}, TimeInForce::kGtc,
        kMarket, true);
  EXPECT_EQ(LastRejection(), Rejection::kReduceOnlyWouldIncrease);
  Order(AccountId{1}, OrderId{3}, Side::kSell, Price{1'000}, Quantity{2}, TimeInForce::kGtc,
        kMarket, true);
  EXPECT_EQ(LastRejection(), Rejection::kNone);
}

TEST_F(OrdersTest, RestingReduceOnlyIsCancelledOnceThePositionIsGone) {
  Trade(AccountId{1}, AccountId{2}, Quantity{2}, Price{1'000});
  Order(AccountId{1}, OrderId{1}, Side::kSell, Price{1'005}, Quantity{2}, TimeInForce::kGtc,
        kMarket, true);
  Order(AccountId{1}, OrderId{2}, Side::kSell, Price{1'001},
        Quantity{2});  // A plain sell closes the long first.
  Order(AccountId{3}, OrderId{1}, Side::kBuy, Price{1'001}, Quantity{2}, TimeInForce::kIoc);
  EXPECT_EQ(Q(AccountId{1}), 0);
  Order(AccountId{3}, OrderId{2}, Side::kBuy, Price{1'005}, Quantity{1}, TimeInForce::kIoc);
  EXPECT_TRUE(All<Fill>().empty());
  ASSERT_EQ(All<OrderCancelled>().size(), 2u);
  EXPECT_EQ(All<OrderCancelled>()[0].reason, CancelReason::kReduceOnly);
  EXPECT_EQ(All<OrderCancelled>()[1].reason, CancelReason::kIocRemainder);
}

TEST_F(OrdersTest, SelfTradeCancelsTheRestingOrderAndContinues) {
  Order(AccountId{1}, OrderId{1}, Side::kSell, Price{1'000}, Quantity{2});
  Order(AccountId{2}, OrderId{1}, Side::kSell, Price{1'001}, Quantity{2});
  Order(AccountId{1}, OrderId{2}, Side::kBuy, Price{1'001}, Quantity{2}, TimeInForce::kIoc);
  const OrderCancelled cancelled = Single<OrderCancelled>();
  EXPECT_EQ(cancelled.order_id, engine::OrderId{1});
  EXPECT_EQ(cancelled.reason, CancelReason::kSelfTrade);
  EXPECT_EQ(Single<Fill>().maker_account, engine::AccountId{2});
}

TEST_F(OrdersTest, PriceThenTimePriority) {
  Order(AccountId{2}, OrderId{1}, Side::kSell, Price{1'001}, Quantity{1});
  Order(AccountId{3}, OrderId{1}, Side::kSell, Price{1'000}, Quantity{1});
  Order(AccountId{2}, OrderId{2}, Side::kSell, Price{1'000}, Quantity{1});
  MarketOrder(AccountId{1}, OrderId{1}, Side::kBuy, Quantity{3});
  const std::vector<Fill> fills = All<Fill>();
  ASSERT_EQ(fills.size(), 3u);
  EXPECT_EQ(fills[0].maker_account, engine::AccountId{3});
  EXPECT_EQ(fills[1].maker_account, engine::AccountId{2});
  EXPECT_EQ(fills[1].price, 1'000);
  EXPECT_EQ(fills[2].price, 1'001);
}

// Validation as a table (STYLE.md E4: codes are stable, never reused). Each row starts from
// OrdersTest's market (mark 1,000) and funded accounts 1-3, applies `given` (each accepted), then
// `input`, which the engine refuses with `code`: the number is written out, so a renumbered
// enumerator fails here.
struct RejectionRow {
  std::vector<Input> given;
  Input input;
  int code;
  const char* why;
};

void PrintTo(const RejectionRow& row, std::ostream* out) { *out << row.code << " " << row.why; }

class RejectionTableTest : public OrdersTest, public ::testing::WithParamInterface<RejectionRow> {};

TEST_P(RejectionTableTest, RefusedWithItsStableCode) {
  const RejectionRow row = GetParam();
  for (const Input& input : row.given) {
    Do(input);
    ASSERT_EQ(LastRejection(), Rejection::kNone);
  }
  Do(row.input);
  EXPECT_EQ(static_cast<int>(LastRejection()), row.code);
  EXPECT_EQ(last_.size(), 1u);  // The refusal is the only effect.
}

PlaceOrder Buy(AccountId account, OrderId order_id, Price price, Quantity quantity,
               MarketId market = kMarket) {
  return PlaceOrder{account,           market, order_id, Side::kBuy, OrderType::kLimit,
                    TimeInForce::kGtc, false,  price,    quantity};
}

// clang-format off
const RejectionRow kRejectionRows[] = {
    // given / input / code / why
    {{}, Buy(AccountId{9}, OrderId{1}, Price{1'000}, Quantity{1}),
         101, "order, account not opened"},
    {{}, Deposit{AccountId{42}, kUsdt, Money{5}}, 101, "deposit, account not opened"},
    {{}, Buy(AccountId{1}, OrderId{1}, Price{1'000}, Quantity{1}, MarketId{7}),
         102, "order, market not listed"},
    {{}, FundingTick{MarketId{7}, 1}, 102, "funding, market not listed"},
    {{}, Buy(AccountId{1}, OrderId{1}, Price{1'000}, Quantity{0}), 103, "quantity 0"},
    {{}, Buy(AccountId{1}, OrderId{1}, Price{0}, Quantity{1}), 104, "limit price 0"},
    {{}, PlaceOrder{AccountId{1}, kMarket, OrderId{1}, Side::kBuy, OrderType::kMarket,
                    TimeInForce::kGtc, false, Price{0}, Quantity{1}},
         105, "market order with GTC"},
    {{Buy(AccountId{1}, OrderId{1}, Price{900}, Quantity{1})},
         Buy(AccountId{1}, OrderId{1}, Price{900}, Quantity{1}),
         106, "order id already live"},
    {{}, CancelOrder{AccountId{1}, OrderId{77}}, 107, "cancel of no live order"},
    {{}, Deposit{AccountId{1}, kUsdt, Money{0}}, 108, "deposit of 0"},
    {{}, OpenAccount{AccountId{1}}, 109, "account opened twice"},
    {{}, OpenAccount{AccountId{0}}, 110, "account 0 is the venue's"},
    {{}, ListMarket{PlainSpec()}, 111, "market listed twice"},
    {{}, FundingTick{kMarket, kRateScale + 1}, 115, "rate above 100%"},
    {{}, Deposit{AccountId{1}, kUsdt, kMaxMoney}, 202, "balance would overflow"},
    {{ListMarket{PlainSpec(MarketId{2})}},
         Buy(AccountId{1}, OrderId{1}, Price{1'000}, Quantity{1}, MarketId{2}),
         301, "market without a mark"},
};
// clang-format on
INSTANTIATE_TEST_SUITE_P(Validation, RejectionTableTest, ::testing::ValuesIn(kRejectionRows));

TEST_F(OrdersTest, UserCancelOfALiveOrderSaysUser) {
  Order(AccountId{1}, OrderId{1}, Side::kBuy, Price{900}, Quantity{1});
  Do(CancelOrder{AccountId{1}, OrderId{1}});
  EXPECT_EQ(Single<OrderCancelled>().reason, CancelReason::kUser);
}

}  // namespace
}  // namespace engine::testing
