// The book part of the invariant check (Core::FindBookViolation) finds each kind of damage it
// names. No input can make these states, so the test plants them in a live Core's internals:
// a check that found nothing would pass every other test.

#include "engine/internal/core.h"
#include "engine_test_util.h"

namespace engine::internal {

class CoreTestPeer {
 public:
  static std::vector<Order>& orders(Core& core) { return core.orders_; }
  static Account& account(Core& core, AccountId id) { return core.accounts_.at(id); }
  static Book& book(Core& core, MarketId id) { return core.markets_.at(id).book; }
};

namespace {

using testing::kMarket;
using testing::kUsdt;

constexpr AccountId kBuyer{1};
constexpr AccountId kSeller{2};

// Two accounts with three resting orders each: bids at 9,900 (two) and 9,800 by account 1,
// asks at 10,100 (two) and 10,200 by account 2.
class BookViolationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Apply(ListMarket{testing::PlainSpec()});
    Apply(SetMark{kMarket, Price{10'000}, Price{10'000}});
    for (const AccountId account : {kBuyer, kSeller}) {
      Apply(OpenAccount{account});
      Apply(Deposit{account, kUsdt, Money{10'000'000}});
    }
    uint64_t next_id = 1;
    for (const int64_t price : {9'900, 9'900, 9'800})
      Rest(kBuyer, Side::kBuy, Price{price}, next_id++);
    for (const int64_t price : {10'100, 10'100, 10'200})
      Rest(kSeller, Side::kSell, Price{price}, next_id++);
    ASSERT_EQ(core_.FindBookViolation(), "");
  }

  void Apply(const Input& input) { core_.Apply(input, ++time_, &effects_); }
  void Rest(AccountId account, Side side, Price price, uint64_t id) {
    Apply(PlaceOrder{account, kMarket, OrderId{id}, side, OrderType::kLimit, TimeInForce::kGtc,
                     false, price, Quantity{3}});
  }
  // The arena index of an account's order.
  uint32_t IndexOf(AccountId account, uint64_t id) {
    return CoreTestPeer::account(core_, account).orders.at(OrderId{id});
  }
  Order& OrderOf(AccountId account, uint64_t id) {
    return CoreTestPeer::orders(core_)[IndexOf(account, id)];
  }

  Core core_{EngineOptions{}};
  std::vector<Effect> effects_;
  TimeNs time_ = 0;
};

TEST_F(BookViolationTest, ARemainingQuantityThatDisagreesWithItsLevelTotal) {
  OrderOf(kBuyer, 1).remaining += Quantity{1};
  EXPECT_EQ(core_.FindBookViolation(), "level totals");
}

TEST_F(BookViolationTest, AnOrderListedTwiceInALevelIsCaughtNotLoopedOver) {
  Order& first = OrderOf(kBuyer, 1);
  first.next = IndexOf(kBuyer, 1);  // A level whose list runs back into itself.
  EXPECT_EQ(core_.FindBookViolation(), "book order inconsistent");
}

TEST_F(BookViolationTest, AnOrderOnTheWrongSideOrAtTheWrongPrice) {
  OrderOf(kSeller, 6).price = Price{10'300};
  EXPECT_EQ(core_.FindBookViolation(), "book order inconsistent");
  OrderOf(kSeller, 6).price = Price{10'200};
  OrderOf(kSeller, 6).side = Side::kBuy;
  EXPECT_EQ(core_.FindBookViolation(), "book order inconsistent");
}

TEST_F(BookViolationTest, ALevelWithAMiscountedOrderCount) {
  CoreTestPeer::book(core_, kMarket).asks.at(Price{10'100}).count += 1;
  EXPECT_EQ(core_.FindBookViolation(), "level totals");
}

TEST_F(BookViolationTest, AnIndexEntryMissingForABookOrder) {
  // Its open quantity taken off too, so that only the count can tell.
  Account& buyer = CoreTestPeer::account(core_, kBuyer);
  buyer.orders.erase(OrderId{3});
  buyer.positions.at(kMarket).open_buy -= Quantity{3};
  EXPECT_EQ(core_.FindBookViolation(), "order count");
}

TEST_F(BookViolationTest, AnIndexEntryNamingAnotherAccountsOrder) {
  CoreTestPeer::account(core_, kBuyer).orders.at(OrderId{1}) = IndexOf(kSeller, 4);
  EXPECT_EQ(core_.FindBookViolation(), "order index");
}

TEST_F(BookViolationTest, AnIndexEntryNamingAnOrderNoBookHolds) {
  Order& order = OrderOf(kBuyer, 3);  // Alone at 9,800: unlink its level.
  CoreTestPeer::book(core_, kMarket).bids.erase(order.price);
  EXPECT_EQ(core_.FindBookViolation(), "order index");
}

TEST_F(BookViolationTest, OpenQuantitiesThatDisagreeWithTheOrders) {
  CoreTestPeer::account(core_, kSeller).positions.at(kMarket).open_sell -= Quantity{1};
  EXPECT_EQ(core_.FindBookViolation(), "open quantities");
}

TEST_F(BookViolationTest, ACrossedBook) {
  const uint32_t index = IndexOf(kSeller, 6);  // Alone at 10,200: move its level to 9,700.
  Book& book = CoreTestPeer::book(core_, kMarket);
  book.asks.emplace(Price{9'700}, book.asks.at(Price{10'200}));
  book.asks.erase(Price{10'200});
  CoreTestPeer::orders(core_)[index].price = Price{9'700};
  EXPECT_EQ(core_.FindBookViolation(), "crossed book in market 1");
}

}  // namespace
}  // namespace engine::internal
