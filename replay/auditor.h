// The audit: re-derive the whole history and check it against the signed log. Every input is
// re-applied to a fresh engine (or to a verified snapshot) and the re-derived effects are
// compared with the logged ones byte for byte; the chain and signatures are checked as
// `verify` does; every snapshot's state hash is compared with the replayed state at its seq;
// every secondary index is compared with the entries the events imply. The log is cut at its
// verified snapshots into segments audited in parallel, one pass each (docs/AUDIT.md says why
// that is as strong as one sequential replay). Read-only. Thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/risk_engine.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "replay/data_dir.h"

namespace replay {

struct AuditOptions {
  // Verify every record's signature (in parallel), not only each group's last. Default: false.
  bool all_signatures = false;
  // Start from this snapshot (which must verify) instead of genesis; 0: genesis. Default: 0.
  ledger::SequenceNumber from_snapshot{0};
  // Called with (records replayed, records to replay). Default: none.
  std::function<void(uint64_t, uint64_t)> progress;
  // Options of the replaying engine. Default: EngineOptions().
  engine::EngineOptions engine_options;
};

// One problem found. The report lists the first of each kind, in this order: chain and
// signatures, re-derivation, snapshots.
struct AuditFinding {
  ledger::SequenceNumber seq{0};  // Where (0 when the problem has no seq).
  std::string what;
  std::string expected;  // Re-derived or recomputed value, when there is one.
  std::string found;     // Logged or stored value, when there is one.
};

struct AuditReport {
  bool ok() const { return findings.empty(); }
  uint64_t records_verified = 0;         // Chain links and hashes checked.
  uint64_t signatures_checked = 0;       // Signatures verified (records' and checkpoints').
  uint64_t checkpoints_checked = 0;      // Checkpoints matched against the tree (format 2).
  uint64_t records_replayed = 0;         // Records re-derived and compared.
  uint64_t inputs_replayed = 0;          // Inputs re-applied.
  uint64_t snapshots_checked = 0;        // Snapshot state hashes compared with the replay.
  bool indexes_checked = false;          // Every secondary index matched the events.
  ledger::SequenceNumber start_seq{0};   // Replay started after this seq (a snapshot, or 0).
  ledger::SequenceNumber head_seq{0};
  // The log ends inside this group with `unlogged_effects` of its re-derived effects not yet
  // logged (a crash between the group commits of one large input; the sequencer logs them
  // when it next opens the log). Not a finding: every logged record was re-derived.
  ledger::SequenceNumber unfinished_group{0};
  uint64_t unlogged_effects = 0;
  std::vector<AuditFinding> findings;
};

// Audits the log in data.log against `keyring`. Errors only when the audit cannot run at all
// (e.g. the snapshot asked for does not exist); everything wrong with the data is a finding.
base::Result<AuditReport> Audit(const ledger::EventLog& log, const DataDir& data,
                                const ledger::Keyring& keyring, const AuditOptions& options);

}  // namespace replay
