// Issue #19: big one-tick cascades. Thousands of accounts liquidated by one mark, each closed
// through the book (Phase A and B) and by ADL against a queue of up to 50 shorts, then a squeeze
// that liquidates thin shorts the other way. The effects of both ticks must be exactly those of
// the engine before its rule 6 queue became an incremental index: their digest and the final
// state hash are compared with golden values (how they were obtained is said at each constant).

#include <algorithm>
#include <cstdio>
#include <string>

#include "engine_test_util.h"

namespace engine::testing {
namespace {

// Every field of every effect, in declaration order, as fixed-width little-endian bytes.
class EffectDigest {
 public:
  void Add(const std::vector<Effect>& effects) {
    for (const Effect& effect : effects) {
      Put(effect.index());
      std::visit([this](const auto& typed) { Fields(typed); }, effect);
    }
  }
  uint64_t hash() const { return Fnv1a64(bytes_); }

 private:
  template <typename T>
  void Put(T value) {
    const auto wide = static_cast<uint64_t>(static_cast<int64_t>(base::UnwrapStrong(value)));
    for (int shift = 0; shift < 64; shift += 8) bytes_.push_back(static_cast<char>(wide >> shift));
  }
  template <typename... T>
  void PutAll(T... values) {
    (Put(values), ...);
  }

  void Fields(const OrderAccepted& e) {
    PutAll(e.account, e.order_id, e.market, e.side, e.type, e.tif, e.reduce_only, e.price,
           e.quantity, e.resting_quantity);
  }
  void Fields(const OrderRejected& e) { PutAll(e.account, e.order_id, e.reason); }
  void Fields(const InputRejected& e) { PutAll(e.reason); }
  void Fields(const OrderCancelled& e) {
    PutAll(e.account, e.order_id, e.market, e.remaining_quantity, e.reason);
  }
  void Fields(const Fill& e) {
    PutAll(e.market, e.maker_account, e.maker_order_id, e.taker_account, e.taker_order_id,
           e.taker_side, e.price, e.quantity, e.maker_fee, e.taker_fee, e.liquidation);
  }
  void Fields(const FundingPayment& e) {
    PutAll(e.account, e.market, e.position, e.mark_price, e.rate_e8, e.amount);
  }
  void Fields(const Liquidation& e) {
    PutAll(e.account, e.market, e.position, e.cost, e.mark_price, e.equity, e.maintenance_margin,
           e.position_maintenance, e.equity_share, e.bankruptcy_quote, e.bankruptcy_price);
  }
  void Fields(const LiquidationFill& e) {
    PutAll(e.market, e.liquidated_account, e.maker_account, e.maker_order_id, e.price, e.quantity,
           e.phase, e.insurance_delta);
  }
  void Fields(const InsuranceFundCredit& e) {
    PutAll(e.asset, e.amount, e.reason, e.balance_after);
  }
  void Fields(const InsuranceFundDraw& e) {
    PutAll(e.asset, e.amount, e.market, e.liquidated_account, e.balance_after);
  }
  void Fields(const AdlQueue& e) {
    PutAll(e.market, e.liquidated_account, e.counterparty_side, e.policy, e.queue_length,
           e.top.size());
    for (const AdlQueueEntry& entry : e.top) {
      PutAll(entry.account, entry.score, entry.position, entry.queue_position);
    }
    PutAll(e.quantity_to_cover, e.fund_balance);
  }
  void Fields(const AdlReduction& e) {
    PutAll(e.market, e.liquidated_account, e.counterparty_account, e.quantity, e.price, e.quote,
           e.score, e.queue_position, e.queue_length, e.remaining_before, e.deficit_covered,
           e.fund_balance_after, e.gain_vs_mark);
  }
  void Fields(const SocializedLoss& e) { PutAll(e.market, e.amount); }

  std::string bytes_;
};

struct CascadeCounts {
  int64_t liquidations = 0;
  int64_t reductions = 0;
  int64_t queue_entries_max = 0;
  int64_t phase_a = 0;
  int64_t phase_b = 0;
  int64_t short_liquidations = 0;  // Of the shorts (ids 2..59), on either tick.
};

class CascadeTest : public EngineTest {
 protected:
  static constexpr int kLongs = 3'000;
  static constexpr int kShorts = 40;
  static constexpr AccountId kFirstLong = AccountId{100};

  // 40 shorts (2..41, every fourth thinly margined) rest asks at 10,000 that 3,000 longs
  // (100..3,099, 1-3 lots, 5x to 10x, many with identical figures) take; the maker (1) then
  // rests a bid ladder around the crash mark. The fund holds 30,000.
  void Build(AdlPolicy policy) {
    EngineOptions options;
    options.verify_invariants = false;  // Checked once per tick instead (O(accounts) each).
    engine_ = RiskEngine(options);
    MarketSpec spec = PlainSpec();
    spec.adl_policy = policy;
    List(spec);
    Mark(Price{10'000});
    Do(TopUpInsurance{kUsdt, Money{30'000}});
    Open(AccountId{1}, Money{1'000'000'000'000});
    Quantity long_lots{0};
    for (int i = 0; i < kLongs; ++i) long_lots += Quantity{1 + i % 3};
    for (int j = 0; j < kShorts; ++j) {
      const AccountId account = static_cast<AccountId>(2 + j);
      const Quantity lots{long_lots.value() / kShorts + (j < long_lots.value() % kShorts ? 1 : 0)};
      Open(account, Money{j % 4 == 0 ? lots.value() * 10'000 * (12 + j % 5) / 100 : 1'000'000'000});
      Order(account, OrderId{1}, Side::kSell, Price{10'000}, lots);
      ASSERT_EQ(LastRejection(), Rejection::kNone);
    }
    for (int i = 0; i < kLongs; ++i) {
      const AccountId account{kFirstLong.value() + static_cast<uint64_t>(i)};
      const Quantity lots{1 + i % 3};
      Open(account, Money{lots.value() * 10'000 * (10 + (i * 7) % 11) / 100});
      Order(account, OrderId{1}, Side::kBuy, Price{10'000}, lots, TimeInForce::kIoc);
      ASSERT_EQ(LastRejection(), Rejection::kNone);
    }
    // Ten thin shorts (50..59) sell 20 lots each to the maker at 8,000: flat PnL at the crash
    // mark ranks them last in its ADL queue; the squeeze makes them bankrupt.
    Order(AccountId{1}, OrderId{200}, Side::kBuy, Price{8'000}, Quantity{10 * 20});
    for (int k = 0; k < 10; ++k) {
      const AccountId account = static_cast<AccountId>(50 + k);
      Open(account, Money{60'000 + 1'000 * k});
      Order(account, OrderId{1}, Side::kSell, Price{8'000}, Quantity{20}, TimeInForce::kIoc);
      ASSERT_EQ(LastRejection(), Rejection::kNone);
    }
    for (int level = 0; level < 12; ++level) {  // Above the bankruptcy prices: Phase A.
      Order(AccountId{1}, static_cast<OrderId>(1 + level), Side::kBuy, Price{9'500 - 50 * level},
            Quantity{5});
    }
    for (int level = 0; level < 8; ++level) {  // Below the crash mark: Phase B.
      Order(AccountId{1}, static_cast<OrderId>(100 + level), Side::kBuy, Price{7'900 - 100 * level},
            Quantity{10});
    }
  }

  void Count(CascadeCounts* counts) const {
    for (const Effect& effect : last_) {
      if (const auto* liquidation = std::get_if<Liquidation>(&effect)) {
        counts->liquidations += 1;
        counts->short_liquidations += liquidation->account < kFirstLong;
      }
      counts->reductions += std::holds_alternative<AdlReduction>(effect);
      if (const auto* queue = std::get_if<AdlQueue>(&effect)) {
        counts->queue_entries_max =
            std::max<int64_t>(counts->queue_entries_max, queue->queue_length);
      }
      if (const auto* fill = std::get_if<LiquidationFill>(&effect)) {
        (fill->phase == LiquidationPhase::kA ? counts->phase_a : counts->phase_b) += 1;
      }
    }
  }

  // Crash to 8,000 (every long below MM), then squeeze to 14,000 (the thin shorts).
  uint64_t RunTicks(CascadeCounts* counts) {
    EffectDigest digest;
    Mark(Price{8'000});
    digest.Add(last_);
    Count(counts);
    engine_.CheckInvariants();
    Mark(Price{14'000});
    digest.Add(last_);
    Count(counts);
    engine_.CheckInvariants();
    return digest.hash();
  }
};

// Golden values, per ADL policy: the effect digest of both ticks and the final state hash
// (Fnv1a64 of CanonicalState), computed with this test's shape on the engine at commit f333d0b,
// before the issue #19 ADL index, and copied from the failure message of a first run.
struct Golden {
  AdlPolicy policy;
  uint64_t effects;
  uint64_t state;
  bool squeeze_liquidates;  // Whether the ranking left the thin shorts holding at the squeeze.
};

class CascadeGoldenTest : public CascadeTest, public ::testing::WithParamInterface<Golden> {};

TEST_P(CascadeGoldenTest, EffectsAndStateAreUnchanged) {
  const Golden golden = GetParam();
  Build(golden.policy);
  CascadeCounts counts;
  const uint64_t effects = RunTicks(&counts);
  EXPECT_EQ(counts.liquidations - counts.short_liquidations, kLongs);
  EXPECT_GT(counts.reductions, kLongs / 2);
  EXPECT_GT(counts.queue_entries_max, 1);
  EXPECT_GT(counts.phase_a, 0);
  EXPECT_GT(counts.phase_b, 0);
  EXPECT_EQ(counts.short_liquidations > 0, golden.squeeze_liquidates);
  EXPECT_EQ(effects, golden.effects);
  EXPECT_EQ(engine_.StateHash(Fnv1a64), golden.state);
  std::printf("policy %d: %lld liquidations (%lld shorts), %lld ADL reductions, queue <= %lld\n",
              static_cast<int>(golden.policy), static_cast<long long>(counts.liquidations),
              static_cast<long long>(counts.short_liquidations),
              static_cast<long long>(counts.reductions),
              static_cast<long long>(counts.queue_entries_max));
}

INSTANTIATE_TEST_SUITE_P(
    Policies, CascadeGoldenTest,
    ::testing::Values(
        Golden{AdlPolicy::kBitmex, 2211937410445031561u, 12544689419448700499u, true},
        Golden{AdlPolicy::kBinanceLeveragePnl, 1957454653181089408u, 17206082891309611322u, true},
        Golden{AdlPolicy::kProRata, 17560059844095298535u, 9702700723622141993u, false},
        Golden{AdlPolicy::kHyperliquid, 2746822633804611604u, 9063663771233046475u, false}));

// The shape of bench/engine BM_CascadeOneTick: 5,000 one-lot longs (2..5,001, identical, so
// rule 4 takes them by account id) against one market maker; one mark makes them all bankrupt
// and each is closed by ADL against the maker alone. Golden values obtained as above.
TEST_F(CascadeTest, OneLotLongsAgainstOneMakerInOneTick) {
  constexpr int kAccounts = 5'000;
  EngineOptions options;
  options.verify_invariants = false;
  engine_ = RiskEngine(options);
  List(PlainSpec());
  Mark(Price{10'000});
  Open(AccountId{1}, Money{1'000'000'000'000});
  Order(AccountId{1}, OrderId{1}, Side::kSell, Price{10'000}, Quantity{kAccounts});
  for (int a = 0; a < kAccounts; ++a) {
    const AccountId account = static_cast<AccountId>(2 + a);
    Open(account, Money{1'100});
    Order(account, OrderId{1}, Side::kBuy, Price{10'000}, Quantity{1}, TimeInForce::kIoc);
    ASSERT_EQ(LastRejection(), Rejection::kNone);
  }
  Mark(Price{5'000});
  EffectDigest digest;
  digest.Add(last_);
  const std::vector<Liquidation> liquidations = All<Liquidation>();
  ASSERT_EQ(liquidations.size(), static_cast<size_t>(kAccounts));
  for (int a = 0; a < kAccounts; ++a)
    EXPECT_EQ(liquidations[a].account, static_cast<AccountId>(2 + a));
  EXPECT_EQ(All<AdlReduction>().size(), static_cast<size_t>(kAccounts));
  EXPECT_EQ(Q(AccountId{1}), 0);
  engine_.CheckInvariants();
  EXPECT_EQ(digest.hash(), 4686886126823187125u);
  EXPECT_EQ(engine_.StateHash(Fnv1a64), 11148607921492559569u);
}

}  // namespace
}  // namespace engine::testing
