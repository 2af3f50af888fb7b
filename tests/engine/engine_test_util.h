// Test fixture and helpers for engine tests: a fresh engine per test, one-line helpers for
// markets, accounts, marks and orders, and typed access to the effects of the last input.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/events.h"
#include "engine/risk_engine.h"

namespace engine::testing {

inline constexpr MarketId kMarket = MarketId{1};
inline constexpr AssetId kUsdt = AssetId{1};

// Account ids from integers, for tables.
inline std::vector<AccountId> Accounts(std::initializer_list<uint64_t> ids) {
  std::vector<AccountId> accounts;
  for (const uint64_t id : ids) accounts.emplace_back(id);
  return accounts;
}

// FNV-1a 64: a simple deterministic non-crypto hash for state-hash tests.
uint64_t Fnv1a64(std::string_view bytes);

// One tier, no fees, tick 1: the plain market most scenarios use.
MarketSpec PlainSpec(MarketId market = kMarket, RateE8 mmr_e8 = 1'000'000,
                     int64_t max_leverage = 10);
// The Binance BTCUSDT bracket table of RULEBOOK part 2 with floors in whole USDT.
std::vector<RiskTier> BinanceBtcTiers();

class EngineTest : public ::testing::Test {
 protected:
  // Applies `input` and keeps its effects in last_ (also returned).
  const std::vector<Effect>& Do(const Input& input);

  void List(const MarketSpec& spec);
  void Open(AccountId account, Money deposit, AssetId asset = kUsdt);
  void Mark(Price mark, MarketId market = kMarket);
  void Order(AccountId account, OrderId order_id, Side side, Price price, Quantity quantity,
             TimeInForce tif = TimeInForce::kGtc, MarketId market = kMarket,
             bool reduce_only = false);
  void MarketOrder(AccountId account, OrderId order_id, Side side, Quantity quantity,
                   TimeInForce tif = TimeInForce::kIoc, MarketId market = kMarket);
  // `buyer` takes `quantity` at `price` from a resting sell of `seller` (order ids 9000+).
  void Trade(AccountId buyer, AccountId seller, Quantity quantity, Price price,
             MarketId market = kMarket);

  Money Wallet(AccountId account) const { return engine_.WalletBalance(account, kUsdt); }
  Quantity Q(AccountId account, MarketId market = kMarket) const {
    return engine_.Position(account, market).quantity;
  }
  Money C(AccountId account, MarketId market = kMarket) const {
    return engine_.Position(account, market).cost;
  }

  template <typename T>
  std::vector<T> All() const {
    std::vector<T> found;
    for (const Effect& effect : last_) {
      if (const T* typed = std::get_if<T>(&effect)) found.push_back(*typed);
    }
    return found;
  }
  template <typename T>
  T Single() const {
    const std::vector<T> found = All<T>();
    EXPECT_EQ(found.size(), 1u);
    return found.empty() ? T{} : found.front();
  }
  Rejection LastRejection() const;  // Of an OrderRejected or InputRejected; kNone if none.

  RiskEngine engine_;
  std::vector<Effect> last_;
  TimeNs time_ns_ = 0;
  uint64_t next_trade_order_ = 9000;
};

// Deterministic splitmix64 generator for seeded streams.
class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  int64_t Uniform(int64_t low, int64_t high);  // Inclusive.
  bool Chance(int percent) { return Uniform(0, 99) < percent; }

 private:
  uint64_t state_;
};

// A seeded stream of valid and invalid inputs over a few markets and accounts, with marks
// that trend, crash and recover. Same seed, same stream.
class RandomStream {
 public:
  explicit RandomStream(uint64_t seed, int accounts = 40, int markets = 3);
  Input Next();
  int64_t produced() const { return produced_; }

 private:
  Input Setup();
  Input NextOrder();
  Input NextMark();

  SplitMix rng_;
  int accounts_;
  int markets_;
  int64_t produced_ = 0;
  std::vector<Input> setup_;
  std::vector<int64_t> marks_;        // Per market, per lot.
  std::vector<uint64_t> next_order_;  // Per account: its next order id.
};

}  // namespace engine::testing
