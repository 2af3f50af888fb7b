// The simulated venue: a seeded population of traders and market makers that turns a mark
// path into input commands (listing, accounts, deposits, orders, cancels, marks, funding) and
// submits them through the sequencer. Internal to the sim module; see docs/SIMULATE.md.
// Thread-compatible: one thread drives a Venue.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "engine/events.h"
#include "replay/sequencer.h"
#include "sim/rng.h"

namespace sim {

// Units of the simulated BTCUSDT market (those of docs/examples/crash-demo.jsonl).
inline constexpr engine::MarketId kMarket = engine::MarketId{1};
inline constexpr engine::AssetId kQuoteAsset = engine::AssetId{1};  // USDT, 6 decimals.
inline constexpr int kQuoteDecimals = 6;
inline constexpr int kLotDecimals = 3;            // One lot is 0.001 BTC.
inline constexpr engine::Price kTickSize{100};    // 0.1 USDT per BTC.
inline constexpr engine::Money kUsdt{1'000'000};  // One USDT in minor units.
inline constexpr engine::AccountId kFirstTrader =
    engine::AccountId{1001};  // Market makers are 1..M.

struct VenueOptions {
  uint64_t seed = 1;
  int64_t traders = 2000;  // Even: traders open positions in long/short pairs.
  int64_t market_makers = 4;
  engine::Money insurance_fund{0};  // The operator's initial top-up (minor units).
  int64_t funding_interval_ns = 0;  // Funding ticks at multiples of it (epoch-aligned).
  int64_t activity = 3;             // Mean trader orders/cancels per step.
  int64_t opening_steps = 1;        // Pairs open spread over the first opening_steps steps.
};

// Figures the venue keeps while it runs (the rest is read back from the log).
struct VenueStats {
  uint64_t inputs = 0;
  uint64_t refusals = 0;
  uint64_t funding_ticks = 0;
  engine::Money fund_start{0};  // After setup, when trading starts.
  engine::Price mark_low{0};
  engine::Price mark_high{0};
};

class Venue {
 public:
  // `sequencer` and `now_ns` (the simulated clock the sequencer reads) must outlive the venue.
  Venue(VenueOptions options, replay::Sequencer* sequencer, int64_t* now_ns);
  Venue(const Venue&) = delete;
  Venue& operator=(const Venue&) = delete;

  // Lists the market, tops up the fund, sets the first mark, opens and funds every account.
  base::Status Setup(int64_t time_ns, engine::Price first_mark);
  // One step of the path: market makers requote, the mark moves (liquidations follow in the
  // engine), scheduled pairs open, traders act, and funding ticks when its time has come.
  base::Status Step(int64_t step, int64_t time_ns, engine::Price mark);

  const VenueStats& stats() const { return stats_; }

 private:
  struct Trader {
    engine::AccountId account{0};
    engine::Money notional{0};  // Target position size in quote minor units.
    int64_t leverage = 1;       // Nominal: collateral is about notional / leverage.
    engine::Money collateral{0};
    bool long_side = true;
    bool opened = false;
    uint64_t next_order_id = 1;  // The next order id (a counter).
  };
  struct MarketMaker {
    engine::AccountId account{0};
    engine::Money level_notional{0};  // Depth of the first level in calm markets.
    int64_t half_spread_ppm = 0;
    int64_t spacing_ppm = 0;
    engine::Money inventory_limit{0};  // Stops quoting the side that would grow it.
    uint64_t next_order_id = 1;        // The next order id (a counter).
  };
  struct Quote {
    engine::Side side;
    engine::Price price;
    engine::Quantity quantity;
  };

  base::Status Submit(const engine::Input& input, bool* refused = nullptr);
  void CreatePopulation();
  base::Status Requote(MarketMaker& maker, engine::Price mark);
  std::vector<Quote> DesiredQuotes(const MarketMaker& maker, engine::Price mark) const;
  base::Status OpenPair(Trader& maker, Trader& taker, engine::Price mark);
  base::Status TraderAction(Trader& trader, engine::Price mark);
  base::Status PlaceOrder(Trader& trader, engine::Side side, engine::OrderType type,
                          engine::TimeInForce tif, bool reduce_only, engine::Price price,
                          engine::Quantity quantity);
  void UpdateVolatility(engine::Price mark);
  void SamplePremium(engine::Price mark);
  base::Status FundingIfDue(int64_t time_ns);

  VenueOptions options_;
  replay::Sequencer* sequencer_;
  int64_t* now_ns_;
  SplitMix64 population_rng_;
  SplitMix64 flow_rng_;
  std::vector<Trader> traders_;
  std::vector<MarketMaker> makers_;
  VenueStats stats_;
  engine::Price mark_{0};
  int64_t volatility_ppm_ = 0;  // EWMA of |mark change| per step.
  int64_t return_ppm_ = 0;      // EWMA of the signed mark change per step.
  engine::Int128 premium_sum_e8_ = 0;
  int64_t premium_samples_ = 0;
  int64_t next_funding_ns_ = 0;
  size_t next_pair_ = 0;
};

}  // namespace sim
