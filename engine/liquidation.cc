// RULEBOOK rules 4 and 5: the liquidation trigger loop and whole-account liquidation
// (cancel orders, bankruptcy quote split by MM, take-over at BQ by account 0, Phase A IOC at
// the bankruptcy price with surplus to the fund, Phase B paid by the fund, Phase C by ADL).

#include <algorithm>

#include "engine/internal/core.h"
#include "engine/internal/wide.h"

namespace engine::internal {

namespace {

// A pool below maintenance margin, ordered by equity/MM (cross-multiplied), then pool key.
struct UnderEntry {
  Int128 equity = 0;
  Int128 maintenance = 0;
  PoolKey pool{};
};

struct UnderOrder {
  bool operator()(const UnderEntry& a, const UnderEntry& b) const {
    const int order = CompareProducts(a.equity, b.maintenance, b.equity, a.maintenance);
    if (order != 0) return order < 0;
    return a.pool < b.pool;
  }
};

}  // namespace

void Core::RunLiquidationLoop() {
  std::set<UnderEntry, UnderOrder> under;
  std::map<PoolKey, std::set<UnderEntry, UnderOrder>::iterator> where;
  // Re-evaluates every touched pool: below MM joins `under`, else its watch is refreshed.
  // Untouched pools keep their figures (marks do not move inside one input).
  auto absorb = [&]() {
    std::sort(candidates_.begin(), candidates_.end());
    candidates_.erase(std::unique(candidates_.begin(), candidates_.end()), candidates_.end());
    for (const PoolKey& pool : candidates_) {
      if (const auto it = where.find(pool); it != where.end()) {
        under.erase(it->second);
        where.erase(it);
      }
      const PoolMargin figures = PoolFigures(accounts_.at(pool.first), pool.second);
      if (figures.maintenance > 0 && figures.equity < figures.maintenance) {
        where[pool] = under.insert({figures.equity, figures.maintenance, pool}).first;
      } else {
        RefreshWatch(pool, figures);
      }
    }
    candidates_.clear();
  };
  absorb();
  while (!under.empty()) {
    const PoolKey pool = under.begin()->pool;  // Lowest equity/MM, ties by account id.
    where.erase(pool);
    under.erase(under.begin());
    Liquidate(pool.first, pool.second);
    absorb();
  }
}

void Core::Unwatch(AccountId account_id, Position& position) {
  (void)account_id;
  position.watched = false;  // Its heap entries are now stale and dropped lazily.
}

namespace {

bool LowHeapOrder(const WatchEntry& a, const WatchEntry& b) { return a.key < b.key; }
bool HighHeapOrder(const WatchEntry& a, const WatchEntry& b) { return a.key > b.key; }

}  // namespace

Position* Core::WatchedPosition(const WatchEntry& entry, MarketId market_id) {
  const auto account = accounts_.find(entry.account);
  if (account == accounts_.end()) return nullptr;
  const auto position = account->second.positions.find(market_id);
  if (position == account->second.positions.end()) return nullptr;
  Position& watched = position->second;
  return watched.watched && watched.watch_stamp == entry.stamp ? &watched : nullptr;
}

void Core::PopCrossedWatches(Market& market) {
  const MarketId market_id = market.spec.market_id;
  const AssetId asset = market.spec.quote_asset;
  auto pop = [&](std::vector<WatchEntry>& heap, auto order, auto crossed) {
    while (!heap.empty() && crossed(heap.front().key)) {
      const WatchEntry entry = heap.front();
      std::pop_heap(heap.begin(), heap.end(), order);
      heap.pop_back();
      if (Position* position = WatchedPosition(entry, market_id)) {
        position->watched = false;  // RefreshWatch or the liquidation replaces it.
        Touch(entry.account, asset);
      }
    }
  };
  pop(market.watch_low, LowHeapOrder, [&](Price key) { return market.mark < key; });
  pop(market.watch_high, HighHeapOrder, [&](Price key) { return market.mark > key; });
}

void Core::CompactWatches(Market& market) {
  const size_t limit = 2 * market.holders.size() + 64;
  if (market.watch_low.size() + market.watch_high.size() <= 2 * limit) return;
  const MarketId market_id = market.spec.market_id;
  auto keep_live = [&](std::vector<WatchEntry>& heap, auto order) {
    heap.erase(std::remove_if(heap.begin(), heap.end(),
                              [&](const WatchEntry& entry) {
                                return WatchedPosition(entry, market_id) == nullptr;
                              }),
               heap.end());
    std::make_heap(heap.begin(), heap.end(), order);
  };
  keep_live(market.watch_low, LowHeapOrder);
  keep_live(market.watch_high, HighHeapOrder);
}

void Core::RefreshWatch(const PoolKey& pool, const PoolMargin& figures) {
  // While every mark m stays within delta_m of its current value, equity - MM falls by at
  // most sum_m (2*|Q_m|*|dP_m| + 1) (MM has slope <= 1 in N, +1 for its rounding), so with
  // delta_m = floor((B - k) / (2*|Q_m|*k)) for buffer B = equity - MM and k positions the
  // pool provably stays at or above MM. B < k gives delta = -1: any mark update re-checks.
  Account& account = accounts_.at(pool.first);
  const Int128 buffer = figures.equity - figures.maintenance;
  BACKSTOP_ASSERT(figures.maintenance == 0 || buffer >= 0, pool.first);
  int64_t k = 0;
  for (const auto& [market_id, position] : account.positions) {
    if (position.q != 0 && position.market->spec.quote_asset == pool.second) ++k;
  }
  for (auto& [market_id, position] : account.positions) {
    if (position.market->spec.quote_asset != pool.second) continue;
    if (position.q == 0) {
      Unwatch(pool.first, position);
      continue;
    }
    const Int128 delta =
        buffer < k ? Int128{-1} : DivFloor(buffer - k, Int128{2} * Abs128(position.q) * k);
    const Int128 mark = Wide(position.market->mark);
    // Any interval inside the safe one is a valid watch (it only re-checks more often), so an
    // existing entry is kept while it still fits; new entries take half the safe width, which
    // saves most index updates on later fills at the price of a few extra re-checks.
    if (position.watched && position.watch_low >= mark - delta &&
        position.watch_high <= mark + delta) {
      continue;
    }
    Unwatch(pool.first, position);
    const Int128 stored = delta < 0 ? delta : delta / 2;
    position.watch_low = Price{SaturateInt64(mark - stored)};
    position.watch_high = Price{SaturateInt64(mark + stored)};
    position.watch_stamp = next_watch_stamp_++;
    position.watched = true;
    Market& market = *position.market;
    market.watch_low.push_back({position.watch_low, pool.first, position.watch_stamp});
    std::push_heap(market.watch_low.begin(), market.watch_low.end(), LowHeapOrder);
    market.watch_high.push_back({position.watch_high, pool.first, position.watch_stamp});
    std::push_heap(market.watch_high.begin(), market.watch_high.end(), HighHeapOrder);
    CompactWatches(market);
  }
}

namespace {

struct LiquidatedPosition {
  Market* market = nullptr;
  Quantity q{0};
  Money c{0};
  Int128 maintenance = 0;
  Int128 share = 0;
  Money bankruptcy_quote{0};
  Price limit{0};  // Phase A limit: a sell's rounded up to the tick, a buy's down; 0 = none.
};

Price PhaseALimit(Quantity q, Money bankruptcy_quote, Price tick) {
  if (q > 0) {
    const Int128 limit = DivCeil(Wide(bankruptcy_quote), Notional(q, tick)) * Wide(tick);
    return Narrow<Price>(std::clamp<Int128>(limit, Wide(tick), Wide(kMaxPrice)));
  }
  const Int128 limit = DivFloor(-Wide(bankruptcy_quote), Notional(-q, tick)) * Wide(tick);
  return Narrow<Price>(std::clamp<Int128>(limit, 0, Wide(kMaxPrice)));
}

}  // namespace

void Core::Liquidate(AccountId account_id, AssetId asset) {
  BACKSTOP_ASSERT(account_id != kLiquidationAccount);
  Account& account = accounts_.at(account_id);
  std::vector<uint32_t> to_cancel;
  for (const auto& [order_id, index] : account.orders) {
    if (markets_.at(orders_[index].market).spec.quote_asset == asset) to_cancel.push_back(index);
  }
  for (const uint32_t index : to_cancel) CancelResting(index, CancelReason::kLiquidation);

  const PoolMargin figures = PoolFigures(account, asset);
  BACKSTOP_ASSERT(figures.maintenance > 0 && figures.equity < figures.maintenance, account_id);
  std::vector<LiquidatedPosition> items;
  for (auto& [market_id, position] : account.positions) {
    if (position.q == 0 || position.market->spec.quote_asset != asset) continue;
    BACKSTOP_ASSERT(position.open_orders == 0, account_id, market_id);
    items.push_back({&markets_.at(market_id), position.q, position.c, PositionMaintenance(position),
                     0, Money{0}, Price{0}});
  }
  Int128 assigned = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    LiquidatedPosition& item = items[i];
    item.share = i + 1 == items.size()
                     ? figures.equity - assigned
                     : MulDivFloor(figures.equity, item.maintenance, figures.maintenance);
    assigned += item.share;
    const Int128 bankruptcy_quote = Notional(item.q, item.market->mark) - item.share;
    item.bankruptcy_quote = Narrow<Money>(bankruptcy_quote);
    item.limit = PhaseALimit(item.q, item.bankruptcy_quote, item.market->spec.tick_size);
    Emit(Liquidation{account_id, item.market->spec.market_id, item.q, item.c, item.market->mark,
                     Saturated<Money>(figures.equity), Saturated<Money>(figures.maintenance),
                     Narrow<Money>(item.maintenance), Saturated<Money>(item.share),
                     item.bankruptcy_quote, item.limit});
  }
  // Take-over: the account is settled once at the bankruptcy quotes and ends with WB = 0.
  for (const LiquidatedPosition& item : items) {
    ApplyTrade(account_id, *item.market, -item.q, -Wide(item.bankruptcy_quote));
    ApplyTrade(kLiquidationAccount, *item.market, item.q, Wide(item.bankruptcy_quote));
  }
  BACKSTOP_ASSERT(Wallet(account, asset) == 0, account_id, Wallet(account, asset));
  for (const LiquidatedPosition& item : items) {
    LiquidateMarketPosition(*item.market, account_id, item.limit);
  }
  for (const auto& [market_id, position] : accounts_.at(kLiquidationAccount).positions) {
    BACKSTOP_ASSERT(position.q == 0, market_id, position.q);
  }
}

void Core::SettleLiquidationFill(Market& market, AccountId liquidated, const Order& maker,
                                 Price price, Quantity quantity, LiquidationPhase phase) {
  const AssetId asset = market.spec.quote_asset;
  Money& wallet = Wallet(accounts_.at(kLiquidationAccount), asset);
  const Money delta = wallet;  // Account 0's realized PnL on this fill against cost BQ.
  wallet = Money{0};
  Money& fund = InsuranceOf(asset);
  if (phase == LiquidationPhase::kA) BACKSTOP_ASSERT(delta >= 0, delta);
  if (delta < 0) BACKSTOP_ASSERT(fund >= -delta, fund, delta);
  AddOrDie(&fund, delta);
  Emit(LiquidationFill{market.spec.market_id, liquidated, maker.account, maker.order_id, price,
                       quantity, phase, delta});
  if (delta > 0) {
    Emit(InsuranceFundCredit{asset, delta, CreditReason::kLiquidationSurplus, fund});
  } else if (delta < 0) {
    Emit(InsuranceFundDraw{asset, -delta, market.spec.market_id, liquidated, fund});
  }
}

Quantity Core::PhaseBCap(const Market& market, const Order& maker, Quantity wanted) const {
  const Position& position = accounts_.at(kLiquidationAccount).positions.at(market.spec.market_id);
  const Money fund = assets_.at(market.spec.quote_asset).insurance;
  const Quantity size = Abs(position.q);
  auto draw = [&](Quantity r) -> Int128 {
    const Int128 c_r =
        r == size ? Wide(position.c) : DivCeil(Wide(position.c) * Wide(r), Wide(size));
    const Int128 value = position.q > 0 ? -Notional(r, maker.price) : Notional(r, maker.price);
    return -(-value - c_r);  // Minus account 0's realized PnL.
  };
  if (draw(wanted) <= Wide(fund)) return wanted;
  // draw(low) <= fund < draw(high); draw is monotone in r.
  Quantity low{0}, high = wanted;
  while (high - low > 1) {
    const Quantity middle{low.value() + (high - low).value() / 2};
    if (draw(middle) <= Wide(fund))
      low = middle;
    else
      high = middle;
  }
  return low;
}

void Core::LiquidateMarketPosition(Market& market, AccountId liquidated, Price limit) {
  const MarketId market_id = market.spec.market_id;
  auto zero_quantity = [&]() -> Quantity {
    const auto& positions = accounts_.at(kLiquidationAccount).positions;
    const auto it = positions.find(market_id);
    return it == positions.end() ? Quantity{0} : it->second.q;
  };
  const Quantity q = zero_quantity();
  BACKSTOP_ASSERT(q != 0, liquidated, market_id);
  const OrderId order_id = next_internal_order_id_;
  next_internal_order_id_ = OrderId{order_id.value() + 1};
  Taker taker{kLiquidationAccount, order_id, q > 0 ? Side::kSell : Side::kBuy, true, limit, true};
  if (limit > 0) {
    Match(market, taker, Abs(q), nullptr, [&](const Order& maker, Price price, Quantity filled) {
      SettleLiquidationFill(market, liquidated, maker, price, filled, LiquidationPhase::kA);
    });
  }
  if (zero_quantity() != 0) {
    const RateE8 slippage = market.spec.max_slippage_e8;
    taker.has_limit = slippage > 0;
    if (taker.side == Side::kSell) {
      taker.limit = Narrow<Price>(DivCeil(Wide(market.mark) * (kRateScale - slippage), kRateScale));
    } else {
      taker.limit =
          Narrow<Price>(DivFloor(Wide(market.mark) * (kRateScale + slippage), kRateScale));
    }
    Match(
        market, taker, Abs(zero_quantity()),
        [&](const Order& maker, Quantity wanted) { return PhaseBCap(market, maker, wanted); },
        [&](const Order& maker, Price price, Quantity filled) {
          SettleLiquidationFill(market, liquidated, maker, price, filled, LiquidationPhase::kB);
        });
  }
  if (zero_quantity() != 0) RunAdl(market, liquidated, limit);
  BACKSTOP_ASSERT(zero_quantity() == 0, market_id);
}

}  // namespace engine::internal
