// Text in and out of queries: time arguments (ISO-8601 or epoch), and exact decimal display
// of integer amounts using a market's lotDecimals/quoteDecimals (integer arithmetic only).
// Stateless functions, except LoadMarketScales which reads the log; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "ledger/event_log.h"
#include "ledger/status.h"

namespace query {

// Parses a time argument into nanoseconds since the Unix epoch:
//  - ISO-8601 UTC: "2025-10-10T21:15:00Z", with optional fractional seconds (1-9 digits),
//    "Z" or a "+HH:MM"/"-HH:MM" offset; or a date alone, "2025-10-10" (midnight UTC).
//  - Epoch, a decimal integer, unit by magnitude of |value|: < 1e11 seconds, < 1e14
//    milliseconds, < 1e17 microseconds, otherwise nanoseconds.
// InvalidArgument naming the text and the accepted forms otherwise.
ledger::Result<int64_t> ParseTime(std::string_view text);

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
ledger::Result<std::map<uint32_t, MarketScale>> LoadMarketScales(const ledger::EventLog& log,
                                                                 const std::set<uint32_t>& markets,
                                                                 const std::set<uint32_t>& assets);
// The scale of the lowest-id market quoted in `asset`, or nullptr.
const MarketScale* ScaleOfAsset(const std::map<uint32_t, MarketScale>& scales, uint32_t asset);

// value / 10^decimals as an exact decimal string with `decimals` fraction digits
// ("-0.394" for -394, 3). decimals in [0, 30].
std::string FormatScaled(__int128 value, int decimals);
// Lots in base units: lots / 10^lot_decimals.
std::string BaseQuantity(int64_t lots, const MarketScale& scale);
// Quote minor units in quote units: amount / 10^quote_decimals.
std::string QuoteAmount(int64_t amount, const MarketScale& scale);
// Price per lot as quote units per one base unit: price * 10^lot_decimals / 10^quote_decimals.
std::string QuotePrice(int64_t price_per_lot, const MarketScale& scale);

}  // namespace query
