// The one loop that drives the engine from the log: each group's input is fed to the engine
// and the effects it re-derives are compared, byte for byte (canonical Cap'n Proto), with the
// effects that were logged after it. Recovery, audit and `replay --to` all run this loop.
// Thread-compatible: one call at a time per engine.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/risk_engine.h"
#include "ledger/event_log.h"

namespace replay {

// The first place where the log and the re-derivation disagree.
struct Divergence {
  ledger::SequenceNumber seq{0};   // The logged record (or the slot) where they part.
  std::string what;                // e.g. "effect differs", "logged effect missing".
  std::string expected;            // What re-derivation produced (capnp text), if anything.
  std::string found;               // What the log holds (capnp text), if anything.
};

// The what-if mode of the loop (replay/whatif.h): the logged inputs run under other parameters.
// In this mode the loop hands each input to Apply (which may rewrite it, drop it or add inputs)
// instead of the engine, shows every logged effect to Logged, and every group's re-derived
// effects to Derived; re-derived and logged effects are compared byte for byte only until the
// first difference (ReplayResult::first_difference), which does not stop the replay.
class WhatIfHooks {
 public:
  virtual ~WhatIfHooks() = default;
  // Applies the logged input `input` (record `record`) to `engine`, appending to `*effects`.
  virtual void Apply(const ledger::LogRecord& record, const engine::Input& input,
                     engine::RiskEngine* engine, std::vector<engine::Effect>* effects) = 0;
  // A logged effect record, in log order.
  virtual void Logged(const ledger::LogRecord& record) = 0;
  // The effects re-derived for group `group`, once every logged effect of it has been seen.
  virtual void Derived(ledger::SequenceNumber group,
                       const std::vector<engine::Effect>& effects) = 0;
};

struct ReplayOptions {
  // Compare re-derived effects with the logged ones; off only to measure the apply cost.
  // Default: true.
  bool compare_effects = true;
  // Called after each whole group is applied, with the group's last seq and the engine;
  // a non-OK Status stops the replay and is returned. Default: none.
  std::function<base::Status(ledger::SequenceNumber, const engine::RiskEngine&)> after_group;
  // Called with (records done, records total) about every 65536 records. Default: none.
  std::function<void(uint64_t, uint64_t)> progress;
  // Options of engines that replay creates (from genesis or a snapshot). Invariant checks
  // after every input cost O(accounts); the CLI turns them off unless asked.
  // Default: EngineOptions() (on in BACKSTOP_VERIFY builds).
  engine::EngineOptions engine_options;
  // What-if mode (see WhatIfHooks); must outlive the replay. Default: none (replay and audit).
  WhatIfHooks* what_if = nullptr;
};

struct ReplayResult {
  uint64_t records = 0;                  // Records read.
  uint64_t groups = 0;                   // Inputs applied.
  ledger::SequenceNumber last_seq{0};    // Last record applied (first - 1 if none).
  ledger::Hash last_hash{};              // Its stored hash.
  std::optional<Divergence> divergence;  // Set when re-derivation and the log disagree.
  // When the records end inside a group that has not logged all its effects yet: an input
  // whose effects exceed kMaxGroupRecords is logged over several group commits, and a crash
  // between them leaves its first part. Then the group's seq and the re-derived effects the
  // log does not hold (the engine holds the state after the whole input); the sequencer logs
  // them when it next opens the log (docs/formats/event_log.md, "Groups larger than one
  // submission").
  ledger::SequenceNumber unfinished_group{0};
  std::vector<engine::Effect> unlogged_effects;
  // What-if mode: where the what-if history first parts from the logged one (none: it never
  // does, effect for effect). `divergence` then reports only a malformed log.
  std::optional<Divergence> first_difference;
};

// The replay loop fed one decoded record at a time, for callers that read the log themselves
// (the audit decodes each record once for the chain check and the replay). Replay() below is
// this over an iterator. Thread-compatible.
class ReplayStepper {
 public:
  // `engine` must hold the state after record first - 1, whose stored hash is `start_hash`;
  // `engine` and `options` must outlive the stepper. Effects are compared in the form of a
  // log of `format_version` (EventLog::format_version()).
  ReplayStepper(engine::RiskEngine* engine, const ReplayOptions& options,
                ledger::SequenceNumber first, const ledger::Hash& start_hash,
                uint32_t format_version);
  ~ReplayStepper();
  ReplayStepper(const ReplayStepper&) = delete;
  ReplayStepper& operator=(const ReplayStepper&) = delete;

  // Applies or checks the next record (seq result().last_seq + 1). A divergence is recorded in
  // result() and ends the replay: feed nothing more after one. Corruption for a broken chain
  // link or an input that does not decode (also final); a non-OK after_group is returned.
  base::Status Feed(const ledger::LogRecord& record);
  // After the last record: ends the open group; the effects it has not logged yet are
  // returned in result() (see ReplayResult::unfinished_group), not as a divergence.
  base::Status Finish();
  const ReplayResult& result() const { return result_; }

 private:
  class GroupCheck;
  base::Result<std::optional<Divergence>> Step(const ledger::LogRecord& record);
  base::Status FinishGroup(ledger::SequenceNumber next_seq);
  base::Status WhatIfEffect(const ledger::LogRecord& record);

  engine::RiskEngine* engine_;
  const ReplayOptions& options_;
  std::unique_ptr<GroupCheck> group_;
  ReplayResult result_;
};

// Feeds records [first, last] (last 0: to the head) of `log` to `engine`. `first` must start a
// group, and `engine` must hold the state after record first - 1. The chain links are checked
// (each record's prev_hash is the stored hash of the record before it; `start_hash` for
// first), not recomputed: that is ledger::Verify's job. Stops at the first divergence
// (returned in the result, with the engine left mid-group). Corruption for undecodable
// records or broken links; IOError on storage errors.
base::Result<ReplayResult> Replay(const ledger::EventLog& log, ledger::SequenceNumber first,
                                  ledger::SequenceNumber last, const ledger::Hash& start_hash,
                                  engine::RiskEngine* engine, const ReplayOptions& options);

}  // namespace replay
