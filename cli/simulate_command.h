// `backstop simulate`: run a seeded venue (a built-in scenario or real klines) through the
// sequencer into a fresh signed log, with a progress line and a summary (docs/SIMULATE.md).
#pragma once

#include <cstdint>
#include <string>

namespace cli {

struct SimulateOptions {
  std::string data_dir;            // Must not hold a log yet; created if missing.
  std::string key_file;            // Private key (from keygen) that signs every record.
  std::string scenario = "crash";  // "calm" or "crash"; ignored with --prices.
  std::string prices;              // 1-minute kline CSV to use as the mark path.
  uint64_t seed = 1;
  int64_t accounts = 2000;  // Traders (rounded up to an even number).
  int64_t market_makers = 4;
  int64_t insurance_fund = -1;  // Initial fund in whole USDT; -1: 10 USDT per trader.
  int64_t funding_interval_s = 3600;
  int64_t activity = 3;            // Mean trader actions per step.
  int steps_per_segment = 2;       // Interpolated marks per kline segment.
  uint64_t snapshot_every = 0;     // Records between automatic snapshots; 0 = none.
  bool verify_invariants = false;  // Run the engine's O(n) checks after every input.
  bool json = false;               // Summary as one JSON object.
  std::string report;              // Also write the HTML report here (docs/REPORT.md).
};

// Returns kExitOk after a complete run, kExitError for bad options or an existing log, and
// kExitFinding if the conservation check fails (the engine aborts first on a broken invariant).
int RunSimulate(const SimulateOptions& options);

}  // namespace cli
