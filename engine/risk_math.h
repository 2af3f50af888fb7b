// The pure integer formulas of RULEBOOK rules 2 and 6, public for queries, displays and tests:
// tier maintenance amounts, MM and IM of one position, and the ADL ranking scores.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/events.h"
#include "engine/money.h"

namespace engine {

// cum_t of every tier at scale 1e-8 (exact): cum_0 = 0, cum_t = cum_{t-1} + floor_t*(mmr_t -
// mmr_{t-1}). The maintenance amount in quote units is cum_e8 / 1e8.
std::vector<Int128> MaintenanceAmountsE8(const MarketSpec& spec);
// Index of the tier covering `notional` (floor_t <= N < floor_{t+1}).
int TierIndexFor(const MarketSpec& spec, Int128 notional);
// MM = ceil((N*mmr_t - cum_t) / 1e8) for N > 0, else 0. `cum_e8` from MaintenanceAmountsE8.
Int128 MaintenanceMarginFor(const MarketSpec& spec, const std::vector<Int128>& cum_e8,
                            Int128 notional);
// IM = ceil(N / max_leverage_t).
Int128 InitialMarginFor(const MarketSpec& spec, Int128 notional);

// BitMEX: pnl_e12 = floor((Q*P - C)*1e12 / max(|C|,1)), lev_e6 = floor(|Q|*P*1e6 / max(E,1));
// profit or flat: floor(pnl_e12*lev_e6/1e6); loss: floor(pnl_e12*1e6/max(lev_e6,1)).
int64_t BitmexScoreE12(Quantity q, Money cost, Price mark, Int128 equity);
// Binance LeveragePnL: floor(max(0,UPnL)*1e12/max(WB,1)) * floor(MM*1e6/E if E>0 else 0) / 1e6.
int64_t BinanceLeveragePnlScoreE12(Quantity q, Money cost, Price mark, Money wallet_balance,
                                   Int128 maintenance, Int128 equity);
// Hyperliquid: longs floor(N*1e6/max(|C|,1)) * floor(N*1e6/max(E,1)); shorts (our reading of
// RULEBOOK 5.5) floor(|C|*1e6/max(N,1)) * floor(N*1e6/max(E,1)).
int64_t HyperliquidScoreE12(Quantity q, Money cost, Price mark, Int128 equity);
// Pro-rata ranks by size |Q| (it allocates by size; the rank only orders the listing).
int64_t ProRataScore(Quantity q);
// The score under `policy` from the figures an AdlReduction records.
int64_t AdlScoreOf(AdlPolicy policy, const AdlScoreInputs& inputs);

}  // namespace engine
