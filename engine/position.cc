// RULEBOOK rule 9: positions with an exact cost basis. A reducing fill moves
// C_r = ceil(C*r/|Q|) (all of C when r = |Q|) and realizes -value - C_r; a flip closes then opens.

#include <algorithm>

#include "engine/internal/core.h"

namespace engine::internal {

Money& Core::Wallet(Account& account, AssetId asset) { return account.wallet[asset]; }

Position& Core::PositionOf(Account& account, Market& market) {
  auto [it, inserted] = account.positions.try_emplace(market.spec.market_id);
  if (inserted) it->second.market = &market;
  return it->second;
}

void Core::ForgetPositionIfEmpty(Account& account, MarketId market_id) {
  const auto it = account.positions.find(market_id);
  if (it == account.positions.end()) return;
  const Position& position = it->second;
  if (position.q != 0 || position.open_orders != 0) return;
  BACKSTOP_ASSERT(position.c == 0, position.c);
  BACKSTOP_ASSERT(position.open_buy == 0 && position.open_sell == 0);
  account.positions.erase(it);
}

Int128 Core::ApplyTrade(AccountId account_id, Account& account, Market& market, Quantity q,
                        Int128 value) {
  BACKSTOP_ASSERT(q != 0);
  Position& position = PositionOf(account, market);
  const Quantity before = position.q;
  Int128 realized = 0;
  Quantity open_q = q;
  Int128 open_value = value;
  if (before != 0 && (before > 0) != (q > 0)) {
    // Reducing part: r lots of the fill, valued pro rata (exact when the fill is all reducing).
    const Quantity r = std::min(Abs(q), Abs(before));
    const Quantity q_r = q > 0 ? r : -r;
    const Int128 value_r = (q_r == q) ? value : DivFloor(value * Wide(r), Abs128(q));
    const Int128 c_r =
        (r == Abs(before)) ? Wide(position.c) : DivCeil(Wide(position.c) * Wide(r), Abs128(before));
    realized = -value_r - c_r;
    AddOrDie(&position.c, -c_r);
    position.q += q_r;
    open_q = q - q_r;
    open_value = value - value_r;
  }
  if (open_q != 0) {
    AddOrDie(&position.c, open_value);
    position.q += open_q;
  }
  BACKSTOP_ASSERT(Abs(position.q) <= kMaxPosition * 2, position.q);
  if (position.q == 0) BACKSTOP_ASSERT(position.c == 0, position.c);
  AddOrDie(&Wallet(account, market.spec.quote_asset), realized);
  if (!adl_indexes_.empty() && account_id != kLiquidationAccount) {
    adl_changed_.push_back(account_id);  // Its ADL scores may have moved (fees follow).
  }
  if (before == 0 && position.q != 0) market.holders.insert(account_id);
  if (before != 0 && position.q == 0) {
    market.holders.erase(account_id);
    Unwatch(account_id, position);
    ForgetPositionIfEmpty(account, market.spec.market_id);
  }
  return realized;
}

}  // namespace engine::internal
