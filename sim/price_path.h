// The simulator's mark price paths: the built-in scenarios (calm, crash) generated from a seed,
// and real 1-minute klines (docs/SIMULATE.md "Price walk") parsed exactly from CSV.
// Prices are engine units: quote minor units per lot. Stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/money.h"

namespace sim {

// One point of a mark path: a simulated time and the mark at that time.
struct PricePoint {
  int64_t time_ns = 0;     // Nanoseconds since the Unix epoch; strictly increasing.
  engine::Price price{0};  // > 0.
};

// One 1-minute bar (SOURCES.md kline layout), prices in engine units.
struct Kline {
  int64_t open_time_ms = 0;
  engine::Price open{0};
  engine::Price high{0};
  engine::Price low{0};
  engine::Price close{0};
};

enum class BuiltinScenario : uint8_t { kCalm = 0, kCrash = 1 };

// Limits (STYLE.md D5).
inline constexpr size_t kMaxKlineRows = 200'000;
inline constexpr size_t kMaxCsvLineBytes = 4096;
inline constexpr int kMaxStepsPerSegment = 60;

// Start of the built-in scenarios: 2024-12-31T23:30:00Z, so an hourly funding tick falls at
// midnight, 30 simulated minutes in.
inline constexpr int64_t kBuiltinStartNs = 1'735'687'800LL * 1'000'000'000LL;
inline constexpr int64_t kBuiltinStepNs = 5'000'000'000LL;      // One mark every 5 s.
inline constexpr engine::Price kBuiltinStartPrice{60'000'000};  // 60,000 USDT/BTC per 0.001.

// Parses a non-negative decimal ("119403.4") exactly, no floating point, and scales it by
// 10^scale_digits ("119403.4", 3 -> 119403400). InvalidArgument if it is not a plain decimal,
// has non-zero digits beyond scale_digits decimals, is zero, or exceeds engine::kMaxPrice.
base::Result<engine::Price> ParseDecimalPrice(std::string_view text, int scale_digits);

// Reads a kline CSV whose header starts with
// `open_time_ms,open_time_utc,open,high,low,close`; prices are scaled by 10^scale_digits.
// InvalidArgument naming the line for a bad header or row (low > open/close > high, times not
// increasing, bad numbers); NotFound/IOError if the file cannot be read; at most kMaxKlineRows.
base::Result<std::vector<Kline>> ReadKlineCsv(const std::string& path, int scale_digits);

// Walks each bar open -> nearer extreme -> farther extreme -> close (docs/SIMULATE.md), with
// `steps_per_segment` (1..kMaxStepsPerSegment) linearly interpolated marks per segment, at
// evenly spaced times inside the bar's minute.
std::vector<PricePoint> WalkKlines(const std::vector<Kline>& klines, int steps_per_segment);

// The built-in path of `scenario`, one mark every kBuiltinStepNs from kBuiltinStartNs: a
// piecewise-linear shape plus seeded mean-reverting noise (docs/SIMULATE.md "Scenarios").
std::vector<PricePoint> BuiltinPath(BuiltinScenario scenario, uint64_t seed);

}  // namespace sim
