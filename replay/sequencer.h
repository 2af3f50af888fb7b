// The sequencer: the one owner of live engine state. It stamps each input command with a time,
// applies it to the engine, and appends [input, its effects...] as one group through the
// ledger's group commit (many commands share one sync). A command is acknowledged only when its
// group is durable. Every way in (ingest, simulate, a network gateway) goes through it.
// Thread-compatible: one thread calls Submit; acknowledgements run on the log's writer thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/risk_engine.h"
#include "ledger/event_codec.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "replay/data_dir.h"

namespace replay {

struct SequencerOptions {
  // Signs every appended record; must be the key the log expects next. Required.
  std::optional<ledger::PrivateKey> signing_key;
  // Time source; stamped times never go backwards. Required.
  ledger::Clock clock;
  // Take a snapshot after at least this many records since the last one; 0 = never.
  // Default: 0.
  uint64_t snapshot_every_records = 0;
  // Snapshots to keep (the newest); older ones are deleted after each new one. Default: 3.
  size_t keep_snapshots = 3;
  // The live engine's options (invariant checks after every input). Default: EngineOptions().
  engine::EngineOptions engine_options;
  // ledger::LogOptions::checkpoint_file: the newest checkpoint, kept outside the data
  // directory. Default: none.
  std::string checkpoint_file;
  // ledger::LogOptions::signer_threads: threads that sign and encode the records of a log that
  // signs every record; 0: one per core (a checkpoint-signed log uses none). Default: 0.
  int signer_threads = 0;
  // Called with (records replayed, records to replay) while Open recovers the engine.
  // Default: none.
  std::function<void(uint64_t, uint64_t)> recovery_progress;
};

// What Submit did with one command.
struct Submitted {
  ledger::GroupRange range;  // Seqs of [input, effects...].
  size_t effects = 0;        // Effects appended after the input.
  bool refused = false;      // The engine refused it (an OrderRejected or InputRejected).
};

class Sequencer {
 public:
  // Opens the data directory for appending and recovers the engine: the newest snapshot that
  // verifies, plus replay of the log after it (every re-derived effect is compared with the
  // logged one). Snapshots that fail to verify are skipped; each adds a line to `*warnings`.
  // NotFound if there is no log; Corruption if the log diverges from re-derivation.
  static base::Result<std::unique_ptr<Sequencer>> Open(const DataDir& data,
                                                       SequencerOptions options,
                                                       std::vector<std::string>* warnings);
  ~Sequencer();  // Flushes: waits until every submitted group is durable.
  Sequencer(const Sequencer&) = delete;
  Sequencer& operator=(const Sequencer&) = delete;

  // Stamps and applies `input`, then appends the group. Returns once the group is sequenced;
  // `done` (optional) runs on the writer thread once it is durable or has failed. A group of
  // more than ledger::kMaxGroupRecords records is appended as several submissions (each its
  // own group commit or part of one), and `done` runs once the last is durable, with the whole
  // group's range; if the process dies between them, the next Open logs the rest (see
  // ReplayResult::unfinished_group). IOError
  // once any append failed: the engine is then ahead of the log, and the sequencer refuses every
  // later command (reopen to recover). InvalidArgument, with nothing applied or appended, for
  // an input the log cannot record as given (ledger::CheckEncodable).
  // `origin` (optional): the network command's sender, recorded in the input's event
  // (ledger::EncodeOrigin) and indexed (ledger::Index::kClientCommand).
  base::Result<Submitted> Submit(const engine::Input& input, ledger::AppendCallback done = {},
                                 const ledger::CommandOrigin* origin = nullptr);
  // Waits until every submitted group is durable.
  base::Status Flush();
  // Flushes, then writes a signed snapshot of the engine at the head. Returns its seq.
  base::Result<ledger::SequenceNumber> TakeSnapshot();

  const engine::RiskEngine& engine() const { return engine_; }
  const ledger::EventLog& log() const { return *log_; }
  // The data directory it was opened on.
  const DataDir& data() const { return data_; }
  // Seq of the snapshot recovery started from (0: genesis), and records replayed after it.
  ledger::SequenceNumber recovered_from_snapshot() const { return recovered_from_; }
  uint64_t recovered_records() const { return recovered_records_; }

 private:
  // Appends `effects` continuing `group` (the last sequenced group) in submissions of at most
  // kMaxGroupRecords; `done` goes with the last. Returns the last seq.
  base::Result<ledger::SequenceNumber> AppendContinuation(ledger::SequenceNumber group,
                                                          std::span<const engine::Effect> effects,
                                                          ledger::AppendCallback done);
  Sequencer(DataDir data, SequencerOptions options, std::unique_ptr<ledger::EventLog> log,
            engine::RiskEngine engine);

  DataDir data_;
  SequencerOptions options_;
  std::unique_ptr<ledger::EventLog> log_;
  engine::RiskEngine engine_;
  std::shared_ptr<int64_t> stamp_ns_;  // The time of the command being appended.
  ledger::SequenceNumber recovered_from_{0};
  uint64_t recovered_records_ = 0;
  ledger::SequenceNumber last_snapshot_{0};
  base::Status failed_;
  std::vector<engine::Effect> effects_;  // Scratch, reused across commands.
};

}  // namespace replay
