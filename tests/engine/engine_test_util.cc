// Helpers shared by the engine tests (see engine_test_util.h).

#include "engine_test_util.h"

namespace engine::testing {

uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (const char byte : bytes) {
    hash ^= static_cast<uint8_t>(byte);
    hash *= 1099511628211ull;
  }
  return hash;
}

MarketSpec PlainSpec(MarketId market, RateE8 mmr_e8, int64_t max_leverage) {
  MarketSpec spec;
  spec.market_id = market;
  const char* const kSymbols[] = {"M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7"};
  spec.symbol = kSymbols[market.value() % 8];
  spec.quote_asset = kUsdt;
  spec.tick_size = Price{1};
  spec.tiers = {RiskTier{Money{0}, mmr_e8, max_leverage}};
  spec.funding_interval_ns = 8ll * 3600 * 1'000'000'000;
  return spec;
}

std::vector<RiskTier> BinanceBtcTiers() {
  return {{Money{0}, 400'000, 125},
          {Money{50'000}, 500'000, 100},
          {Money{250'000}, 1'000'000, 50},
          {Money{1'000'000}, 2'500'000, 20},
          {Money{10'000'000}, 5'000'000, 10},
          {Money{20'000'000}, 10'000'000, 5},
          {Money{50'000'000}, 12'500'000, 4},
          {Money{100'000'000}, 15'000'000, 3},
          {Money{200'000'000}, 25'000'000, 2},
          {Money{300'000'000}, 50'000'000, 1}};
}

const std::vector<Effect>& EngineTest::Do(const Input& input) {
  last_.clear();
  engine_.Apply(input, ++time_ns_, &last_);
  return last_;
}

void EngineTest::List(const MarketSpec& spec) {
  Do(ListMarket{spec});
  ASSERT_EQ(LastRejection(), Rejection::kNone);
}

void EngineTest::Open(AccountId account, Money deposit, AssetId asset) {
  if (!engine_.HasAccount(account)) Do(OpenAccount{account});
  if (deposit > 0) Do(Deposit{account, asset, deposit});
  ASSERT_EQ(LastRejection(), Rejection::kNone);
}

void EngineTest::Mark(Price mark, MarketId market) { Do(SetMark{market, mark, mark}); }

void EngineTest::Order(AccountId account, OrderId order_id, Side side, Price price,
                       Quantity quantity, TimeInForce tif, MarketId market, bool reduce_only) {
  Do(PlaceOrder{account, market, order_id, side, OrderType::kLimit, tif, reduce_only, price,
                quantity});
}

void EngineTest::MarketOrder(AccountId account, OrderId order_id, Side side, Quantity quantity,
                             TimeInForce tif, MarketId market) {
  Do(PlaceOrder{account, market, order_id, side, OrderType::kMarket, tif, false, Price{0},
                quantity});
}

void EngineTest::Trade(AccountId buyer, AccountId seller, Quantity quantity, Price price,
                       MarketId market) {
  const OrderId sell_id{next_trade_order_++};
  const OrderId buy_id{next_trade_order_++};
  Order(seller, sell_id, Side::kSell, price, quantity, TimeInForce::kGtc, market);
  ASSERT_EQ(LastRejection(), Rejection::kNone);
  Order(buyer, buy_id, Side::kBuy, price, quantity, TimeInForce::kIoc, market);
  ASSERT_EQ(LastRejection(), Rejection::kNone);
  ASSERT_EQ(All<Fill>().size(), 1u);
}

Rejection EngineTest::LastRejection() const {
  for (const Effect& effect : last_) {
    if (const auto* order = std::get_if<OrderRejected>(&effect)) return order->reason;
    if (const auto* input = std::get_if<InputRejected>(&effect)) return input->reason;
  }
  return Rejection::kNone;
}

uint64_t SplitMix::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

int64_t SplitMix::Uniform(int64_t low, int64_t high) {
  const uint64_t span = static_cast<uint64_t>(high - low) + 1;
  return low + static_cast<int64_t>(Next() % span);
}

RandomStream::RandomStream(uint64_t seed, int accounts, int markets)
    : rng_(seed), accounts_(accounts), markets_(markets) {
  for (int m = 1; m <= markets_; ++m) {
    MarketSpec spec = PlainSpec(static_cast<MarketId>(m), 500'000 * m, 20 / m);
    spec.tick_size = Price{5};
    spec.maker_fee_e8 = 20'000 * (m - 1);
    spec.taker_fee_e8 = 50'000;
    spec.tiers.push_back(RiskTier{Money{2'000'000}, 1'000'000 * m, 10 / m});
    spec.adl_policy = static_cast<AdlPolicy>((m - 1) % 4);
    spec.max_slippage_e8 = m == 2 ? 5'000'000 : 0;
    setup_.push_back(ListMarket{spec});
    setup_.push_back(SetMark{static_cast<MarketId>(m), Price{10'000}, Price{10'000}});
    marks_.push_back(10'000);
  }
  setup_.push_back(TopUpInsurance{kUsdt, Money{50'000}});
  for (int a = 1; a <= accounts_; ++a) {
    setup_.push_back(OpenAccount{static_cast<AccountId>(a)});
    setup_.push_back(
        Deposit{static_cast<AccountId>(a), kUsdt, Money{rng_.Uniform(20'000, 400'000)}});
  }
  next_order_.assign(accounts_ + 1, 1);
}

Input RandomStream::Next() {
  ++produced_;
  if (produced_ <= static_cast<int64_t>(setup_.size())) return setup_[produced_ - 1];
  const int64_t roll = rng_.Uniform(0, 999);
  const AccountId account = static_cast<AccountId>(rng_.Uniform(1, accounts_));
  if (roll < 600) return NextOrder();
  if (roll < 800) {
    // Cancel a recent order id (some are long gone: an UnknownOrder rejection).
    const uint64_t last = next_order_[account.value()];
    return CancelOrder{account,
                       static_cast<OrderId>(rng_.Uniform(std::max<int64_t>(1, last - 8), last))};
  }
  if (roll < 930) return NextMark();
  if (roll < 945) {
    return FundingTick{static_cast<MarketId>(rng_.Uniform(1, markets_)),
                       rng_.Uniform(-200'000, 200'000)};
  }
  if (roll < 970) return Deposit{account, kUsdt, Money{rng_.Uniform(1, 50'000)}};
  if (roll < 990) return Withdraw{account, kUsdt, Money{rng_.Uniform(1, 80'000)}};
  if (roll < 993) return TopUpInsurance{kUsdt, Money{rng_.Uniform(1, 5'000)}};
  if (roll < 996) return OpenAccount{static_cast<AccountId>(rng_.Uniform(0, accounts_ + 2))};
  return PlaceOrder{
      account,           MarketId{99}, OrderId{1},    Side::kBuy, OrderType::kLimit,
      TimeInForce::kGtc, false,        Price{10'000}, Quantity{1}};  // Unknown market.
}

Input RandomStream::NextOrder() {
  const AccountId account = static_cast<AccountId>(rng_.Uniform(1, accounts_));
  const MarketId market = static_cast<MarketId>(rng_.Uniform(1, markets_));
  const int64_t mark = marks_[market.value() - 1];
  PlaceOrder order;
  order.account = account;
  order.market = market;
  order.order_id = OrderId{next_order_[account.value()]++};
  order.side = rng_.Chance(50) ? Side::kBuy : Side::kSell;
  order.quantity = Quantity{rng_.Uniform(1, rng_.Chance(10) ? 400 : 40)};
  const int64_t kind = rng_.Uniform(0, 99);
  if (kind < 10) {
    order.type = OrderType::kMarket;
    order.tif = rng_.Chance(80) ? TimeInForce::kIoc : TimeInForce::kFok;
    return order;
  }
  const int64_t offset = rng_.Uniform(-60, 60) * 5;
  order.price = Price{std::max<int64_t>(5, (mark / 5) * 5 + offset)};
  if (rng_.Chance(1)) order.price += Price{1};  // Off-tick: rejected.
  order.tif = kind < 70   ? TimeInForce::kGtc
              : kind < 82 ? TimeInForce::kIoc
              : kind < 90 ? TimeInForce::kFok
                          : TimeInForce::kPostOnly;
  order.reduce_only = rng_.Chance(8);
  return order;
}

Input RandomStream::NextMark() {
  const MarketId market = static_cast<MarketId>(rng_.Uniform(1, markets_));
  int64_t& mark = marks_[market.value() - 1];
  const int64_t roll = rng_.Uniform(0, 99);
  if (roll < 3) {
    mark = mark * rng_.Uniform(55, 85) / 100;  // Crash.
  } else if (roll < 6) {
    mark = mark * rng_.Uniform(115, 150) / 100;  // Squeeze.
  } else {
    mark += rng_.Uniform(-mark / 100, mark / 100);
  }
  mark = std::clamp<int64_t>(mark, 500, 200'000);
  return SetMark{market, Price{mark}, Price{mark}};
}

}  // namespace engine::testing
