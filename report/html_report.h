// The self-contained HTML report: one file that opens with no network, with uPlot charts (the
// library and the page's script inlined) of the mark price with liquidation and ADL markers,
// the insurance fund, liquidated and ADL'd notional per minute, the ADL queue of one event, the
// two histories overlaid when a what-if changed a rule, and tables of the accounts that lost
// most and were deleveraged most. docs/REPORT.md. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "base/strong_type_json.h"

namespace report {

// At most this many points per chart series: longer minute series are merged into buckets of
// several minutes (sums add, the fund keeps its low and its last balance, the mark its last).
inline constexpr size_t kMaxChartPoints = 3000;

struct ReportPage {
  std::string title;     // Shown at the top, e.g. the data directory.
  std::string subtitle;  // e.g. the command that made it.
  // WhatIfJson(result, params, /*minutes=*/true): what `backstop whatif --json` prints, plus the
  // per-minute buckets of both histories.
  nlohmann::json whatif;
  // `backstop adl explain SEQ --json` of the reduction whose queue the page draws; null: none.
  nlohmann::json adl_event;
};

// Merges each history's minute buckets (whatif.logged.minutes, whatif.what_if.minutes) into
// buckets of `minutes_per_point` minutes (the smallest that keeps every series within
// kMaxChartPoints), aligned on the same boundaries in both; records the figure as
// "minutes_per_point". Exposed for tests.
void Downsample(nlohmann::json* whatif);

// The page's HTML.
std::string RenderReport(ReportPage page);

// Writes RenderReport(page) to `path` (via a temporary file renamed over it). IOError naming
// the path on failure.
base::Status WriteReport(const std::string& path, ReportPage page);

}  // namespace report
