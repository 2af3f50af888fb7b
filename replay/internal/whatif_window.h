// What the what-if (replay/whatif.cc) and the logged history (replay/logged_history.cc) share:
// the window they read, its starting state, the logged end state recovered on a second thread,
// and each account's equity at both ends. Private to replay/. Thread-compatible.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "engine/risk_engine.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "replay/data_dir.h"
#include "replay/recovery.h"
#include "replay/whatif.h"

namespace replay::internal {

// The state after record `seq` (the window's start: a snapshot, or genesis for 0) and that
// record's stored hash.
struct WindowStart {
  engine::EngineState state;
  ledger::Hash hash{};
};

// The window (start, end] of `options` (its parameters are validated too).
struct Window {
  ledger::SequenceNumber end{0};  // Rounded up to its group's end.
  WindowStart start;
};

// NotFound for an empty log, a missing snapshot or a --to beyond the head; InvalidArgument for
// bad parameters or a snapshot not before the end; Corruption for a snapshot whose log hash
// differs from the log's record.
base::Result<Window> OpenWindow(const ledger::EventLog& log, const DataDir& data,
                                const ledger::Keyring& keyring, const WhatIfOptions& options);

// Both end states, side by side, for each account's end equity in `asset`; every account
// either engine holds is added to `*accounts`.
void FillEquity(const engine::RiskEngine& logged, const engine::RiskEngine& what_if,
                const engine::RiskEngine& start, engine::AssetId asset,
                std::map<engine::AccountId, AccountOutcome>* accounts);

// The logged history's end state (Recover: the newest snapshot that verifies plus the tail,
// every effect checked), recovered on its own thread from construction on.
class LoggedEnd {
 public:
  LoggedEnd(const ledger::EventLog& log, const DataDir& data, const ledger::Keyring& keyring,
            ledger::SequenceNumber end, const engine::EngineOptions& engine_options);
  ~LoggedEnd();
  LoggedEnd(const LoggedEnd&) = delete;
  LoggedEnd& operator=(const LoggedEnd&) = delete;

  // Waits for the recovery (call once).
  base::Result<Recovered>& Wait();
  // Snapshots the recovery skipped; valid after Wait.
  std::vector<std::string>& warnings() { return warnings_; }

 private:
  ReplayOptions options_;
  std::optional<base::Result<Recovered>> result_;  // Set by the thread.
  std::vector<std::string> warnings_;
  std::thread thread_;
};

}  // namespace replay::internal
