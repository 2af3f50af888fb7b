// Recovery: newest valid snapshot + replay of the tail (see recovery.h).

#include "replay/recovery.h"

#include <fmt/format.h>

#include <filesystem>

#include "base/strong_type_fmt.h"
#include "snapshots/snapshot_store.h"

namespace replay {
namespace {

using base::Status;
using ledger::SequenceNumber;

// The newest snapshot <= to that verifies and matches the log, or nullopt for genesis.
base::Result<std::optional<snapshots::LoadedSnapshot>> FindSnapshot(
    const ledger::EventLog& log, const DataDir& data, const ledger::Keyring& keyring,
    SequenceNumber to, std::vector<std::string>* warnings) {
  if (!std::filesystem::exists(data.snapshots)) return std::optional<snapshots::LoadedSnapshot>();
  snapshots::SnapshotStoreOptions store_options;
  store_options.read_only = true;
  BACKSTOP_ASSIGN_OR_RETURN(auto store,
                            snapshots::SnapshotStore::Open(data.snapshots, store_options));
  SequenceNumber max_seq = to;
  while (max_seq > ledger::SequenceNumber{0}) {
    auto loaded = store->LoadNewestValid(keyring, log.chain_id(), max_seq, warnings);
    if (loaded.status().IsNotFound()) break;
    if (!loaded.ok()) return loaded.status();
    auto record = log.Read(loaded->meta.seq);
    if (record.ok() && record->hash() == loaded->meta.log_head_hash) {
      return std::optional<snapshots::LoadedSnapshot>(std::move(*loaded));
    }
    if (warnings != nullptr) {
      warnings->push_back(
          fmt::format("skipped snapshot {} ({}): its log hash does not match "
                      "record {} of the log",
                      loaded->meta.seq, loaded->path, loaded->meta.seq));
    }
    max_seq = loaded->meta.seq - 1;
  }
  return std::optional<snapshots::LoadedSnapshot>();
}

}  // namespace

base::Result<SequenceNumber> GroupEnd(const ledger::EventLog& log, SequenceNumber seq) {
  if (seq == ledger::SequenceNumber{0} || seq > log.head_seq()) {
    return Status::NotFound("log",
                            fmt::format("seq {} is beyond the head (seq {})", seq, log.head_seq()));
  }
  SequenceNumber end = seq;
  auto it = log.NewIterator(seq + 1, ledger::SequenceNumber{0});
  for (; it->Valid(); it->Next()) {
    auto record = ledger::DecodeRecord(it->value());
    if (!record.ok()) return record.status();
    if (record->group() == record->seq()) break;
    end = record->seq();
  }
  BACKSTOP_RETURN_IF_ERROR(it->status());
  return end;
}

base::Result<ledger::Keyring> LoadKeyring(const DataDir& data) {
  ledger::Keyring keyring;
  if (std::filesystem::exists(data.keyring)) {
    BACKSTOP_RETURN_IF_ERROR(keyring.AddPemDirectory(data.keyring));
  }
  return keyring;
}

base::Result<Recovered> Recover(const ledger::EventLog& log, const DataDir& data,
                                const ledger::Keyring& keyring, SequenceNumber to,
                                std::vector<std::string>* warnings, const ReplayOptions& options) {
  if (to == ledger::SequenceNumber{0}) to = log.head_seq();
  BACKSTOP_ASSIGN_OR_RETURN(auto snapshot, FindSnapshot(log, data, keyring, to, warnings));
  Recovered recovered(engine::RiskEngine(options.engine_options));
  if (snapshot) {
    std::string error;
    auto engine = engine::RiskEngine::Import(snapshot->state, &error, options.engine_options);
    if (!engine) {
      return Status::Corruption("recovery", fmt::format("snapshot {}: state does not import: {}",
                                                        snapshot->meta.seq, error));
    }
    recovered.engine = std::move(*engine);
    recovered.snapshot_seq = snapshot->meta.seq;
    recovered.seq = snapshot->meta.seq;
    recovered.hash = snapshot->meta.log_head_hash;
  }
  if (recovered.seq < to) {
    BACKSTOP_ASSIGN_OR_RETURN(
        ReplayResult result,
        Replay(log, recovered.seq + 1, to, recovered.hash, &recovered.engine, options));
    if (result.divergence) {
      const Divergence& d = *result.divergence;
      return Status::Corruption("recovery",
                                fmt::format("seq {}: {}; the log does not match re-derivation (run "
                                            "`backstop audit`)\n  expected: {}\n  found:    {}",
                                            d.seq, d.what, d.expected, d.found));
    }
    recovered.replayed_records = result.records;
    recovered.seq = result.last_seq;
    recovered.hash = result.last_hash;
    recovered.unfinished_group = result.unfinished_group;
    recovered.unlogged_effects = std::move(result.unlogged_effects);
    if (recovered.unfinished_group != ledger::SequenceNumber{0} && warnings != nullptr) {
      warnings->push_back(fmt::format(
          "the log ends inside the group of seq {}: {} effect(s) of its input are not logged "
          "yet (a crash between its group commits); they are re-derived from the input",
          recovered.unfinished_group, recovered.unlogged_effects.size()));
    }
  }
  return recovered;
}

}  // namespace replay
