// The audit (see auditor.h). The log is cut at its verified snapshots into segments that are
// audited in parallel, each in one pass: every record is decoded once, then checked by a
// ChainVerifier (chain, keys, group-commit signatures), re-derived by a ReplayStepper started
// from the snapshot at the segment's start, and its index entries added to a digest.
//
// Why the parallel audit equals a sequential one: segment k replays from snapshot s_k, and
// segment k - 1 compares its replayed state at s_k with that snapshot's state hash. Segment k
// is accepted only when that comparison passed (and segment k - 1 reached s_k cleanly, and no
// key rotation before s_k could change which keys segment k trusts); otherwise everything
// from s_k on is audited again in one sequential segment continuing segment k - 1's state.
#include "replay/auditor.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "base/strong_type_fmt.h"
#include "ledger/verifier.h"
#include "replay/replayer.h"
#include "snapshots/snapshot_store.h"
#include "snapshots/state_hash.h"

namespace replay {
namespace {

using base::Status;
using ledger::SequenceNumber;

constexpr uint64_t kProgressEveryRecords = 1 << 16;

// The verified snapshots, by seq.
using Snapshots = std::map<SequenceNumber, snapshots::LoadedSnapshot>;

// Every snapshot file, loaded and verified (signature, chain id, and its log hash against the
// log's record); failures become findings.
Snapshots LoadSnapshots(const ledger::EventLog& log, const DataDir& data,
                        const ledger::Keyring& keyring, std::vector<AuditFinding>* findings) {
  Snapshots loaded_snapshots;
  if (!std::filesystem::exists(data.snapshots)) return loaded_snapshots;
  snapshots::SnapshotStoreOptions store_options;
  store_options.read_only = true;
  auto store = snapshots::SnapshotStore::Open(data.snapshots, store_options);
  if (!store.ok()) {
    findings->push_back({ledger::SequenceNumber{0},
                         "snapshot folder unreadable: " + store.status().message(), "", ""});
    return loaded_snapshots;
  }
  auto list = (*store)->List();
  if (!list.ok()) {
    findings->push_back({ledger::SequenceNumber{0},
                         "snapshot folder unreadable: " + list.status().message(), "", ""});
    return loaded_snapshots;
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
    loaded_snapshots.emplace(info.seq, std::move(*loaded));
  }
  return loaded_snapshots;
}

// Why snapshot `seq` cannot start the audit: its finding, if loading it made one.
std::string StartProblem(const std::vector<AuditFinding>& findings, SequenceNumber seq,
                         const Status& status) {
  for (const AuditFinding& finding : findings) {
    if (finding.seq == seq) return finding.what;
  }
  return status.message();
}

// One range of records [first, last] (last 0: to the head) and what auditing it found.
struct Segment {
  SequenceNumber first{1};
  SequenceNumber last{0};
  std::unique_ptr<engine::RiskEngine> engine;  // The start state, then the state reached.
  ledger::Hash start_hash{};                   // Stored hash of record first - 1.
  std::vector<ledger::PublicKey> prior_keys;   // Keys rotations before `first` introduced.
  Status start_status;                         // Why the start state could not be built.
  bool replay = true;  // Re-derive (else only verify and digest the indexes).

  ledger::VerifyReport verified;
  Status replay_status;  // Corruption that stopped the replay.
  ReplayResult replayed;
  bool replay_stopped = false;  // Stopped before `last` (divergence, error, chain failure).
  uint64_t snapshots_checked = 0;
  bool end_snapshot_matched = false;  // The replayed state at `last` matched snapshot `last`.
  std::vector<AuditFinding> snapshot_findings;
  ledger::IndexDigest index_digest;
};

// Everything a segment run needs besides its segment.
struct AuditContext {
  AuditContext(const ledger::EventLog& log, const ledger::Keyring& keyring,
               const AuditOptions& options, const Snapshots& snapshots)
      : log(log), keyring(keyring), options(options), snapshots(snapshots) {}

  const ledger::EventLog& log;
  const ledger::Keyring& keyring;
  const AuditOptions& options;
  const Snapshots& snapshots;
  std::mutex progress_mu;
  uint64_t records_done = 0;  // Guarded by progress_mu.
  uint64_t records_total = 0;

  void Progress(uint64_t records) {
    if (!options.progress) return;
    std::lock_guard lock(progress_mu);
    records_done += records;
    options.progress(std::min(records_done, records_total), records_total);
  }
};

// The engine state of snapshot `seq`, imported.
Status ImportSnapshot(const AuditContext& context, SequenceNumber seq, Segment* segment) {
  auto it = context.snapshots.find(seq);
  if (it == context.snapshots.end()) {
    return Status::NotFound("audit", fmt::format("no verified snapshot at seq {}", seq));
  }
  std::string error;
  auto imported =
      engine::RiskEngine::Import(it->second.state, &error, context.options.engine_options);
  if (!imported) return Status::Corruption("audit", "snapshot state does not import: " + error);
  segment->engine = std::make_unique<engine::RiskEngine>(std::move(*imported));
  segment->start_hash = it->second.meta.log_head_hash;
  return Status::OK();
}

ReplayOptions SegmentReplayOptions(AuditContext& context, Segment* segment) {
  ReplayOptions options;
  options.engine_options = context.options.engine_options;
  options.after_group = [&context, segment](SequenceNumber seq, const engine::RiskEngine& state) {
    auto it = context.snapshots.find(seq);
    if (it == context.snapshots.end()) return Status::OK();
    base::Sha256 sha;
    ++segment->snapshots_checked;
    const ledger::Hash replayed = snapshots::StateHash(sha, state.Export());
    const bool matched = replayed == it->second.state_hash;
    if (seq == segment->last) segment->end_snapshot_matched = matched;
    if (!matched) {
      segment->snapshot_findings.push_back(
          {seq, "snapshot state hash differs from the replayed state", ledger::ToHex(replayed),
           ledger::ToHex(it->second.state_hash)});
    }
    return Status::OK();
  };
  return options;
}

// Audits one segment in one pass over its records.
void RunSegment(AuditContext& context, Segment* segment) {
  ledger::VerifyOptions verify_options;
  verify_options.all_signatures = context.options.all_signatures;
  verify_options.threads = 1;  // Beside the other segments' threads.
  verify_options.first = segment->first;
  verify_options.last = segment->last;
  verify_options.prior_keys = segment->prior_keys;
  ledger::ChainVerifier verifier(context.log, context.keyring, verify_options);
  const ReplayOptions replay_options = SegmentReplayOptions(context, segment);
  std::optional<ReplayStepper> stepper;
  if (segment->replay) {
    stepper.emplace(segment->engine.get(), replay_options, segment->first, segment->start_hash,
                    context.log.format_version());
  }
  segment->replay_stopped = !segment->replay;
  ledger::LogRecord record;
  std::vector<ledger::IndexEntry> entries;
  uint64_t unreported = 0;
  auto it = context.log.NewIterator(segment->first, segment->last);
  for (; it->Valid(); it->Next()) {
    // While re-deriving, an effect's envelope is proven canonical by comparing equal to the
    // canonical re-derived one; one that does not is checked here before its event is read.
    const bool comparing = !segment->replay_stopped && replay_options.compare_effects;
    if (!verifier.CheckValue(
            it->key_seq(), it->value(), &record,
            comparing ? ledger::EnvelopeCheck::kInputsOnly : ledger::EnvelopeCheck::kAll)) {
      break;
    }
    if (!segment->replay_stopped) {
      segment->replay_status = stepper->Feed(record);
      segment->replay_stopped = !segment->replay_status.ok() || stepper->result().divergence;
      if (comparing && segment->replay_stopped && !verifier.CheckEnvelope(record)) break;
    }
    entries.clear();
    ledger::IndexEntries(record, &entries);
    for (const ledger::IndexEntry& entry : entries) segment->index_digest.Add(entry);
    if (++unreported == kProgressEveryRecords) {
      context.Progress(unreported);
      unreported = 0;
    }
  }
  segment->verified = verifier.Finish(*it);
  if (!segment->verified.ok) segment->replay_stopped = true;
  if (!segment->replay_stopped) {
    segment->replay_status = stepper->Finish();
    segment->replay_stopped = !segment->replay_status.ok() || stepper->result().divergence;
  }
  if (stepper) segment->replayed = stepper->result();
  context.Progress(unreported);
}

// Segments cut at every verified snapshot after `start` (their first records are group starts,
// as snapshots are taken at group ends).
std::vector<Segment> CutSegments(const Snapshots& snapshots, SequenceNumber start,
                                 SequenceNumber head) {
  std::vector<Segment> segments(1);
  segments[0].first = start + 1;
  for (auto it = snapshots.upper_bound(start); it != snapshots.end() && it->first < head; ++it) {
    segments.back().last = it->first;
    segments.emplace_back().first = it->first + 1;
  }
  segments.back().last = ledger::SequenceNumber{0};  // To the head, checking the meta head.
  return segments;
}

// The stored side of the index check, one task per index, run beside the segments.
struct StoredIndexes {
  std::array<ledger::IndexDigest, ledger::kIndexCount> digests{};
  std::array<Status, ledger::kIndexCount> statuses{};

  void Compute(const ledger::EventLog& log, size_t index) {
    auto digest = log.StoredIndexDigest(ledger::AllIndexes()[index]);
    statuses[index] = digest.status();
    if (digest.ok()) digests[index] = *digest;
  }
  base::Result<ledger::IndexDigest> Sum() const {
    ledger::IndexDigest sum;
    for (size_t i = 0; i < ledger::kIndexCount; ++i) {
      BACKSTOP_RETURN_IF_ERROR(statuses[i]);
      sum += digests[i];
    }
    return sum;
  }
};

// Runs the segments and the stored index digests on up to hardware_concurrency threads, longest
// first so that no thread is left alone with a long task at the end: the account index (an entry
// for nearly every record), then the segments (about equal, the last one shorter), then the
// other indexes (an entry per ADL reduction, liquidation or fund movement).
void RunSegments(AuditContext& context, std::vector<Segment>* segments, StoredIndexes* stored) {
  std::vector<std::function<void()>> tasks;
  auto index_task = [&](ledger::Index index) {
    tasks.push_back(
        [&context, stored, index] { stored->Compute(context.log, static_cast<size_t>(index)); });
  };
  index_task(ledger::Index::kAccountEvent);
  for (size_t i = 0; i < segments->size(); ++i) {
    tasks.push_back([&context, segments, i] {
      Segment& segment = (*segments)[i];
      if (i > 0) segment.start_status = ImportSnapshot(context, segment.first - 1, &segment);
      segment.replay = segment.start_status.ok();
      RunSegment(context, &segment);
    });
  }
  for (ledger::Index index : ledger::AllIndexes()) {
    if (index != ledger::Index::kAccountEvent) index_task(index);
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < tasks.size(); i = next++) tasks[i]();
  };
  const size_t threads =
      std::min<size_t>(tasks.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> workers;
  for (size_t i = 1; i < threads; ++i) workers.emplace_back(work);
  work();
  for (std::thread& worker : workers) worker.join();
}

// Forgets what a segment re-derived: its start state is not established.
void DropReplay(Segment* segment) {
  segment->replay = false;
  segment->replayed = ReplayResult();
  segment->replay_status = Status::OK();
  segment->snapshots_checked = 0;
  segment->snapshot_findings.clear();
}

// Audits [segments[k].first, head] again in one segment after `previous`, replacing
// segments k and on: re-deriving from previous's state when it reached the boundary.
void Redo(AuditContext& context, size_t k, std::vector<Segment>* segments) {
  Segment& previous = (*segments)[k - 1];
  Segment redo;
  redo.first = (*segments)[k].first;
  redo.prior_keys = previous.verified.introduced_keys;
  redo.replay = previous.replay && !previous.replay_stopped;
  if (redo.replay) {
    redo.engine = std::move(previous.engine);
    redo.start_hash = previous.replayed.last_hash;
  }
  segments->resize(k);
  segments->push_back(std::move(redo));
  RunSegment(context, &segments->back());
}

// Accepts each segment's results only where they stand on the previous segment's (see the
// file comment); audits again, sequentially, from the first boundary where they do not.
void ResolveBoundaries(AuditContext& context, std::vector<Segment>* segments) {
  bool replay_ended = false;  // Re-derivation stopped in an earlier segment.
  for (size_t k = 1; k < segments->size(); ++k) {
    const Segment& previous = (*segments)[k - 1];
    const Segment& segment = (*segments)[k];
    if (!previous.verified.introduced_keys.empty()) return Redo(context, k, segments);
    if (replay_ended) continue;
    const bool reached = previous.replay && !previous.replay_stopped;
    if (reached && previous.end_snapshot_matched && segment.start_status.ok()) continue;
    if (reached) return Redo(context, k, segments);
    for (size_t j = k; j < segments->size(); ++j) DropReplay(&(*segments)[j]);
    replay_ended = true;
  }
}

// Adds what one segment found to the report (the first finding of each kind wins).
void Collect(Segment& segment, AuditReport* report, std::optional<AuditFinding>* chain,
             std::optional<AuditFinding>* replay, std::vector<AuditFinding>* snapshot_findings) {
  report->records_verified += segment.verified.records_checked;
  report->signatures_checked += segment.verified.signatures_checked;
  report->checkpoints_checked += segment.verified.checkpoints_checked;
  if (!segment.verified.ok && !*chain) {
    *chain = AuditFinding{segment.verified.first_bad_seq, segment.verified.message, "", ""};
  }
  if (!segment.replay) return;
  report->records_replayed += segment.replayed.records;
  report->inputs_replayed += segment.replayed.groups;
  report->snapshots_checked += segment.snapshots_checked;
  if (segment.replayed.unfinished_group != ledger::SequenceNumber{0}) {
    report->unfinished_group = segment.replayed.unfinished_group;
    report->unlogged_effects = segment.replayed.unlogged_effects.size();
  }
  if (!*replay && !segment.replay_status.ok()) {
    *replay = AuditFinding{ledger::SequenceNumber{0},
                           "replay stopped: " + segment.replay_status.message(), "", ""};
  } else if (!*replay && segment.replayed.divergence) {
    const Divergence& d = *segment.replayed.divergence;
    *replay = AuditFinding{d.seq, d.what, d.expected, d.found};
  }
  for (AuditFinding& finding : segment.snapshot_findings) {
    snapshot_findings->push_back(std::move(finding));
  }
}

// The index check: the digest the segments built as they read every record against the
// stored one; else (the audit started at a snapshot, or a record could not be read) against
// a scan of the log of its own.
void CheckIndexes(const ledger::EventLog& log, const std::vector<Segment>& segments,
                  const StoredIndexes& stored, bool complete, AuditReport* report) {
  ledger::IndexDigest expected;
  for (const Segment& segment : segments) expected += segment.index_digest;
  auto stored_sum = stored.Sum();
  auto indexes = !stored_sum.ok() ? base::Result<std::string>(stored_sum.status())
                 : complete       ? log.CheckIndexes(expected, *stored_sum)
                                  : log.CheckIndexes();
  if (!indexes.ok()) {
    report->findings.push_back(
        {ledger::SequenceNumber{0}, "indexes unreadable: " + indexes.status().message(), "", ""});
  } else if (!indexes->empty()) {
    report->findings.push_back(
        {ledger::SequenceNumber{0},
         "index disagrees with the log: " + *indexes + " (run `backstop reindex`)", "", ""});
  } else {
    report->indexes_checked = true;
  }
}

}  // namespace

base::Result<AuditReport> Audit(const ledger::EventLog& log, const DataDir& data,
                                const ledger::Keyring& keyring, const AuditOptions& options) {
  AuditReport report;
  report.start_seq = options.from_snapshot;
  report.head_seq = log.head_seq();
  std::vector<AuditFinding> snapshot_findings;
  const Snapshots snapshots = LoadSnapshots(log, data, keyring, &snapshot_findings);
  AuditContext context{log, keyring, options, snapshots};
  context.records_total = report.head_seq - std::min(report.head_seq, options.from_snapshot);
  std::vector<Segment> segments = CutSegments(snapshots, options.from_snapshot, report.head_seq);
  if (options.from_snapshot != ledger::SequenceNumber{0}) {
    Status started = ImportSnapshot(context, options.from_snapshot, &segments[0]);
    if (!started.ok()) {
      return Status::InvalidArgument(
          "audit", fmt::format("cannot start from snapshot {}: {}", options.from_snapshot,
                               StartProblem(snapshot_findings, options.from_snapshot, started)));
    }
  } else {
    segments[0].engine = std::make_unique<engine::RiskEngine>(options.engine_options);
  }
  StoredIndexes stored;
  RunSegments(context, &segments, &stored);
  ResolveBoundaries(context, &segments);
  std::optional<AuditFinding> chain;
  std::optional<AuditFinding> replay;
  for (Segment& segment : segments) {
    Collect(segment, &report, &chain, &replay, &snapshot_findings);
  }
  CheckIndexes(log, segments, stored, options.from_snapshot == ledger::SequenceNumber{0} && !chain,
               &report);
  std::vector<AuditFinding> findings;
  if (chain) findings.push_back(*chain);
  if (replay) findings.push_back(*replay);
  for (AuditFinding& finding : report.findings) findings.push_back(std::move(finding));
  for (AuditFinding& finding : snapshot_findings) findings.push_back(std::move(finding));
  report.findings = std::move(findings);
  return report;
}

}  // namespace replay
