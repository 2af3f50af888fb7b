// The audit (see auditor.h): verify on one thread, re-derive and compare on this one.

#include "replay/auditor.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <thread>

#include "ledger/verifier.h"
#include "replay/replayer.h"
#include "snapshots/snapshot_store.h"
#include "snapshots/state_hash.h"

namespace replay {
namespace {

using ledger::SequenceNumber;
using ledger::Status;

// Every snapshot file, loaded and verified; failures become findings.
std::map<SequenceNumber, ledger::Hash> LoadSnapshots(const ledger::EventLog& log,
                                                     const DataDir& data,
                                                     const ledger::Keyring& keyring,
                                                     std::vector<AuditFinding>* findings) {
  std::map<SequenceNumber, ledger::Hash> hashes;
  if (!std::filesystem::exists(data.snapshots)) return hashes;
  snapshots::SnapshotStoreOptions store_options;
  store_options.read_only = true;
  auto store = snapshots::SnapshotStore::Open(data.snapshots, store_options);
  if (!store.ok()) {
    findings->push_back({0, "snapshot folder unreadable: " + store.status().message(), "", ""});
    return hashes;
  }
  auto list = (*store)->List();
  if (!list.ok()) {
    findings->push_back({0, "snapshot folder unreadable: " + list.status().message(), "", ""});
    return hashes;
  }
  for (const snapshots::SnapshotInfo& info : *list) {
    auto loaded = (*store)->Load(info.seq, keyring, log.chain_id());
    if (!loaded.ok()) {
      findings->push_back(
          {info.seq, "snapshot does not verify: " + loaded.status().message(), "", ""});
      continue;
    }
    if (info.seq > log.head_seq()) {
      findings->push_back({info.seq, "snapshot is beyond the head of the log", "", ""});
      continue;
    }
    auto record = log.Read(info.seq);
    if (!record.ok() || record->hash() != loaded->meta.log_head_hash) {
      findings->push_back({info.seq, "snapshot's log hash differs from the log's record",
                           record.ok() ? ledger::ToHex(record->hash()) : "",
                           ledger::ToHex(loaded->meta.log_head_hash)});
      continue;
    }
    hashes[info.seq] = loaded->state_hash;
  }
  return hashes;
}

// The engine to start from: genesis, or the verified snapshot `seq`.
ledger::Status StartFrom(const ledger::EventLog& log, const DataDir& data,
                         const ledger::Keyring& keyring, SequenceNumber seq,
                         const engine::EngineOptions& engine_options, engine::RiskEngine* engine,
                         ledger::Hash* hash) {
  if (seq == 0) return Status::OK();
  snapshots::SnapshotStoreOptions store_options;
  store_options.read_only = true;
  LEDGER_ASSIGN_OR_RETURN(auto store,
                          snapshots::SnapshotStore::Open(data.snapshots, store_options));
  LEDGER_ASSIGN_OR_RETURN(snapshots::LoadedSnapshot loaded,
                          store->Load(seq, keyring, log.chain_id()));
  LEDGER_ASSIGN_OR_RETURN(ledger::LogRecord record, log.Read(seq));
  if (record.hash() != loaded.meta.log_head_hash) {
    return Status::Corruption("audit", fmt::format("snapshot {} does not match the log", seq));
  }
  std::string error;
  auto imported = engine::RiskEngine::Import(loaded.state, &error, engine_options);
  if (!imported) return Status::Corruption("audit", "snapshot state does not import: " + error);
  *engine = std::move(*imported);
  *hash = loaded.meta.log_head_hash;
  return Status::OK();
}

}  // namespace

ledger::Result<AuditReport> Audit(const ledger::EventLog& log, const DataDir& data,
                                  const ledger::Keyring& keyring, const AuditOptions& options) {
  AuditReport report;
  report.start_seq = options.from_snapshot;
  report.head_seq = log.head_seq();
  engine::RiskEngine engine(options.engine_options);
  ledger::Hash start_hash{};
  LEDGER_RETURN_IF_ERROR(StartFrom(log, data, keyring, options.from_snapshot,
                                   options.engine_options, &engine, &start_hash));

  ledger::VerifyOptions verify_options;
  verify_options.all_signatures = options.all_signatures;
  verify_options.first = options.from_snapshot + 1;
  // The chain, signatures and indexes are checked on a second thread while this one replays.
  ledger::VerifyReport verified;
  ledger::Result<std::string> indexes = std::string();
  std::thread verifier([&] {
    verified = ledger::Verify(log, keyring, verify_options);
    indexes = log.CheckIndexes();
  });

  std::vector<AuditFinding> snapshot_findings;
  const auto snapshot_hashes = LoadSnapshots(log, data, keyring, &snapshot_findings);
  ledger::Sha256 sha;
  ReplayOptions replay_options;
  replay_options.progress = options.progress;
  replay_options.engine_options = options.engine_options;
  replay_options.after_group = [&](SequenceNumber seq, const engine::RiskEngine& state) {
    auto it = snapshot_hashes.find(seq);
    if (it == snapshot_hashes.end()) return Status::OK();
    ++report.snapshots_checked;
    const ledger::Hash replayed = snapshots::StateHash(sha, state.Export());
    if (replayed != it->second) {
      snapshot_findings.push_back({seq, "snapshot state hash differs from the replayed state",
                                   ledger::ToHex(replayed), ledger::ToHex(it->second)});
    }
    return Status::OK();
  };
  std::optional<AuditFinding> replay_finding;
  if (options.from_snapshot < log.head_seq()) {
    auto replayed =
        Replay(log, options.from_snapshot + 1, log.head_seq(), start_hash, &engine, replay_options);
    if (!replayed.ok()) {
      replay_finding = AuditFinding{0, "replay stopped: " + replayed.status().message(), "", ""};
    } else {
      report.records_replayed = replayed->records;
      report.inputs_replayed = replayed->groups;
      if (replayed->divergence) {
        const Divergence& d = *replayed->divergence;
        replay_finding = AuditFinding{d.seq, d.what, d.expected, d.found};
      }
    }
  }
  verifier.join();
  if (!indexes.ok()) {
    report.findings.push_back({0, "indexes unreadable: " + indexes.status().message(), "", ""});
  } else if (!indexes->empty()) {
    report.findings.push_back(
        {0, "index disagrees with the log: " + *indexes + " (run `backstop reindex`)", "", ""});
  } else {
    report.indexes_checked = true;
  }
  report.records_verified = verified.records_checked;
  report.signatures_checked = verified.signatures_checked;
  if (!verified.ok) report.findings.push_back({verified.first_bad_seq, verified.message, "", ""});
  if (replay_finding) report.findings.push_back(*replay_finding);
  for (AuditFinding& finding : snapshot_findings) report.findings.push_back(std::move(finding));
  return report;
}

}  // namespace replay
