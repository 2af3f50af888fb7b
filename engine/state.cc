// Whole-state export/import, the canonical byte encoding behind the state hash, and the
// invariant checker (conservation per RULEBOOK rule 9, open interest, funds, book consistency).

#include <algorithm>
#include <string>

#include "engine/internal/core.h"

namespace engine {

namespace {

class Writer {
 public:
  void U8(uint8_t value) { bytes_.push_back(static_cast<char>(value)); }
  void U32(uint32_t value) {
    for (int i = 0; i < 4; ++i) U8(static_cast<uint8_t>(value >> (8 * i)));
  }
  void U64(uint64_t value) {
    for (int i = 0; i < 8; ++i) U8(static_cast<uint8_t>(value >> (8 * i)));
  }
  void I64(int64_t value) { U64(static_cast<uint64_t>(value)); }
  template <class T>
  requires base::kIsStrongAmount<T>
  void I64(T amount) { I64(amount.value()); }
  void I32(int32_t value) { U32(static_cast<uint32_t>(value)); }
  void Bytes(const std::string& value) {
    U32(static_cast<uint32_t>(value.size()));
    bytes_.append(value);
  }
  std::string Take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

void WriteSpec(Writer& out, const MarketSpec& spec) {
  out.U32(spec.market_id.value());
  out.Bytes(spec.symbol);
  out.U32(spec.quote_asset.value());
  out.I64(spec.tick_size);
  out.I32(spec.lot_decimals);
  out.I32(spec.quote_decimals);
  out.I64(spec.maker_fee_e8);
  out.I64(spec.taker_fee_e8);
  out.U32(static_cast<uint32_t>(spec.tiers.size()));
  for (const RiskTier& tier : spec.tiers) {
    out.I64(tier.notional_floor);
    out.I64(tier.mmr_e8);
    out.I64(tier.max_leverage);
  }
  out.I64(spec.funding_interval_ns);
  out.U8(static_cast<uint8_t>(spec.adl_policy));
  out.I64(spec.max_slippage_e8);
}

}  // namespace

std::string EncodeCanonical(const EngineState& state) {
  Writer out;
  out.Bytes("backstop.engine.state");
  out.U32(1);  // Encoding version.
  out.U32(static_cast<uint32_t>(state.markets.size()));
  for (const MarketState& market : state.markets) {
    WriteSpec(out, market.spec);
    out.U8(market.has_mark ? 1 : 0);
    out.I64(market.mark_price);
    out.I64(market.index_price);
  }
  out.U32(static_cast<uint32_t>(state.accounts.size()));
  for (const AccountState& account : state.accounts) {
    out.U64(account.account.value());
    out.U32(static_cast<uint32_t>(account.balances.size()));
    for (const BalanceState& balance : account.balances) {
      out.U32(balance.asset.value());
      out.I64(balance.wallet_balance);
    }
    out.U32(static_cast<uint32_t>(account.positions.size()));
    for (const PositionState& position : account.positions) {
      out.U32(position.market.value());
      out.I64(position.quantity);
      out.I64(position.cost);
    }
  }
  out.U32(static_cast<uint32_t>(state.orders.size()));
  for (const OrderState& order : state.orders) {
    out.U64(order.account.value());
    out.U64(order.order_id.value());
    out.U32(order.market.value());
    out.U8(static_cast<uint8_t>(order.side));
    out.I64(order.price);
    out.I64(order.remaining);
    out.U8(order.reduce_only ? 1 : 0);
  }
  out.U32(static_cast<uint32_t>(state.assets.size()));
  for (const AssetState& asset : state.assets) {
    out.U32(asset.asset.value());
    out.I64(asset.deposits);
    out.I64(asset.withdrawals);
    out.I64(asset.top_ups);
    out.I64(asset.insurance_fund);
    out.I64(asset.fee_account);
  }
  out.U64(state.next_internal_order_id.value());
  out.I64(state.last_time_ns);
  return out.Take();
}

namespace internal {

namespace {

template <typename LevelMap>
void ExportLevels(const LevelMap& levels, const std::vector<Order>& orders,
                  std::vector<OrderState>* out) {
  for (const auto& [price, level] : levels) {
    for (uint32_t index = level.head; index != kNil; index = orders[index].next) {
      const Order& order = orders[index];
      out->push_back({order.account, order.order_id, order.market, order.side, order.price,
                      order.remaining, order.reduce_only});
    }
  }
}

}  // namespace

EngineState Core::Export() const {
  EngineState state;
  for (const auto& [id, market] : markets_) {
    state.markets.push_back({market.spec, market.has_mark, market.mark, market.index});
    ExportLevels(market.book.bids, orders_, &state.orders);
    ExportLevels(market.book.asks, orders_, &state.orders);
  }
  for (const AccountId id : SortedAccountIds()) {
    const Account& account = accounts_.at(id);
    AccountState& out = state.accounts.emplace_back();
    out.account = id;
    for (const auto& [asset, balance] : account.wallet) out.balances.push_back({asset, balance});
    for (const auto& [market_id, position] : account.positions) {
      if (position.q != 0) out.positions.push_back({market_id, position.q, position.c});
    }
  }
  for (const auto& [id, totals] : assets_) {
    state.assets.push_back(
        {id, totals.deposits, totals.withdrawals, totals.top_ups, totals.insurance, totals.fees});
  }
  state.next_internal_order_id = next_internal_order_id_;
  state.last_time_ns = last_time_ns_;
  return state;
}

std::vector<AccountId> Core::SortedAccountIds() const {
  std::vector<AccountId> ids;
  ids.reserve(accounts_.size());
  for (const auto& entry : accounts_) ids.push_back(entry.first);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string Core::Import(const EngineState& state) {
  for (const MarketState& in : state.markets) {
    if (markets_.count(in.spec.market_id) != 0) return "duplicate market";
    if (ValidateSpec(in.spec) != Rejection::kNone) return "invalid market spec";
    if (in.mark_price < 0 || in.mark_price > kMaxPrice || (in.has_mark && in.mark_price == 0)) {
      return "invalid mark";
    }
    DoListMarket(ListMarket{in.spec});
    Market& market = markets_.at(in.spec.market_id);
    market.has_mark = in.has_mark;
    market.mark = in.mark_price;
    market.index = in.index_price;
  }
  for (const AccountState& in : state.accounts) {
    auto [it, inserted] = accounts_.try_emplace(in.account);
    if (!inserted && in.account != kLiquidationAccount) return "duplicate account";
    Account& account = it->second;
    for (const BalanceState& balance : in.balances)
      account.wallet[balance.asset] = balance.wallet_balance;
    for (const PositionState& position : in.positions) {
      const auto market = markets_.find(position.market);
      if (market == markets_.end() || position.quantity == 0) return "invalid position";
      if (position.quantity < -kMaxPosition || position.quantity > kMaxPosition) {
        return "position too large";
      }
      Position& target = PositionOf(account, market->second);
      if (target.q != 0) return "duplicate position";
      target.q = position.quantity;
      target.c = position.cost;
      market->second.holders.insert(in.account);
    }
  }
  for (const OrderState& in : state.orders) {
    const auto account = accounts_.find(in.account);
    const auto market = markets_.find(in.market);
    if (account == accounts_.end() || market == markets_.end() || in.remaining <= 0 ||
        in.account == kLiquidationAccount || in.price <= 0 || in.price > kMaxPrice ||
        in.price.value() % market->second.spec.tick_size.value() != 0 ||
        static_cast<uint8_t>(in.side) > 1 || account->second.orders.count(in.order_id) != 0) {
      return "invalid order";
    }
    RestOrder(market->second,
              PlaceOrder{in.account, in.market, in.order_id, in.side, OrderType::kLimit,
                         TimeInForce::kGtc, in.reduce_only, in.price, in.remaining},
              in.remaining);
  }
  for (const AssetState& in : state.assets) {
    AssetTotals& totals = assets_[in.asset];
    totals =
        AssetTotals{in.deposits, in.withdrawals, in.top_ups, in.insurance_fund, in.fee_account};
  }
  next_internal_order_id_ = state.next_internal_order_id;
  last_time_ns_ = state.last_time_ns;
  for (const AccountId id : SortedAccountIds()) {
    const Account& account = accounts_.at(id);
    std::set<AssetId> pools;
    for (const auto& [market_id, position] : account.positions) {
      if (position.q != 0) pools.insert(position.market->spec.quote_asset);
    }
    for (const AssetId asset : pools) {
      const PoolMargin figures = PoolFigures(account, asset);
      // A live engine liquidates such a pool at once, so no state it exports holds one.
      if (figures.maintenance != 0 && figures.equity < figures.maintenance) {
        return "account " + std::to_string(id.value()) + " is below maintenance margin";
      }
      RefreshWatch({id, asset}, figures);
    }
  }
  if (Export() != state) return "state is not in canonical order";
  return FindViolation();
}

void Core::CheckInvariants() const {
  const std::string violation = FindViolation();
  BACKSTOP_ASSERT(violation.empty(), violation);
}

std::string Core::FindViolation() const {
  std::string problem = FindMoneyViolation();
  if (problem.empty()) problem = FindBookViolation();
  return problem;
}

std::string Core::FindMoneyViolation() const {
  std::map<AssetId, Int128> quote_balance;  // Sum of (WB - sum C) per asset.
  std::map<MarketId, Int128> open_interest;
  for (const AccountId id : SortedAccountIds()) {
    const Account& account = accounts_.at(id);
    for (const auto& [asset, balance] : account.wallet) {
      if (assets_.count(asset) == 0) return "wallet in an asset without totals";
      quote_balance[asset] += Wide(balance);
    }
    for (const auto& [market_id, position] : account.positions) {
      if (position.market != &markets_.at(market_id)) return "position market pointer";
      quote_balance[position.market->spec.quote_asset] -= Wide(position.c);
      open_interest[market_id] += Wide(position.q);
      if ((position.q != 0) != (position.market->holders.count(id) != 0)) return "holders set";
      if ((position.q != 0) != position.watched) return "mark watch flag";
      if (position.q == 0 && position.c != 0) return "cost basis without position";
      if (position.q == 0 && position.open_orders == 0) return "empty position entry kept";
    }
    if (id == kLiquidationAccount) {
      if (!account.orders.empty() || !account.positions.empty()) return "account 0 not flat";
      for (const auto& [asset, balance] : account.wallet) {
        if (balance != 0) return "account 0 wallet not zero";
      }
      continue;
    }
    std::set<AssetId> pools;
    for (const auto& [market_id, position] : account.positions) {
      pools.insert(position.market->spec.quote_asset);
    }
    for (const AssetId asset : pools) {
      const PoolMargin figures = PoolFigures(account, asset);
      if (figures.maintenance > 0 && figures.equity < figures.maintenance) {
        return "account " + std::to_string(id.value()) + " left below maintenance margin";
      }
    }
  }
  for (const auto& [asset, totals] : assets_) {
    if (totals.insurance < 0) return "insurance fund negative";
    if (totals.fees < 0) return "fee account negative";
    const Int128 left = quote_balance[asset] + Wide(totals.insurance) + Wide(totals.fees);
    const Int128 right = Wide(totals.deposits) - Wide(totals.withdrawals) + Wide(totals.top_ups);
    if (left != right) return "conservation broken for asset " + std::to_string(asset.value());
  }
  for (const auto& [market_id, interest] : open_interest) {
    if (interest != 0)
      return "open interest not zero in market " + std::to_string(market_id.value());
  }
  return "";
}

std::string Core::FindBookViolation() const {
  // Book consistency: levels, order index and per-position open quantities agree. The books
  // are walked once, marking each order they list; the accounts' order indexes are then walked
  // once, each entry checked against the order it names. With equal counts that makes the
  // index and the books one-to-one. No lookup per order: this runs after every input with
  // --verify-invariants, and a per-order map lookup made it most of a long soak's time.
  std::vector<uint8_t> in_book(orders_.size(), 0);
  size_t live_orders = 0;
  for (const auto& [id, market] : markets_) {
    const MarketId market_id = id;  // A structured binding cannot be captured (C++20, clang).
    auto check_side = [&](const auto& levels, Side side) -> std::string {
      for (const auto& [price, level] : levels) {
        Quantity total{0};
        int64_t count = 0;
        for (uint32_t index = level.head; index != kNil; index = orders_[index].next) {
          if (index >= orders_.size() || in_book[index] != 0) return "book order inconsistent";
          in_book[index] = 1;
          const Order& order = orders_[index];
          if (!order.live || order.price != price || order.side != side ||
              order.market != market_id || order.remaining <= 0) {
            return "book order inconsistent";
          }
          total += order.remaining;
          ++count;
        }
        if (total != level.total || count != level.count || count == 0) return "level totals";
        live_orders += static_cast<size_t>(count);
      }
      return "";
    };
    if (std::string problem = check_side(market.book.bids, Side::kBuy); !problem.empty()) {
      return problem;
    }
    if (std::string problem = check_side(market.book.asks, Side::kSell); !problem.empty()) {
      return problem;
    }
    if (!market.book.bids.empty() && !market.book.asks.empty() &&
        market.book.bids.begin()->first >= market.book.asks.begin()->first) {
      return "crossed book in market " + std::to_string(market_id.value());
    }
  }
  size_t indexed_orders = 0;
  for (const AccountId id : SortedAccountIds()) {
    const Account& account = accounts_.at(id);
    indexed_orders += account.orders.size();
    FlatMap<MarketId, std::pair<Quantity, Quantity>> open;  // Market -> open buys, sells.
    for (const auto& [order_id, index] : account.orders) {
      if (index >= orders_.size() || in_book[index] == 0) return "order index";
      const Order& order = orders_[index];
      if (order.account != id || order.order_id != order_id) return "order index";
      auto& sums = open[order.market];
      (order.side == Side::kBuy ? sums.first : sums.second) += order.remaining;
    }
    for (const auto& [market_id, position] : account.positions) {
      const auto sums = open.find(market_id);
      const Quantity buys = sums == open.end() ? Quantity{0} : sums->second.first;
      const Quantity sells = sums == open.end() ? Quantity{0} : sums->second.second;
      if (buys != position.open_buy || sells != position.open_sell) return "open quantities";
      if (position.max_order_price != MaxOrderPrice(account, market_id)) return "max order price";
    }
  }
  if (indexed_orders != live_orders) return "order count";
  return FindWatchViolation();
}

std::string Core::FindWatchViolation() const {
  // Every watched position has a live entry, at its own key, in both heaps of its market.
  for (const auto& [market_id, market] : markets_) {
    auto keys = [](const std::vector<WatchEntry>& heap) {
      std::vector<std::pair<AccountId, uint64_t>> sorted;
      sorted.reserve(heap.size());
      for (const WatchEntry& entry : heap) sorted.emplace_back(entry.account, entry.stamp);
      std::sort(sorted.begin(), sorted.end());
      return sorted;
    };
    const auto low = keys(market.watch_low), high = keys(market.watch_high);
    for (const AccountId holder : market.holders) {
      const std::pair<AccountId, uint64_t> key{
          holder, accounts_.at(holder).positions.at(market_id).watch_stamp};
      if (!std::binary_search(low.begin(), low.end(), key) ||
          !std::binary_search(high.begin(), high.end(), key)) {
        return "mark watch heaps";
      }
    }
  }
  return "";
}

}  // namespace internal
}  // namespace engine
