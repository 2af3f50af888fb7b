// Reads a simulation's log back and counts what happened: events by type, liquidations,
// insurance-fund draws, ADL reductions, socialized loss. The figures come from the signed
// records themselves, not from the simulator's own bookkeeping. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "engine/money.h"
#include "ledger/event_log.h"

namespace sim {

struct LogTally {
  uint64_t records = 0;
  uint64_t inputs = 0;
  uint64_t effects = 0;
  // (event type, count) in schema order, only types that occur; the type is the schema's
  // union member name in snake_case, as `backstop log show --json` prints it.
  std::vector<std::pair<std::string, uint64_t>> events_by_type;
  uint64_t liquidations = 0;             // Liquidation effects (one per liquidated position).
  uint64_t liquidated_accounts = 0;      // Distinct accounts liquidated.
  engine::Money liquidated_notional{0};  // Sum of |position| * mark at liquidation.
  uint64_t liquidation_fills_a = 0;      // Phase A fills (at or better than bankruptcy).
  uint64_t liquidation_fills_b = 0;      // Phase B fills (paid by the fund).
  uint64_t fund_draws = 0;
  engine::Money fund_drawn{0};     // Sum of draw amounts.
  engine::Money fund_credited{0};  // Credits other than top-ups.
  engine::Money fund_low{0};       // Lowest balance after a draw (or the start balance).
  uint64_t adl_queues = 0;
  uint64_t adl_reductions = 0;
  uint64_t adl_accounts = 0;         // Distinct counterparties reduced.
  engine::Quantity adl_quantity{0};  // Lots taken by ADL.
  engine::Money adl_notional{0};     // Sum of reduction quotes (cash at bankruptcy prices).
  engine::Money socialized_loss{0};
  uint64_t refusals = 0;  // orderRejected + inputRejected effects.
};

// Reads every record of `log` (which must not be appended to meanwhile). `fund_start` is the
// fund balance when trading began. Corruption if a record does not decode.
base::Result<LogTally> TallyLog(const ledger::EventLog& log, engine::Money fund_start);

}  // namespace sim
