// Benchmarks of the risk engine alone (Google Benchmark), on seeded, pre-generated inputs:
// (a) a mixed workload: limit and market orders, cancels, a mark update every ~100 events and
//     funding every ~100k events over 10k accounts and 4 markets;
// (b) a cascade: a staged crash that liquidates leveraged longs through the book and ADL;
// (c) a one-tick cascade (issue #19): N accounts, each 1 lot long against one market maker, all
//     liquidated and deleveraged by a single mark.
// Reports input events/s (items_per_second) and p50/p99 ns per event. See README.md.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/risk_engine.h"

namespace {

using namespace engine;

constexpr AssetId kUsdt = engine::AssetId{1};

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  int64_t Uniform(int64_t low, int64_t high) {
    return low + static_cast<int64_t>(Next() % static_cast<uint64_t>(high - low + 1));
  }

 private:
  uint64_t state_;
};

MarketSpec Spec(MarketId id, Price tick) {
  MarketSpec spec;
  spec.market_id = id;
  spec.symbol = "BENCH";
  spec.quote_asset = kUsdt;
  spec.tick_size = tick;
  spec.maker_fee_e8 = 2'000;
  spec.taker_fee_e8 = 5'000;
  spec.tiers = {{Money{0}, 1'000'000, 10}, {Money{1'000'000'000}, 2'000'000, 5}};
  spec.funding_interval_ns = 8ll * 3600 * 1'000'000'000;
  return spec;
}

struct Workload {
  std::vector<Input> setup;   // Applied before timing starts.
  std::vector<Input> events;  // Timed.
};

Workload MixedWorkload(uint64_t seed, int accounts, int markets, int64_t events) {
  Workload work;
  Rng rng(seed);
  std::vector<int64_t> marks(markets, 100'000);  // Per lot.
  for (int m = 1; m <= markets; ++m) {
    work.setup.push_back(ListMarket{Spec(static_cast<MarketId>(m), Price{10})});
    work.setup.push_back(SetMark{static_cast<MarketId>(m), Price{100'000}, Price{100'000}});
  }
  for (int a = 1; a <= accounts; ++a) {
    work.setup.push_back(OpenAccount{static_cast<AccountId>(a)});
    work.setup.push_back(Deposit{static_cast<AccountId>(a), kUsdt, Money{1'000'000'000}});
  }
  std::vector<uint64_t> next_order(accounts + 1, 1);  // Per account: its next order id.
  // Per account, its GTC orders oldest first; a cancel takes the oldest (it may have filled).
  std::vector<std::vector<OrderId>> resting(accounts + 1);
  work.events.reserve(events);
  for (int64_t i = 0; i < events; ++i) {
    if (i % 100'000 == 99'999) {
      work.events.push_back(FundingTick{static_cast<MarketId>(rng.Uniform(1, markets)),
                                        rng.Uniform(-10'000, 10'000)});
      continue;
    }
    if (i % 100 == 99) {
      const int m = static_cast<int>(rng.Uniform(0, markets - 1));
      marks[m] = std::clamp<int64_t>(marks[m] + rng.Uniform(-100, 100), 90'000, 110'000);
      work.events.push_back(
          SetMark{static_cast<MarketId>(m + 1), Price{marks[m]}, Price{marks[m]}});
      continue;
    }
    const AccountId account = static_cast<AccountId>(rng.Uniform(1, accounts));
    const int64_t roll = rng.Uniform(0, 99);
    if (roll < 30) {
      std::vector<OrderId>& mine = resting[account.value()];
      if (!mine.empty()) {
        work.events.push_back(CancelOrder{account, mine.front()});
        mine.erase(mine.begin());
        continue;
      }
    }
    const int m = static_cast<int>(rng.Uniform(0, markets - 1));
    PlaceOrder order;
    order.account = account;
    order.market = static_cast<MarketId>(m + 1);
    order.order_id = OrderId{next_order[account.value()]++};
    order.side = rng.Uniform(0, 1) == 0 ? Side::kBuy : Side::kSell;
    order.quantity = Quantity{rng.Uniform(1, 20)};
    if (roll >= 90) {
      order.type = OrderType::kMarket;
      order.tif = TimeInForce::kIoc;
    } else {
      const int64_t offset = rng.Uniform(-30, 30) * 10;
      order.price = Price{marks[m] / 10 * 10 + offset};
      order.tif = roll >= 75 ? TimeInForce::kIoc : TimeInForce::kGtc;
      if (order.tif == TimeInForce::kGtc) resting[account.value()].push_back(order.order_id);
    }
    work.events.push_back(order);
  }
  return work;
}

Workload CascadeWorkload(int pairs) {
  Workload work;
  work.setup.push_back(ListMarket{Spec(engine::MarketId{1}, Price{1})});
  work.setup.push_back(SetMark{engine::MarketId{1}, Price{10'000}, Price{10'000}});
  work.setup.push_back(TopUpInsurance{kUsdt, Money{50'000'000}});
  const AccountId maker{1};
  work.setup.push_back(OpenAccount{maker});
  work.setup.push_back(Deposit{maker, kUsdt, Money{100'000'000'000}});
  for (int p = 0; p < pairs; ++p) {
    const auto longer = static_cast<AccountId>(2 + 2 * p);
    const auto shorter = static_cast<AccountId>(3 + 2 * p);
    const int64_t lots = 10 + p % 50;
    for (const AccountId account : {longer, shorter}) {
      work.setup.push_back(OpenAccount{account});
      // Leverage between about 5x and 9.5x.
      work.setup.push_back(
          Deposit{account, kUsdt, Money{lots * 10'000 / 10 + lots * 10'000 * (p % 10) / 100}});
    }
    work.setup.push_back(PlaceOrder{shorter, engine::MarketId{1}, OrderId{1}, Side::kSell,
                                    OrderType::kLimit, TimeInForce::kGtc, false, Price{10'000},
                                    Quantity{lots}});
    work.setup.push_back(PlaceOrder{longer, engine::MarketId{1}, OrderId{1}, Side::kBuy,
                                    OrderType::kLimit, TimeInForce::kIoc, false, Price{10'000},
                                    Quantity{lots}});
  }
  // A thin bid ladder under the market, then the crash in 1% steps (marks and re-bids).
  for (int level = 1; level <= 200; ++level) {
    work.setup.push_back(PlaceOrder{maker, engine::MarketId{1}, static_cast<OrderId>(level),
                                    Side::kBuy, OrderType::kLimit, TimeInForce::kGtc, false,
                                    Price{10'000 - level * 10}, Quantity{40}});
  }
  for (int step = 1; step <= 25; ++step) {
    work.events.push_back(
        SetMark{engine::MarketId{1}, Price{10'000 - step * 100}, Price{10'000 - step * 100}});
  }
  return work;
}

struct RunResult {
  int64_t effects = 0;
  int64_t liquidations = 0;
  int64_t reductions = 0;
};

RunResult Run(RiskEngine& engine, const std::vector<Input>& inputs, TimeNs* time_ns,
              std::vector<int64_t>* latencies) {
  RunResult result;
  std::vector<Effect> effects;
  effects.reserve(1024);
  for (const Input& input : inputs) {
    effects.clear();
    if (latencies != nullptr) {
      const auto start = std::chrono::steady_clock::now();
      engine.Apply(input, ++*time_ns, &effects);
      const auto stop = std::chrono::steady_clock::now();
      latencies->push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start).count());
    } else {
      engine.Apply(input, ++*time_ns, &effects);
    }
    result.effects += static_cast<int64_t>(effects.size());
    for (const Effect& effect : effects) {
      result.liquidations += std::holds_alternative<Liquidation>(effect);
      result.reductions += std::holds_alternative<AdlReduction>(effect);
    }
  }
  return result;
}

EngineOptions FastOptions() {
  EngineOptions options;
  options.verify_invariants = false;  // The O(n) checker is for tests and verify runs.
  return options;
}

void ReportLatency(benchmark::State& state, std::vector<int64_t> latencies) {
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) {
    return static_cast<double>(latencies[static_cast<size_t>(q * (latencies.size() - 1))]);
  };
  state.counters["p50_ns"] = at(0.50);
  state.counters["p99_ns"] = at(0.99);
  state.counters["max_ns"] = at(1.0);
}

void BM_MixedWorkload(benchmark::State& state) {
  const Workload work = MixedWorkload(42, 10'000, 4, 1'000'000);
  RunResult result;
  for (auto _ : state) {
    state.PauseTiming();
    RiskEngine engine(FastOptions());
    TimeNs time_ns = 0;
    Run(engine, work.setup, &time_ns, nullptr);
    state.ResumeTiming();
    result = Run(engine, work.events, &time_ns, nullptr);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(work.events.size()));
  state.counters["effects_per_event"] =
      static_cast<double>(result.effects) / static_cast<double>(work.events.size());
  // Latency pass, timed per event (clock reads excluded from the throughput figure above).
  RiskEngine engine(FastOptions());
  TimeNs time_ns = 0;
  Run(engine, work.setup, &time_ns, nullptr);
  std::vector<int64_t> latencies;
  latencies.reserve(work.events.size());
  Run(engine, work.events, &time_ns, &latencies);
  ReportLatency(state, std::move(latencies));
}
BENCHMARK(BM_MixedWorkload)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_Cascade(benchmark::State& state) {
  const Workload work = CascadeWorkload(static_cast<int>(state.range(0)));
  RunResult result;
  std::vector<int64_t> latencies;
  for (auto _ : state) {
    state.PauseTiming();
    RiskEngine engine(FastOptions());
    TimeNs time_ns = 0;
    Run(engine, work.setup, &time_ns, nullptr);
    latencies.clear();
    state.ResumeTiming();
    result = Run(engine, work.events, &time_ns, &latencies);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(work.events.size()));
  state.counters["liquidations"] = static_cast<double>(result.liquidations);
  state.counters["adl_reductions"] = static_cast<double>(result.reductions);
  state.counters["liquidations_per_s"] = benchmark::Counter(
      static_cast<double>(result.liquidations) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
  ReportLatency(state, std::move(latencies));
}
BENCHMARK(BM_Cascade)->Arg(2'000)->Unit(benchmark::kMillisecond)->Iterations(5);

// Issue #19: `accounts` longs (ids 2..accounts+1) each buy 1 lot at 10,000 from one resting ask
// of the market maker (id 1) with about 9x leverage. The inputs are applied as generated (a
// stored 1 M-account setup would take more memory than the engine). Empty book and fund: one
// mark at 5,000 makes every long bankrupt, and each is closed by ADL against the market maker
// alone (a queue of one).
void SetUpOneTickCascade(RiskEngine& engine, int accounts, TimeNs* time_ns) {
  std::vector<Effect> effects;
  auto apply = [&](const Input& input) {
    effects.clear();
    engine.Apply(input, ++*time_ns, &effects);
  };
  apply(ListMarket{Spec(engine::MarketId{1}, Price{1})});
  apply(SetMark{engine::MarketId{1}, Price{10'000}, Price{10'000}});
  const AccountId maker{1};
  apply(OpenAccount{maker});
  apply(Deposit{maker, kUsdt, Money{1'000'000'000'000}});
  apply(PlaceOrder{maker, engine::MarketId{1}, OrderId{1}, Side::kSell, OrderType::kLimit,
                   TimeInForce::kGtc, false, Price{10'000}, Quantity{accounts}});
  for (int a = 0; a < accounts; ++a) {
    const AccountId account = static_cast<AccountId>(2 + a);
    apply(OpenAccount{account});
    apply(Deposit{account, kUsdt, Money{1'100}});
    apply(PlaceOrder{account, engine::MarketId{1}, OrderId{1}, Side::kBuy, OrderType::kLimit,
                     TimeInForce::kIoc, false, Price{10'000}, Quantity{1}});
  }
}

// The same crash with a long ADL queue: each long buys its lot from its own short (ids
// 2+accounts.., 10,000 to 109,900 of collateral, so their scores differ), and every liquidation
// ranks all the shorts still holding (the top one is closed by each ADL).
void SetUpOneTickCascadeManyShorts(RiskEngine& engine, int accounts, TimeNs* time_ns) {
  std::vector<Effect> effects;
  auto apply = [&](const Input& input) {
    effects.clear();
    engine.Apply(input, ++*time_ns, &effects);
  };
  apply(ListMarket{Spec(engine::MarketId{1}, Price{1})});
  apply(SetMark{engine::MarketId{1}, Price{10'000}, Price{10'000}});
  for (int a = 0; a < accounts; ++a) {
    const AccountId longer = static_cast<AccountId>(2 + a);
    const AccountId shorter = static_cast<AccountId>(2 + accounts + a);
    apply(OpenAccount{longer});
    apply(Deposit{longer, kUsdt, Money{1'100}});
    apply(OpenAccount{shorter});
    apply(Deposit{shorter, kUsdt, Money{10'000 + (a * 7'919) % 1'000 * 100}});
    apply(PlaceOrder{shorter, engine::MarketId{1}, OrderId{1}, Side::kSell, OrderType::kLimit,
                     TimeInForce::kGtc, false, Price{10'000}, Quantity{1}});
    apply(PlaceOrder{longer, engine::MarketId{1}, OrderId{1}, Side::kBuy, OrderType::kLimit,
                     TimeInForce::kIoc, false, Price{10'000}, Quantity{1}});
  }
}

void OneTickCascade(benchmark::State& state, void (*set_up)(RiskEngine&, int accounts, TimeNs*)) {
  const int accounts = static_cast<int>(state.range(0));
  RunResult result;
  std::optional<RiskEngine> engine;  // Destroyed untimed, after the loop or before the next setup.
  for (auto _ : state) {
    state.PauseTiming();
    engine.reset();
    engine.emplace(FastOptions());
    TimeNs time_ns = 0;
    set_up(*engine, accounts, &time_ns);
    state.ResumeTiming();
    result = Run(*engine, {Input{SetMark{engine::MarketId{1}, Price{5'000}, Price{5'000}}}},
                 &time_ns, nullptr);
  }
  state.counters["liquidations"] = static_cast<double>(result.liquidations);
  state.counters["adl_reductions"] = static_cast<double>(result.reductions);
  state.counters["effects"] = static_cast<double>(result.effects);
  state.counters["liquidations_per_s"] = benchmark::Counter(
      static_cast<double>(result.liquidations) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}
void BM_CascadeOneTick(benchmark::State& state) { OneTickCascade(state, SetUpOneTickCascade); }
void BM_CascadeOneTickManyShorts(benchmark::State& state) {
  OneTickCascade(state, SetUpOneTickCascadeManyShorts);
}
// One iteration = one tick on a fresh engine (the setup is not timed); the mean of 3 below 1 M.
BENCHMARK(BM_CascadeOneTickManyShorts)
    ->Arg(2'500)
    ->Arg(5'000)
    ->Arg(10'000)
    ->Arg(20'000)
    ->Arg(40'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK(BM_CascadeOneTick)
    ->Arg(5'000)
    ->Arg(10'000)
    ->Arg(20'000)
    ->Arg(40'000)
    ->Arg(100'000)
    ->Arg(200'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK(BM_CascadeOneTick)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
