// `backstop simulate` as a library: builds a fresh signed log by driving a seeded venue
// (sim/venue.h) along a mark path (a built-in scenario or real klines) through the sequencer,
// then reads the log back for a report. Deterministic: the same options, seed and key give a
// byte-identical log (docs/SIMULATE.md "Determinism"). Thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/status.h"
#include "engine/risk_engine.h"
#include "ledger/keys.h"
#include "ledger/record.h"
#include "sim/tally.h"
#include "sim/venue.h"

namespace sim {

// Where a running simulation is, for progress displays.
struct SimulationProgress {
  uint64_t step = 0;   // Steps done.
  uint64_t steps = 0;  // Steps in the path.
  int64_t time_ns = 0;
  engine::Price mark{0};
  engine::Money insurance_fund{0};
  uint64_t inputs = 0;  // Submitted so far.
};

struct SimulationOptions {
  // Data directory; created if missing. It must not hold a log yet. Required.
  std::string data_dir;
  // Signs every record; its public half is written to DATA/keyring. Required.
  std::optional<ledger::PrivateKey> signing_key;
  // "calm" or "crash"; ignored when prices_csv is set. Default: "crash".
  std::string scenario = "crash";
  // A 1-minute kline CSV (the SOURCES.md layout) to use as the mark path. Default: none.
  std::string prices_csv;
  // Seeds the population, the order flow and the built-in paths. Default: 1.
  uint64_t seed = 1;
  // Traders (an odd number is rounded up: they open in long/short pairs). Default: 2000.
  int64_t traders = 2000;
  // Market makers quoting the book. Default: 4.
  int64_t market_makers = 4;
  // The fund's initial top-up in whole USDT; -1 means 10 USDT per trader. Default: -1.
  int64_t insurance_fund_usdt = -1;
  // Funding interval in seconds (ticks at multiples of it since the epoch); 0 = no funding.
  // Default: 3600.
  int64_t funding_interval_s = 3600;
  // Mean trader actions (orders, cancels, top-ups) per step. Default: 3.
  int64_t activity = 3;
  // Interpolated marks per kline segment (open->first extreme->second->close). Default: 2.
  int steps_per_segment = 2;
  // Automatic snapshots every this many records; 0 = none. Default: 0.
  uint64_t snapshot_every_records = 0;
  // The live engine's options (verify_invariants runs the O(n) checks after every input).
  // Default: EngineOptions().
  engine::EngineOptions engine_options;
  // Called after every step (on the calling thread; keep it cheap). Default: none.
  std::function<void(const SimulationProgress&)> progress;
};

// Rule 9 over the quote asset at the end of the run: quote_balances + insurance_fund +
// fee_account must equal deposits - withdrawals + top_ups.
struct Conservation {
  engine::Money quote_balances{0};  // Sum over accounts of WB - sum of C.
  engine::Money insurance_fund{0};
  engine::Money fee_account{0};
  engine::Money deposits{0};
  engine::Money withdrawals{0};
  engine::Money top_ups{0};
  bool holds() const {
    return quote_balances + insurance_fund + fee_account == deposits - withdrawals + top_ups;
  }
};

struct SimulationReport {
  std::string scenario;  // "calm", "crash", or the CSV file name.
  uint64_t seed = 0;
  int64_t traders = 0;
  int64_t market_makers = 0;
  uint64_t steps = 0;
  int64_t start_time_ns = 0;
  int64_t end_time_ns = 0;
  engine::Price mark_start{0};
  engine::Price mark_end{0};
  VenueStats venue;  // Inputs, refusals, funding ticks, mark low/high, fund at start.
  LogTally tally;    // Read back from the log.
  engine::Money fund_end{0};
  Conservation conservation;
  bool invariants_hold = false;  // RiskEngine::CheckInvariants() passed (it aborts otherwise).
  bool invariants_checked_every_input = false;  // engine_options.verify_invariants was set.
  double run_seconds = 0;    // Wall clock from the first input until all were durable.
  double tally_seconds = 0;  // Reading the log back.
  ledger::SequenceNumber head_seq{0};
  std::string head_hash;  // Hex.
  std::string chain_id;   // Hex.
  std::string key_id;     // Hex.
};

// The chain id of a simulation's log: the first 16 bytes of
// SHA-256("backstop-simulation" || seed as 8 bytes big-endian).
ledger::ChainId SimulationChainId(uint64_t seed);

// Runs a whole simulation into options.data_dir. InvalidArgument for bad options or when the
// directory already holds a log; errors of the price file, the log or the sequencer as they
// come. Engine faults abort (BACKSTOP_ASSERT), as everywhere.
base::Result<SimulationReport> RunSimulation(const SimulationOptions& options);

}  // namespace sim
