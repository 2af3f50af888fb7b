// Exact decimal display of a market's integers using its lotDecimals/quoteDecimals (integer
// arithmetic only; the digits come from text/text.h). Stateless functions, except
// LoadMarketScales which reads the log; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"
#include "engine/money.h"
#include "ledger/event_log.h"

namespace query {

// How one market's integers scale for people (marketListed of that market).
struct MarketScale {
  uint32_t market = 0;
  std::string symbol;  // "BTCUSDT".
  uint32_t quote_asset = 0;
  int lot_decimals = 0;    // One lot is 10^-lot_decimals of the base asset.
  int quote_decimals = 0;  // One quote minor unit is 10^-quote_decimals of the quote asset.
};

// Scans the log from seq 1 for marketListed events and returns every market listed up to the
// point where each market in `markets` is found and each asset in `assets` is the quote asset
// of a found market (both empty: returns at once, empty). Markets are listed near the start in
// practice; one never listed costs a scan of the whole log and is absent from the result, as
// are markets whose decimals exceed 18.
base::Result<std::map<uint32_t, MarketScale>> LoadMarketScales(const ledger::EventLog& log,
                                                               const std::set<uint32_t>& markets,
                                                               const std::set<uint32_t>& assets);
// The scale of the lowest-id market quoted in `asset`, or nullptr.
const MarketScale* ScaleOfAsset(const std::map<uint32_t, MarketScale>& scales, uint32_t asset);

// Lots in base units: lots / 10^lot_decimals.
std::string BaseQuantity(engine::Quantity lots, const MarketScale& scale);
// Quote minor units in quote units: amount / 10^quote_decimals.
std::string QuoteAmount(engine::Money amount, const MarketScale& scale);
// Price per lot as quote units per one base unit: price * 10^lot_decimals / 10^quote_decimals.
std::string QuotePrice(engine::Price price_per_lot, const MarketScale& scale);
// The exact price at which `quote` minor units settled `lots` lots, in quote units per one base
// unit: quote * 10^lot_decimals / (lots * 10^quote_decimals), with quote_decimals fraction digits
// (as QuotePrice) and as many more as it needs up to 18, then cut and marked "...". The sign is
// that of quote / lots; "-" when lots is 0.
std::string SettlementPrice(engine::Money quote, engine::Quantity lots, const MarketScale& scale);

}  // namespace query
