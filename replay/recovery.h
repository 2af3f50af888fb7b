// Recovery: rebuild the engine as of a seq from the newest snapshot that verifies plus replay
// of the log after it, comparing every re-derived effect with the logged one. Run whenever a
// log is opened for writing, and by `backstop replay --to`. Thread-compatible.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "engine/risk_engine.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "replay/data_dir.h"
#include "replay/replayer.h"

namespace replay {

struct Recovered {
  explicit Recovered(engine::RiskEngine start) : engine(std::move(start)) {}

  engine::RiskEngine engine;
  ledger::SequenceNumber snapshot_seq{0};   // Snapshot started from; 0: genesis.
  ledger::SequenceNumber seq{0};            // Last record applied.
  ledger::Hash hash{};                      // Its hash.
  uint64_t replayed_records = 0;            // Records replayed after the snapshot.
  // The log ends inside group `unfinished_group` (a crash between the group commits of one
  // large input): the effects it has not logged yet, which `engine` already holds (see
  // ReplayResult). 0 and empty otherwise.
  ledger::SequenceNumber unfinished_group{0};
  std::vector<engine::Effect> unlogged_effects;
};

// The last seq of the group that holds `seq` (seq itself if it is the head). NotFound beyond
// the head.
base::Result<ledger::SequenceNumber> GroupEnd(const ledger::EventLog& log,
                                              ledger::SequenceNumber seq);

// Rebuilds the engine as of `to` (0: the head), which must end a group (see GroupEnd).
// Snapshots in data.snapshots (if the folder exists) that fail to verify against `keyring` and
// the log's chain are skipped, each adding a line to `*warnings`; a snapshot whose log hash
// differs from the log's record is skipped the same way. Corruption if the replay diverges
// (naming the seq); other errors as Replay. A log that ends inside a group adds a warning line
// and returns the group's unlogged effects.
base::Result<Recovered> Recover(const ledger::EventLog& log, const DataDir& data,
                                const ledger::Keyring& keyring, ledger::SequenceNumber to,
                                std::vector<std::string>* warnings,
                                const ReplayOptions& options = ReplayOptions());

// Loads data.keyring (if present) into a keyring; IOError/InvalidArgument on a bad file.
base::Result<ledger::Keyring> LoadKeyring(const DataDir& data);

}  // namespace replay
