// What-if: the logged inputs replayed in memory through a fresh engine under other rules (ADL
// policy, insurance fund, maintenance margin rates, Phase B slippage cap), and the outcome set
// beside the logged one. This is the what-if mode of the one replay loop (replayer.h,
// WhatIfHooks): the parameters are changed by rewriting the inputs that carry them (market
// listings and changes, fund top-ups) or, from a snapshot, the starting state; the engine is the
// same. Until the two histories part, the re-derived effects are compared byte for byte with
// the logged ones, so with no parameter changed the what-if reproduces the log exactly
// (first_difference stays empty). The log is only read. docs/WHATIF.md. Thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/risk_engine.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "replay/data_dir.h"
#include "replay/replayer.h"

namespace replay {

// The rules to change. Unset fields keep the logged ones.
struct WhatIfParams {
  // Change only this market (and the fund of its quote asset). Default: every market and asset.
  std::optional<engine::MarketId> market;
  // Every listing and change of the markets in scope ranks ADL with this policy.
  std::optional<engine::AdlPolicy> adl_policy;
  // The fund starts the window with this amount (quote minor units): from a snapshot, its
  // balance there is set to it; from genesis, the window's first logged top-up of each asset in
  // scope is replaced by one of this amount. Exclusive with fund_scale_pct.
  std::optional<engine::Money> insurance_fund;
  // Every logged top-up in scope (and, from a snapshot, the fund's balance there) times PCT/100,
  // rounded down. Exclusive with insurance_fund.
  std::optional<int64_t> fund_scale_pct;
  // Every risk tier's maintenance margin rate times PCT/100 (PCT >= 1), rounded up (capped at
  // 1e8); a
  // tier whose max leverage would then break mmr * max_leverage <= 1e8 gets the largest
  // leverage that keeps it (at least 1).
  std::optional<int64_t> mmr_scale_pct;
  // The Phase B price cap from mark (rate e8; 0 = none).
  std::optional<engine::RateE8> max_slippage_e8;

  bool changes_anything() const {
    return adl_policy || insurance_fund || fund_scale_pct || mmr_scale_pct || max_slippage_e8;
  }
};

// InvalidArgument for values out of range (negative amounts or percentages, both fund options).
base::Status ValidateWhatIfParams(const WhatIfParams& params);

// `spec` as the what-if lists it (unchanged when out of scope).
engine::MarketSpec ApplyToSpec(const WhatIfParams& params, const engine::MarketSpec& spec);

struct FundPath {
  engine::AssetId asset{0};
  engine::Money start{0};  // At the start of the window.
  engine::Money low{0};    // Lowest balance a credit or draw left (the start if none).
  engine::Money end{0};
  bool operator==(const FundPath&) const = default;
};

// One minute of a history (for charts): sums over the effects stamped in it, and the fund and
// mark at its end. Only kept when WhatIfOptions::minutes is set.
struct MinuteBucket {
  int64_t minute = 0;         // time_ns / 60e9 (minutes since the Unix epoch).
  uint64_t liquidations = 0;  // Liquidation effects (positions taken over).
  uint64_t adl_reductions = 0;
  engine::Money liquidated_notional{0};  // Sum of |position| * mark of the take-overs.
  engine::Money adl_notional{0};         // Sum of quantity * bankruptcy price.
  engine::Money fund_end{0};             // Fund of the report asset after the minute.
  engine::Money fund_low{0};             // Its lowest balance in the minute.
  engine::Price mark_last{0};            // Report market's last mark in the minute (0: none).
  bool operator==(const MinuteBucket&) const = default;
};

// What one history did in the window.
struct HistoryOutcome {
  uint64_t liquidations = 0;             // Liquidation effects (positions taken over).
  engine::Quantity phase_a_quantity{0};  // Lots closed in the book within the bankruptcy price.
  engine::Quantity phase_b_quantity{0};  // Lots closed in the book with a fund draw.
  engine::Quantity phase_c_quantity{0};  // Lots closed by ADL.
  engine::Money liquidated_notional{0};  // Sum of |position| * mark at the take-overs.
  uint64_t adl_reductions = 0;
  engine::Money adl_notional{0};  // Sum of quantity * bankruptcy price.
  uint64_t adl_accounts_hit = 0;  // Distinct counterparties reduced.
  engine::Money socialized_loss{0};
  uint64_t fund_draws = 0;
  std::vector<FundPath> funds;        // Ascending asset (every asset whose fund moved or existed).
  std::vector<MinuteBucket> minutes;  // Ascending minute; only with WhatIfOptions::minutes.
  bool operator==(const HistoryOutcome&) const = default;
};

// One account in both histories (index 0: logged, 1: what-if).
struct AccountOutcome {
  engine::AccountId account{0};
  uint64_t liquidations[2] = {0, 0};
  uint64_t adl_reductions[2] = {0, 0};
  engine::Quantity adl_quantity[2] = {};
  engine::Money start_equity{0};        // In the report asset, at the window start.
  engine::Money end_equity[2] = {};     // In the report asset, at each history's last marks.
  engine::Money net_transfers[2] = {};  // Accepted deposits - withdrawals in the window.
  // end_equity - start_equity - net_transfers: what the account made (< 0: lost).
  engine::Money pnl(int side) const {
    return end_equity[side] - start_equity - net_transfers[side];
  }
  bool operator==(const AccountOutcome&) const = default;
};

struct WhatIfOptions {
  WhatIfParams params;
  // Start from this snapshot (which must verify); 0: genesis. Default: 0.
  ledger::SequenceNumber from_snapshot{0};
  // Last record (rounded up to its group's end); 0: the head. Default: 0.
  ledger::SequenceNumber to{0};
  // Keep per-minute buckets (HistoryOutcome::minutes). Default: false.
  bool minutes = false;
  // Called with (records done, records total) by the what-if replay. Default: none.
  std::function<void(uint64_t, uint64_t)> progress;
  // Options of both engines. Default: EngineOptions().
  engine::EngineOptions engine_options;
};

struct WhatIfResult {
  ledger::SequenceNumber start_seq{0};  // The window is (start_seq, end_seq].
  ledger::SequenceNumber end_seq{0};
  int64_t start_time_ns = 0;  // Stamps of the window's first and last records.
  int64_t end_time_ns = 0;
  uint64_t records = 0;               // Records read.
  uint64_t inputs = 0;                // Logged inputs (groups) replayed.
  engine::AssetId report_asset{0};    // Equity and the minute fund are in this asset.
  engine::MarketId report_market{0};  // Minute marks are of this market: --market, or the
                                      // first listed one.
  std::string report_symbol;          // Its symbol and display decimals.
  int32_t quote_decimals = 0;
  int32_t lot_decimals = 0;
  HistoryOutcome logged;
  HistoryOutcome what_if;
  // Every account that either history names, ascending id.
  std::vector<AccountOutcome> accounts;
  // Where the what-if first differs from the log, effect for effect (none: it never does).
  std::optional<Divergence> first_difference;
  // Snapshots skipped by the recovery of the logged end; a --market never listed.
  std::vector<std::string> warnings;
};

// Runs the what-if over data.log. The logged history's end state comes from Recover (snapshot
// plus replay, every effect checked) on a second thread. NotFound for a missing snapshot or a
// seq beyond the head; InvalidArgument for bad parameters; Corruption if the log diverges
// from its own re-derivation or is malformed; IOError on storage errors.
base::Result<WhatIfResult> RunWhatIf(const ledger::EventLog& log, const DataDir& data,
                                     const ledger::Keyring& keyring, const WhatIfOptions& options);

}  // namespace replay
