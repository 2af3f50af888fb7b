// The simulated venue (see venue.h and docs/SIMULATE.md): population, market makers, order
// flow and funding, all integer arithmetic so that a seed always gives the same inputs.

#include "sim/venue.h"

#include <algorithm>

namespace sim {

namespace {

using engine::Int128;
using engine::Money;
using engine::Price;
using engine::Quantity;
using engine::Side;

constexpr int64_t kPpm = 1'000'000;
constexpr int64_t kEightHoursNs = 8LL * 3600 * 1'000'000'000LL;
constexpr size_t kMaxRestingPerTrader = 50;  // Resting orders per trader; see TraderAction.
constexpr int kQuoteLevels = 5;              // Per side, per market maker.
constexpr int64_t kCalmVolatilityPpm = 300;  // Step volatility at which depth is full.
constexpr int64_t kInterestE8 = 1'000;       // 0.01% per 8 h (Binance's interest rate).
constexpr int64_t kPremiumClampE8 = 5'000;   // +-0.05%.
constexpr int64_t kFundingCapE8 = 300'000;   // +-0.3% per 8 h.
constexpr Money kMakerCollateral = 20'000'000 * kUsdt;

struct TierRow {
  int64_t floor_usdt;
  engine::RateE8 mmr_e8;
  int64_t max_leverage;
};

// Binance's BTCUSDT brackets as in RULEBOOK part 2 (0.4% / 125x up to 50k USDT, ...).
constexpr TierRow kTiers[] = {
    {0, 400'000, 125},           {50'000, 500'000, 100},       {250'000, 1'000'000, 50},
    {1'000'000, 2'500'000, 20},  {10'000'000, 5'000'000, 10},  {20'000'000, 10'000'000, 5},
    {50'000'000, 12'500'000, 4}, {100'000'000, 15'000'000, 3}, {200'000'000, 25'000'000, 2},
    {300'000'000, 50'000'000, 1}};

engine::MarketSpec BtcUsdtSpec(int64_t funding_interval_ns) {
  engine::MarketSpec spec;
  spec.market_id = kMarket;
  spec.symbol = "BTCUSDT";
  spec.quote_asset = kQuoteAsset;
  spec.tick_size = kTickSize;
  spec.lot_decimals = kLotDecimals;
  spec.quote_decimals = kQuoteDecimals;
  spec.maker_fee_e8 = 20'000;  // 0.02%.
  spec.taker_fee_e8 = 50'000;  // 0.05%.
  for (const TierRow& row : kTiers) {
    spec.tiers.push_back({row.floor_usdt * kUsdt, row.mmr_e8, row.max_leverage});
  }
  spec.funding_interval_ns = funding_interval_ns;
  spec.adl_policy = engine::AdlPolicy::kBitmex;
  spec.max_slippage_e8 = 0;
  return spec;
}

int64_t TierMaxLeverage(Money notional) {
  int64_t leverage = kTiers[0].max_leverage;
  for (const TierRow& row : kTiers) {
    if (notional >= row.floor_usdt * kUsdt) leverage = row.max_leverage;
  }
  return leverage;
}

// The largest of 1, 2, 5, 10, 20, 50, ... that is <= max(ticks, 1).
int64_t NiceTicks(int64_t ticks) {
  int64_t nice = 1;
  for (int64_t decade = 1; decade <= ticks; decade *= 10) {
    for (const int64_t step : {1, 2, 5}) {
      if (step * decade <= ticks) nice = step * decade;
    }
  }
  return nice;
}

Price FloorTo(Int128 price, Price step) {
  return engine::Narrow<Price>(engine::DivFloor(price, step.value()) * step.value());
}
Price CeilTo(Int128 price, Price step) {
  return engine::Narrow<Price>(engine::DivCeil(price, step.value()) * step.value());
}

// Quote minor units of `notional` as lots at `price`, at least one.
Quantity Lots(Int128 notional, Price price) {
  return engine::Narrow<Quantity>(std::max<Int128>(1, notional / price.value()));
}

}  // namespace

Venue::Venue(VenueOptions options, replay::Sequencer* sequencer, int64_t* now_ns)
    : options_(options),
      sequencer_(sequencer),
      now_ns_(now_ns),
      population_rng_(SplitMix64::Stream(options.seed, /*purpose=*/2)),
      flow_rng_(SplitMix64::Stream(options.seed, /*purpose=*/3)) {
  BACKSTOP_ASSERT(sequencer != nullptr && now_ns != nullptr);
  BACKSTOP_ASSERT(options.traders >= 2 && options.traders % 2 == 0, options.traders);
  BACKSTOP_ASSERT(options.market_makers >= 1 && options.opening_steps >= 1);
  CreatePopulation();
}

base::Status Venue::Submit(const engine::Input& input, bool* refused) {
  auto submitted = sequencer_->Submit(input);
  if (!submitted.ok()) return submitted.status();
  ++stats_.inputs;
  if (submitted->refused) ++stats_.refusals;
  if (refused != nullptr) *refused = submitted->refused;
  return base::Status::OK();
}

void Venue::CreatePopulation() {
  for (int64_t m = 0; m < options_.market_makers; ++m) {
    MarketMaker maker;
    maker.account = static_cast<engine::AccountId>(m + 1);
    maker.level_notional = (100'000 + 50'000 * m) * kUsdt;
    maker.half_spread_ppm = 100 + 50 * m;
    maker.spacing_ppm = 200 + 100 * m;
    maker.inventory_limit = (3'000'000 + 1'000'000 * m) * kUsdt;
    makers_.push_back(maker);
  }
  SplitMix64& rng = population_rng_;
  for (int64_t pair = 0; pair < options_.traders / 2; ++pair) {
    // Notional: 500 USDT * 2^e * [1, 2), e = min of two uniform draws in 0..9 (small sizes
    // are the most common; the largest reach 512k-1M USDT).
    const int64_t e = static_cast<int64_t>(std::min(rng.Below(10), rng.Below(10)));
    const Money base{(500 * kUsdt.value()) << e};
    const Money notional =
        base + Money{static_cast<int64_t>(rng.Below(static_cast<uint64_t>(base.value())))};
    for (const bool long_side : {true, false}) {
      // Leverage: 30% 2-3x, 25% 4-5x, 25% 6-10x, 12% 11-25x, 5% 26-50x, 3% 51-100x, capped
      // at 4/5 of the bracket's maximum for this notional.
      const uint64_t draw = rng.Below(100);
      int64_t leverage = draw < 30   ? rng.Between(2, 3)
                         : draw < 55 ? rng.Between(4, 5)
                         : draw < 80 ? rng.Between(6, 10)
                         : draw < 92 ? rng.Between(11, 25)
                         : draw < 97 ? rng.Between(26, 50)
                                     : rng.Between(51, 100);
      leverage = std::max<int64_t>(1, std::min(leverage, TierMaxLeverage(notional) * 4 / 5));
      Trader trader;
      trader.account = engine::AccountId{kFirstTrader.value() + traders_.size()};
      trader.notional = notional;
      trader.leverage = leverage;
      // notional / leverage, plus 0.15% for the opening fee and slippage, in whole USDT.
      const Money margin =
          engine::Narrow<Money>(engine::DivCeil(engine::Wide(notional), leverage) +
                                engine::DivCeil(engine::Wide(notional) * 15, 10'000));
      trader.collateral = engine::Narrow<Money>(
          engine::DivCeil(engine::Wide(margin), engine::Wide(kUsdt)) * engine::Wide(kUsdt));
      trader.long_side = long_side;
      traders_.push_back(trader);
    }
  }
}

base::Status Venue::Setup(int64_t time_ns, Price first_mark) {
  *now_ns_ = time_ns;
  BACKSTOP_RETURN_IF_ERROR(Submit(engine::ListMarket{BtcUsdtSpec(options_.funding_interval_ns)}));
  if (options_.insurance_fund > 0) {
    BACKSTOP_RETURN_IF_ERROR(Submit(engine::TopUpInsurance{kQuoteAsset, options_.insurance_fund}));
  }
  BACKSTOP_RETURN_IF_ERROR(Submit(engine::SetMark{kMarket, first_mark, first_mark}));
  mark_ = first_mark;
  stats_.mark_low = stats_.mark_high = first_mark;
  for (size_t m = 0; m < makers_.size(); ++m) {
    BACKSTOP_RETURN_IF_ERROR(Submit(engine::OpenAccount{makers_[m].account}));
    const Money collateral = kMakerCollateral + static_cast<int64_t>(m) * 5'000'000 * kUsdt;
    BACKSTOP_RETURN_IF_ERROR(Submit(engine::Deposit{makers_[m].account, kQuoteAsset, collateral}));
  }
  for (const Trader& trader : traders_) {
    BACKSTOP_RETURN_IF_ERROR(Submit(engine::OpenAccount{trader.account}));
    BACKSTOP_RETURN_IF_ERROR(
        Submit(engine::Deposit{trader.account, kQuoteAsset, trader.collateral}));
  }
  stats_.fund_start = sequencer_->engine().InsuranceFund(kQuoteAsset);
  if (options_.funding_interval_ns > 0) {
    next_funding_ns_ = (time_ns / options_.funding_interval_ns + 1) * options_.funding_interval_ns;
  }
  return base::Status::OK();
}

base::Status Venue::Step(int64_t step, int64_t time_ns, Price mark) {
  BACKSTOP_ASSERT(time_ns >= *now_ns_ && mark > 0, time_ns, *now_ns_, mark);
  *now_ns_ = time_ns;
  UpdateVolatility(mark);
  for (MarketMaker& maker : makers_) BACKSTOP_RETURN_IF_ERROR(Requote(maker, mark));
  if (mark != mark_) {
    BACKSTOP_RETURN_IF_ERROR(Submit(engine::SetMark{kMarket, mark, mark}));
    mark_ = mark;
    stats_.mark_low = std::min(stats_.mark_low, mark);
    stats_.mark_high = std::max(stats_.mark_high, mark);
  }
  SamplePremium(mark);
  // Pairs open evenly over the first opening_steps steps.
  const size_t pairs = traders_.size() / 2;
  const size_t due = static_cast<size_t>(std::min<Int128>(
      pairs,
      engine::DivCeil(Int128{step + 1} * static_cast<int64_t>(pairs), options_.opening_steps)));
  for (; next_pair_ < due; ++next_pair_) {
    Trader& first = traders_[2 * next_pair_];
    Trader& second = traders_[2 * next_pair_ + 1];
    const bool first_makes = population_rng_.Percent(50);
    BACKSTOP_RETURN_IF_ERROR(first_makes ? OpenPair(first, second, mark)
                                         : OpenPair(second, first, mark));
  }
  const uint64_t opened = 2 * next_pair_;
  if (opened > 0) {
    const uint64_t actions = flow_rng_.Below(static_cast<uint64_t>(2 * options_.activity + 1));
    for (uint64_t i = 0; i < actions; ++i) {
      BACKSTOP_RETURN_IF_ERROR(TraderAction(traders_[flow_rng_.Below(opened)], mark));
    }
  }
  return FundingIfDue(time_ns);
}

void Venue::UpdateVolatility(Price mark) {
  if (mark_ <= 0) return;
  const int64_t change_ppm =
      static_cast<int64_t>(engine::Wide(mark - mark_) * kPpm / mark_.value());
  const int64_t size_ppm = change_ppm < 0 ? -change_ppm : change_ppm;
  volatility_ppm_ += (size_ppm - volatility_ppm_) / 8;
  return_ppm_ += (change_ppm - return_ppm_) / 8;
}

std::vector<Venue::Quote> Venue::DesiredQuotes(const MarketMaker& maker, Price mark) const {
  // Depth thins in proportion to volatility above the calm level; spreads and level spacing
  // widen with it; quotes skew against inventory and stop on the side that would grow it.
  const int64_t volatility = std::max(volatility_ppm_, kCalmVolatilityPpm);
  const Int128 depth = engine::Wide(maker.level_notional) * kCalmVolatilityPpm / volatility;
  const int64_t half_spread = maker.half_spread_ppm + volatility_ppm_;
  const int64_t spacing_ppm = maker.spacing_ppm + volatility_ppm_ / 2;
  const Price spacing =
      NiceTicks(static_cast<int64_t>(engine::Wide(mark) * spacing_ppm / kPpm / kTickSize.value())) *
      kTickSize;
  BACKSTOP_ASSERT(spacing >= kTickSize && half_spread > 0, spacing, half_spread);
  const Quantity position = sequencer_->engine().Position(maker.account, kMarket).quantity;
  const Int128 inventory = engine::Notional(position, mark);
  const Int128 skew = std::clamp<Int128>(-inventory * half_spread / maker.inventory_limit.value(),
                                         -half_spread, half_spread);
  const Int128 center = engine::Wide(mark) * (kPpm + skew) / kPpm;
  const Price bid = FloorTo(center * (kPpm - half_spread) / kPpm, spacing);
  const Price ask = CeilTo(center * (kPpm + half_spread) / kPpm, spacing);
  std::vector<Quote> quotes;
  for (int level = 0; level < kQuoteLevels; ++level) {
    const Quantity quantity = Lots(depth * (level + 2) / 2, mark);
    const Price bid_price = bid - level * spacing;
    if (inventory < maker.inventory_limit && bid_price > 0) {
      quotes.push_back({Side::kBuy, bid_price, quantity});
    }
    if (inventory > -engine::Wide(maker.inventory_limit)) {
      quotes.push_back({Side::kSell, ask + level * spacing, quantity});
    }
  }
  return quotes;
}

base::Status Venue::Requote(MarketMaker& maker, Price mark) {
  const std::vector<Quote> desired = DesiredQuotes(maker, mark);
  std::vector<bool> kept(desired.size(), false);
  // Keep a live order that sits at a wanted price with a size within a factor of two of the
  // wanted size; cancel the others first (so no new quote meets a stale one of its own).
  for (const engine::OrderState& order : sequencer_->engine().OpenOrders(maker.account)) {
    bool keep = false;
    for (size_t i = 0; i < desired.size() && !keep; ++i) {
      const Quote& quote = desired[i];
      if (!kept[i] && quote.side == order.side && quote.price == order.price &&
          order.remaining * 2 >= quote.quantity && order.remaining <= quote.quantity * 2) {
        kept[i] = keep = true;
      }
    }
    if (!keep) {
      BACKSTOP_RETURN_IF_ERROR(Submit(engine::CancelOrder{maker.account, order.order_id}));
    }
  }
  for (size_t i = 0; i < desired.size(); ++i) {
    if (kept[i]) continue;
    engine::PlaceOrder order;
    order.account = maker.account;
    order.market = kMarket;
    order.order_id = engine::OrderId{maker.next_order_id++};
    order.side = desired[i].side;
    order.type = engine::OrderType::kLimit;
    order.tif = engine::TimeInForce::kGtc;
    order.price = desired[i].price;
    order.quantity = desired[i].quantity;
    BACKSTOP_RETURN_IF_ERROR(Submit(order));
  }
  return base::Status::OK();
}

base::Status Venue::PlaceOrder(Trader& trader, Side side, engine::OrderType type,
                               engine::TimeInForce tif, bool reduce_only, Price price,
                               Quantity quantity) {
  engine::PlaceOrder order;
  order.account = trader.account;
  order.market = kMarket;
  order.order_id = engine::OrderId{trader.next_order_id++};
  order.side = side;
  order.type = type;
  order.tif = tif;
  order.reduce_only = reduce_only;
  order.price = price;
  order.quantity = quantity;
  return Submit(order);
}

base::Status Venue::OpenPair(Trader& maker, Trader& taker, Price mark) {
  // The maker rests a limit order within two ticks of the mark and the taker crosses it with
  // an IOC at the same price, for the pair's notional: equal and opposite positions.
  const Price price =
      std::max(kTickSize, FloorTo(engine::Wide(mark) + kTickSize.value() / 2, kTickSize) +
                              population_rng_.Between(-2, 2) * kTickSize);
  const Quantity quantity = Lots(engine::Wide(maker.notional), mark);
  BACKSTOP_ASSERT(maker.long_side != taker.long_side && !maker.opened && !taker.opened,
                  maker.account, taker.account);
  BACKSTOP_ASSERT(price > 0 && quantity > 0, price, quantity);
  const Side maker_side = maker.long_side ? Side::kBuy : Side::kSell;
  const Side taker_side = maker.long_side ? Side::kSell : Side::kBuy;
  maker.opened = taker.opened = true;
  BACKSTOP_RETURN_IF_ERROR(PlaceOrder(maker, maker_side, engine::OrderType::kLimit,
                                      engine::TimeInForce::kGtc, false, price, quantity));
  return PlaceOrder(taker, taker_side, engine::OrderType::kLimit, engine::TimeInForce::kIoc, false,
                    price, quantity);
}

base::Status Venue::TraderAction(Trader& trader, Price mark) {
  const engine::RiskEngine& engine = sequencer_->engine();
  if (engine.Margin(trader.account, kQuoteAsset).equity <= 0) return base::Status::OK();
  SplitMix64& rng = flow_rng_;
  const Quantity target = Lots(engine::Wide(trader.notional), mark);
  const Quantity position = engine.Position(trader.account, kMarket).quantity;
  uint64_t action = rng.Below(100);
  std::vector<engine::OrderState> orders;
  if (action < 60) {
    orders = engine.OpenOrders(trader.account);
    // Traders keep a bounded number of orders resting, as real ones do: at the bound, a passive
    // order becomes a cancel of the oldest. (Unbounded, passive orders outpace cancels and the
    // book grows to the engine's per-account cap over a long run.)
    if (action < 35 && orders.size() >= kMaxRestingPerTrader) action = 35;
  }
  if (action < 35) {  // A passive limit order 2-30 bps away from the mark.
    const Side side = rng.Percent(50) ? Side::kBuy : Side::kSell;
    const int64_t offset = rng.Between(200, 3'000);
    const Price price = side == Side::kBuy
                            ? FloorTo(engine::Wide(mark) * (kPpm - offset) / kPpm, kTickSize)
                            : CeilTo(engine::Wide(mark) * (kPpm + offset) / kPpm, kTickSize);
    return PlaceOrder(trader, side, engine::OrderType::kLimit, engine::TimeInForce::kGtc, false,
                      std::max(price, kTickSize),
                      std::max(Quantity{1}, Quantity{target.value() * rng.Between(5, 30) / 100}));
  }
  if (action < 60) {  // Cancel the oldest resting order, if any.
    if (orders.empty()) return base::Status::OK();
    return Submit(engine::CancelOrder{trader.account, orders.front().order_id});
  }
  if (action < 80) {  // A market order; sells are likelier after falls (and buys after rises).
    const int64_t sell_percent = 50 + std::clamp<int64_t>(-return_ppm_ / 20, -25, 25);
    const Side side =
        rng.Below(100) < static_cast<uint64_t>(sell_percent) ? Side::kSell : Side::kBuy;
    return PlaceOrder(trader, side, engine::OrderType::kMarket, engine::TimeInForce::kIoc, false,
                      Price{0},
                      std::max(Quantity{1}, Quantity{target.value() * rng.Between(5, 20) / 100}));
  }
  if (position == 0) return base::Status::OK();
  if (action < 95) {  // Close 25-100% of the position with a reduce-only market order.
    const Quantity size = position < 0 ? -position : position;
    return PlaceOrder(trader, position > 0 ? Side::kSell : Side::kBuy, engine::OrderType::kMarket,
                      engine::TimeInForce::kIoc, true, Price{0},
                      std::max(Quantity{1}, Quantity{size.value() * rng.Between(25, 100) / 100}));
  }
  // Add 10-50% of the original collateral (a margin top-up).
  return Submit(engine::Deposit{
      trader.account, kQuoteAsset,
      std::max(kUsdt, Money{trader.collateral.value() * rng.Between(10, 50) / 100})});
}

void Venue::SamplePremium(Price mark) {
  const engine::RiskEngine& engine = sequencer_->engine();
  const std::vector<engine::LevelView> bids = engine.BookLevels(kMarket, Side::kBuy);
  const std::vector<engine::LevelView> asks = engine.BookLevels(kMarket, Side::kSell);
  if (bids.empty() || asks.empty()) return;
  const Int128 twice_mid = engine::Wide(bids.front().price) + engine::Wide(asks.front().price);
  premium_sum_e8_ +=
      (twice_mid - 2 * engine::Wide(mark)) * engine::kRateScale / (2 * engine::Wide(mark));
  ++premium_samples_;
}

base::Status Venue::FundingIfDue(int64_t time_ns) {
  if (options_.funding_interval_ns <= 0 || time_ns < next_funding_ns_) return base::Status::OK();
  // Binance's rule on the sampled premium P (book mid versus mark, averaged over the
  // interval): F = P + clamp(interest - P, -0.05%, +0.05%) per 8 h, scaled to the interval
  // and capped at +-0.3% per 8 h scaled likewise. Divisions truncate toward zero.
  const Int128 premium = premium_samples_ > 0 ? premium_sum_e8_ / premium_samples_ : 0;
  const Int128 eight_hour =
      premium + std::clamp<Int128>(kInterestE8 - premium, -kPremiumClampE8, kPremiumClampE8);
  const Int128 cap = Int128{kFundingCapE8} * options_.funding_interval_ns / kEightHoursNs;
  const Int128 rate =
      std::clamp<Int128>(eight_hour * options_.funding_interval_ns / kEightHoursNs, -cap, cap);
  BACKSTOP_RETURN_IF_ERROR(Submit(engine::FundingTick{kMarket, static_cast<engine::RateE8>(rate)}));
  ++stats_.funding_ticks;
  premium_sum_e8_ = 0;
  premium_samples_ = 0;
  while (next_funding_ns_ <= time_ns) next_funding_ns_ += options_.funding_interval_ns;
  return base::Status::OK();
}

}  // namespace sim
