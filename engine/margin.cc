// RULEBOOK rule 2: risk tiers, maintenance and initial margin, equity of a cross-margin pool.
// MM = ceil((N*mmr_e8 - cum_e8) / 1e8) and IM = ceil(N / max_leverage), each per position.

#include <algorithm>
#include <limits>

#include "engine/internal/core.h"
#include "engine/risk_math.h"

namespace engine {

std::vector<Int128> MaintenanceAmountsE8(const MarketSpec& spec) {
  std::vector<Int128> cum(spec.tiers.size(), 0);
  for (size_t t = 1; t < spec.tiers.size(); ++t) {
    cum[t] = cum[t - 1] +
             Wide(spec.tiers[t].notional_floor) * (spec.tiers[t].mmr_e8 - spec.tiers[t - 1].mmr_e8);
  }
  return cum;
}

int TierIndexFor(const MarketSpec& spec, Int128 notional) {
  BACKSTOP_ASSERT(!spec.tiers.empty());
  int index = 0;
  for (int t = 1; t < static_cast<int>(spec.tiers.size()); ++t) {
    if (notional < spec.tiers[t].notional_floor) break;
    index = t;
  }
  return index;
}

Int128 MaintenanceMarginFor(const MarketSpec& spec, const std::vector<Int128>& cum_e8,
                            Int128 notional) {
  BACKSTOP_ASSERT(notional >= 0, notional);
  if (notional == 0) return 0;
  const int t = TierIndexFor(spec, notional);
  const Int128 scaled = notional * spec.tiers[t].mmr_e8 - cum_e8[t];
  BACKSTOP_ASSERT(scaled > 0, notional, t);
  return DivCeil(scaled, kRateScale);
}

Int128 InitialMarginFor(const MarketSpec& spec, Int128 notional) {
  BACKSTOP_ASSERT(notional >= 0, notional);
  if (notional == 0) return 0;
  return DivCeil(notional, spec.tiers[TierIndexFor(spec, notional)].max_leverage);
}

}  // namespace engine

namespace engine::internal {

Int128 Core::MaintenanceFor(const Market& market, Int128 notional) {
  return MaintenanceMarginFor(market.spec, market.cum_e8, notional);
}

Int128 Core::InitialFor(const Market& market, Int128 notional) {
  return InitialMarginFor(market.spec, notional);
}

Int128 Core::PositionMaintenance(const Position& position) {
  const Market& market = *position.market;
  return MaintenanceFor(market, Abs128(position.q) * Wide(market.mark));
}

Int128 Core::Equity(const Account& account, AssetId asset) const {
  Int128 equity = 0;
  const auto wallet = account.wallet.find(asset);
  if (wallet != account.wallet.end()) equity = Wide(wallet->second);
  for (const auto& [market_id, position] : account.positions) {
    if (position.q == 0 || position.market->spec.quote_asset != asset) continue;
    equity += Notional(position.q, position.market->mark) - Wide(position.c);
  }
  return equity;
}

PoolMargin Core::PoolFigures(const Account& account, AssetId asset) const {
  PoolMargin figures;
  figures.equity = Equity(account, asset);
  for (const auto& [market_id, position] : account.positions) {
    if (position.q == 0 || position.market->spec.quote_asset != asset) continue;
    figures.maintenance += PositionMaintenance(position);
  }
  return figures;
}

namespace {

// Rule 2 IM of one market: worst case of |Q + buys| and |Q - sells| at the valuation price.
bool MarketInitial(const Market& market, Quantity q, Quantity buys, Quantity sells, Price price,
                   Int128* initial) {
  const Int128 worst = std::max(Abs128(Wide(q) + Wide(buys)), Abs128(Wide(q) - Wide(sells)));
  if (worst > Wide(kMaxPosition)) return false;
  *initial = Core::InitialFor(market, worst * Wide(price));
  return true;
}

}  // namespace

bool Core::InitialMargin(const Account& account, AssetId asset, const PlaceOrder* extra,
                         Price extra_valuation, Int128* initial) const {
  Int128 total = 0;
  bool extra_done = extra == nullptr;
  for (const auto& [market_id, position] : account.positions) {
    const Market& market = *position.market;
    if (market.spec.quote_asset != asset) continue;
    Quantity buys = position.open_buy, sells = position.open_sell;
    Price price = market.mark;
    price = std::max(price, position.max_order_price);
    if (extra != nullptr && extra->market == market_id) {
      (extra->side == Side::kBuy ? buys : sells) += extra->quantity;
      price = std::max(price, extra_valuation);
      extra_done = true;
    }
    Int128 market_initial = 0;
    if (!MarketInitial(market, position.q, buys, sells, price, &market_initial)) return false;
    total += market_initial;
  }
  if (!extra_done) {
    const Market& market = markets_.at(extra->market);
    const Quantity buys = extra->side == Side::kBuy ? extra->quantity : Quantity{0};
    const Quantity sells = extra->side == Side::kSell ? extra->quantity : Quantity{0};
    Int128 market_initial = 0;
    const Price price = std::max(market.mark, extra_valuation);
    if (!MarketInitial(market, Quantity{0}, buys, sells, price, &market_initial)) return false;
    total += market_initial;
  }
  *initial = total;
  return true;
}

MarginView Core::Margin(AccountId account_id, AssetId asset) const {
  MarginView view;
  const auto found = accounts_.find(account_id);
  if (found == accounts_.end()) return view;
  const Account& account = found->second;
  const auto wallet = account.wallet.find(asset);
  view.wallet_balance = wallet == account.wallet.end() ? Money{0} : wallet->second;
  const PoolMargin figures = PoolFigures(account, asset);
  view.equity = Saturated<Money>(figures.equity);
  view.unrealized_pnl = Saturated<Money>(figures.equity - Wide(view.wallet_balance));
  view.maintenance_margin = Saturated<Money>(figures.maintenance);
  Int128 initial = 0;
  if (InitialMargin(account, asset, nullptr, Price{0}, &initial)) {
    view.initial_margin = Saturated<Money>(initial);
  } else {
    view.initial_margin = std::numeric_limits<Money>::max();
  }
  return view;
}

}  // namespace engine::internal
