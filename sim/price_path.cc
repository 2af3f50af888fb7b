// Built-in price paths and exact kline CSV parsing and walking (see price_path.h).

#include "sim/price_path.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <system_error>

#include "sim/rng.h"

namespace sim {

namespace {

using base::Status;
using engine::Price;

constexpr std::string_view kKlineHeader = "open_time_ms,open_time_utc,open,high,low,close";
constexpr int64_t kMinuteNs = 60'000'000'000LL;
constexpr int64_t kPpm = 1'000'000;

// Splits a CSV line on commas (the kline files have no quoting).
std::vector<std::string_view> SplitCsv(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
}

bool ParseInt64(std::string_view text, int64_t* value) {
  if (text.empty() || text.size() > 18) return false;
  int64_t result = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    result = result * 10 + (c - '0');
  }
  *value = result;
  return true;
}

base::Result<Kline> ParseKlineRow(std::string_view line, int scale_digits) {
  const std::vector<std::string_view> fields = SplitCsv(line);
  if (fields.size() < 6) return Status::InvalidArgument("kline", "fewer than 6 columns");
  Kline kline;
  if (!ParseInt64(fields[0], &kline.open_time_ms)) {
    return Status::InvalidArgument("kline", fmt::format("bad open_time_ms '{}'", fields[0]));
  }
  Price* prices[4] = {&kline.open, &kline.high, &kline.low, &kline.close};
  for (int i = 0; i < 4; ++i) {
    BACKSTOP_ASSIGN_OR_RETURN(*prices[i], ParseDecimalPrice(fields[2 + i], scale_digits));
  }
  const bool consistent = kline.low <= kline.open && kline.low <= kline.close &&
                          kline.high >= kline.open && kline.high >= kline.close;
  if (!consistent) return Status::InvalidArgument("kline", "low/high do not bound open/close");
  return kline;
}

// a + (b - a) * j / n, truncated toward a (exact integers).
Price Interpolate(Price a, Price b, int64_t j, int64_t n) {
  BACKSTOP_ASSERT(n > 0 && j >= 0 && j <= n, j, n);
  return a + engine::Narrow<Price>(engine::Wide(b - a) * j / n);
}

// The shape of a built-in scenario: (minute, offset from the start price in ppm) anchors.
struct Anchor {
  int64_t minute;
  int64_t offset_ppm;
};

const std::vector<Anchor>& Anchors(BuiltinScenario scenario) {
  static const std::vector<Anchor> kCalm = {
      {0, 0}, {15, 7'000}, {30, -8'000}, {45, 5'000}, {60, 0}};
  // Quiet, a small rally, then -30% between minutes 19 and 25, a rebound to about -17% and
  // a choppy tail.
  static const std::vector<Anchor> kCrash = {{0, 0},         {15, 3'000},    {19, 0},
                                             {21, -60'000},  {23, -180'000}, {25, -300'000},
                                             {27, -290'000}, {30, -200'000}, {38, -170'000},
                                             {50, -190'000}, {60, -180'000}};
  return scenario == BuiltinScenario::kCalm ? kCalm : kCrash;
}

// Noise amplitude (ppm per step) at `minute`: calm 150; the crash window 2,500; else 400.
int64_t NoisePpm(BuiltinScenario scenario, int64_t minute) {
  if (scenario == BuiltinScenario::kCalm) return 150;
  return (minute >= 19 && minute < 30) ? 2'500 : 400;
}

}  // namespace

base::Result<Price> ParseDecimalPrice(std::string_view text, int scale_digits) {
  BACKSTOP_ASSERT(scale_digits >= 0 && scale_digits <= 9, scale_digits);
  const auto bad = [&](const char* why) {
    return Status::InvalidArgument("price", fmt::format("'{}': {}", text, why));
  };
  if (text.empty() || text.size() > 40) return bad("empty or too long");
  engine::Int128 value = 0;
  int fraction_digits = -1;  // -1: no '.' seen yet.
  bool any_digit = false;
  for (const char c : text) {
    if (c == '.') {
      if (fraction_digits >= 0) return bad("two decimal points");
      fraction_digits = 0;
      continue;
    }
    if (c < '0' || c > '9') return bad("not a plain decimal");
    any_digit = true;
    if (fraction_digits >= 0 && ++fraction_digits > scale_digits) {
      if (c != '0') return bad("more decimals than the price scale holds");
      continue;
    }
    value = value * 10 + (c - '0');
    if (value > engine::kMaxPrice) return bad("too large");
  }
  if (!any_digit) return bad("no digits");
  for (int i = std::max(fraction_digits, 0); i < scale_digits; ++i) value *= 10;
  if (value <= 0) return bad("not positive");
  if (value > engine::kMaxPrice) return bad("too large");
  return engine::Narrow<Price>(value);
}

base::Result<std::vector<Kline>> ReadKlineCsv(const std::string& path, int scale_digits) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("prices", fmt::format("cannot read {}", path));
  std::string line;
  if (!std::getline(in, line) || line.rfind(kKlineHeader, 0) != 0) {
    return Status::InvalidArgument(
        "prices", fmt::format("{}:1: the header must start with {}", path, kKlineHeader));
  }
  std::vector<Kline> klines;
  for (size_t number = 2; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::string where = fmt::format("{}:{}: ", path, number);
    if (line.size() > kMaxCsvLineBytes || klines.size() >= kMaxKlineRows) {
      return Status::InvalidArgument("prices",
                                     fmt::format("{}line too long or too many rows", where));
    }
    auto kline = ParseKlineRow(line, scale_digits);
    if (!kline.ok()) return Status::InvalidArgument("prices", where + kline.status().message());
    if (!klines.empty() && kline->open_time_ms <= klines.back().open_time_ms) {
      return Status::InvalidArgument("prices", fmt::format("{}open times must increase", where));
    }
    klines.push_back(*kline);
  }
  if (in.bad()) return Status::IOError("prices", fmt::format("error reading {}", path));
  if (klines.empty()) return Status::InvalidArgument("prices", fmt::format("{}: no rows", path));
  return klines;
}

std::vector<PricePoint> WalkKlines(const std::vector<Kline>& klines, int steps_per_segment) {
  BACKSTOP_ASSERT(steps_per_segment >= 1 && steps_per_segment <= kMaxStepsPerSegment,
                  steps_per_segment);
  const int64_t s = steps_per_segment;
  const int64_t points_per_bar = 3 * s + 1;
  std::vector<PricePoint> path;
  path.reserve(klines.size() * static_cast<size_t>(points_per_bar));
  for (const Kline& bar : klines) {
    // The extreme nearer the open comes first; on a tie, the one farther from the close (so
    // the bar ends travelling toward its close); on a further tie, the high.
    const Price up = bar.high - bar.open;
    const Price down = bar.open - bar.low;
    bool high_first = up < down;
    if (up == down) high_first = (bar.high - bar.close) >= (bar.close - bar.low);
    const Price first = high_first ? bar.high : bar.low;
    const Price second = high_first ? bar.low : bar.high;
    const Price anchors[4] = {bar.open, first, second, bar.close};
    const int64_t start_ns = bar.open_time_ms * 1'000'000;
    path.push_back({start_ns, bar.open});
    for (int64_t segment = 0; segment < 3; ++segment) {
      for (int64_t j = 1; j <= s; ++j) {
        const int64_t k = segment * s + j;
        path.push_back({start_ns + kMinuteNs * k / points_per_bar,
                        Interpolate(anchors[segment], anchors[segment + 1], j, s)});
      }
    }
  }
  return path;
}

std::vector<PricePoint> BuiltinPath(BuiltinScenario scenario, uint64_t seed) {
  const std::vector<Anchor>& anchors = Anchors(scenario);
  const int64_t minutes = anchors.back().minute;
  const int64_t steps = minutes * kMinuteNs / kBuiltinStepNs;
  SplitMix64 rng = SplitMix64::Stream(seed, /*purpose=*/1);
  std::vector<PricePoint> path;
  path.reserve(static_cast<size_t>(steps) + 1);
  int64_t deviation_ppm = 0;
  size_t anchor = 0;
  for (int64_t step = 0; step <= steps; ++step) {
    const int64_t elapsed_ns = step * kBuiltinStepNs;
    while (anchor + 2 < anchors.size() && anchors[anchor + 1].minute * kMinuteNs <= elapsed_ns) {
      ++anchor;
    }
    const Anchor& from = anchors[anchor];
    const Anchor& to = anchors[anchor + 1];
    const int64_t span_ns = (to.minute - from.minute) * kMinuteNs;
    const int64_t into_ns = std::min(elapsed_ns - from.minute * kMinuteNs, span_ns);
    const int64_t shape_ppm =
        from.offset_ppm +
        static_cast<int64_t>(engine::Int128{to.offset_ppm - from.offset_ppm} * into_ns / span_ns);
    // Mean-reverting noise: each step keeps 7/8 of the deviation and adds a uniform shock.
    const int64_t amplitude = NoisePpm(scenario, elapsed_ns / kMinuteNs);
    deviation_ppm = deviation_ppm * 7 / 8 + rng.Between(-amplitude, amplitude);
    const int64_t factor_ppm = std::max<int64_t>(kPpm + shape_ppm + deviation_ppm, kPpm / 100);
    const Price price = engine::Narrow<Price>(engine::Wide(kBuiltinStartPrice) * factor_ppm / kPpm);
    path.push_back({kBuiltinStartNs + elapsed_ns, price});
  }
  return path;
}

}  // namespace sim
