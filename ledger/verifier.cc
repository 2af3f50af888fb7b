// Verify(): one sequential pass over a snapshot of the log (or, for a long range, one pass per
// segment in parallel) checks seqs, decoding, the chain, groups, keys and rotations, the stored
// tree and the checkpoints, and feeds the signatures to check (group ends or all, and the
// checkpoints') to a pool of threads (internal/signature_checker.h). The lowest bad seq wins.
#include "ledger/verifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/strong_type_fmt.h"
#include "ledger/checkpoint.h"
#include "ledger/internal/codec.h"
#include "ledger/internal/event_log_impl.h"
#include "ledger/internal/signature_checker.h"
#include "ledger/merkle.h"

namespace ledger {

using base::Result;
using base::Status;

using internal::ParallelSignatureChecker;
using internal::SignatureJob;

namespace {

constexpr uint64_t kProgressEveryRecords = 4096;

// Read for every record: only the union tag (decoding checked that the event is readable).
bool IsKeyRotation(const LogRecord& record) {
  return record.event().which() == schema::Event::KEY_ROTATION;
}

}  // namespace

class ChainVerifier::Impl {
 public:
  Impl(const EventLog& log, const Keyring& keyring, const VerifyOptions& options)
      : log_(log),
        keyring_(keyring),
        options_(options),
        tag_(log.domain_tag()),
        has_tree_(log.has_tree()),
        signs_records_(log.signing_mode() == SigningMode::kEvery),
        origin_(log.origin()) {
    for (const PublicKey& key : options.prior_keys) introduced_keys_.emplace(key.key_id(), key);
    int threads = options_.threads > 0
                      ? options_.threads
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    parallel_.emplace(threads);
    started_ = Start();
  }

  bool CheckValue(SequenceNumber key_seq, std::span<const uint8_t> value, LogRecord* record,
                  EnvelopeCheck check);
  bool CheckEnvelope(const LogRecord& record);
  VerifyReport Finish(const RecordIterator& it);

 private:
  bool Start();
  bool CheckRecord(SequenceNumber key_seq, const LogRecord& record);
  bool AcceptRecord(SequenceNumber key_seq, const LogRecord& record);
  bool CheckKey(const LogRecord& record, const PublicKey** key);
  bool CheckRotation(const LogRecord& record);
  bool StartTree(SequenceNumber before);
  bool CheckTree(const LogRecord& record);
  bool CheckCheckpoint(const LogRecord& record, const PublicKey* key, bool* checkpointed);
  void CheckPendingSignature();
  bool CheckMetaHead(const RecordIterator& it);
  bool Fail(SequenceNumber seq, std::string message);

  const EventLog& log_;
  const Keyring& keyring_;
  const VerifyOptions options_;  // A copy: callers often pass a temporary.
  const DomainTag tag_;
  const bool has_tree_;       // Format 2: tree nodes and checkpoints are checked.
  const bool signs_records_;  // Every record carries a signature (format 1, or mode every).
  const std::string origin_;
  base::Sha256 sha_;
  std::optional<ParallelSignatureChecker> parallel_;
  std::map<KeyId, PublicKey> introduced_keys_;  // Keys that verified keyRotations introduced.
  VerifyReport report_;

  SequenceNumber expected_seq_{1};
  Hash prev_hash_{};
  int64_t prev_time_ns_ = INT64_MIN;
  SequenceNumber prev_group_{0};
  std::optional<KeyId> expected_key_;  // Key id the next record must carry, once known.
  bool prev_was_rotation_ = false;
  std::optional<SignatureJob> pending_;      // Default mode: last record, signature unchecked.
  uint64_t total_ = 0;                       // Records expected in the range, for progress.
  std::vector<SequenceNumber> commit_ends_;  // Last seqs of the group commits in the range.
  size_t next_commit_end_ = 0;               // First entry not below the previous record.
  bool started_ = false;                     // Start() succeeded.
  uint64_t done_ = 0;                        // Records fed, for progress.
  // Format 2: the tree rebuilt from the records, and the stored nodes and checkpoints.
  TreeFrontier frontier_;
  std::vector<TreeNode> nodes_;  // Scratch: the nodes one record completes.
  std::unique_ptr<rocksdb::Iterator> tree_it_;
  std::unique_ptr<rocksdb::Iterator> checkpoint_it_;
  uint64_t last_checkpoint_ = 0;  // Tree size of the last checkpoint checked.
  uint64_t checkpoints_checked_ = 0;
};

bool ChainVerifier::Impl::Fail(SequenceNumber seq, std::string message) {
  // A record before `seq` may still hold an unchecked signature: it may be the earlier problem,
  // which Run() prefers when the parallel checker reports it.
  if (pending_ && pending_->seq < seq) CheckPendingSignature();
  if (report_.message.empty()) {
    report_.first_bad_seq = seq;
    report_.message = std::move(message);
  }
  return false;
}

// Hands the pending group-end signature to the parallel checker.
void ChainVerifier::Impl::CheckPendingSignature() {
  if (!pending_) return;
  parallel_->Add(*pending_);
  pending_.reset();
}

bool ChainVerifier::Impl::Start() {
  SequenceNumber last = options_.last != SequenceNumber{0} ? options_.last : log_.head_seq();
  total_ = last >= options_.first ? last - options_.first + 1 : 0;
  if (!options_.all_signatures) {
    Result<std::vector<SequenceNumber>> ends = log_.CommitEnds(options_.first, options_.last);
    if (!ends.ok())
      return Fail(SequenceNumber{0}, "group commit marks: " + ends.status().message());
    commit_ends_ = std::move(*ends);
  }
  expected_seq_ = std::max(options_.first, SequenceNumber{1});
  if (has_tree_ && !StartTree(expected_seq_ - 1)) return false;
  if (expected_seq_ == SequenceNumber{1}) return true;
  SequenceNumber before = expected_seq_ - 1;
  Result<LogRecord> record = log_.Read(before);
  if (!record.ok()) {
    return Fail(before, fmt::format("seq {} (the start of the checked range): {}", before,
                                    record.status().message()));
  }
  prev_hash_ = record->hash();
  prev_time_ns_ = record->time_ns();
  prev_group_ = record->group();
  expected_key_ = record->key_id();
  report_.head_seq = before;
  report_.head_hash = record->hash();
  prev_was_rotation_ = IsKeyRotation(*record);
  if (prev_was_rotation_) {
    if (!CheckKey(*record, nullptr) || !CheckRotation(*record)) return false;
  }
  return true;
}

bool ChainVerifier::Impl::CheckValue(SequenceNumber key_seq, std::span<const uint8_t> value,
                                     LogRecord* record, EnvelopeCheck check) {
  if (!started_ || !report_.message.empty()) return false;
  if (key_seq != expected_seq_) {
    return Fail(expected_seq_, fmt::format("seq {}: missing (the next stored record is seq {})",
                                           expected_seq_, key_seq));
  }
  Status decoded = DecodeRecordInto(value, record, check);
  if (!decoded.ok()) return Fail(key_seq, fmt::format("seq {}: {}", key_seq, decoded.message()));
  if (!CheckRecord(key_seq, *record)) return false;
  if (++done_ % kProgressEveryRecords == 0 && options_.progress) {
    options_.progress(done_, std::max(done_, total_));
  }
  return true;
}

bool ChainVerifier::Impl::CheckEnvelope(const LogRecord& record) {
  if (!report_.message.empty()) return false;
  Status canonical = CheckEnvelopeCanonical(record);
  if (canonical.ok()) return true;
  return Fail(record.seq(), fmt::format("seq {}: {}", record.seq(), canonical.message()));
}

bool ChainVerifier::Impl::CheckRecord(SequenceNumber key_seq, const LogRecord& record) {
  if (record.seq() != key_seq) {
    return Fail(key_seq, fmt::format("seq {}: the record says seq {} (stored under the wrong key)",
                                     key_seq, record.seq()));
  }
  if (record.prev_hash() != prev_hash_) {
    return Fail(key_seq, fmt::format("seq {}: prev_hash {} is not the hash of seq {} ({})", key_seq,
                                     ToHex(record.prev_hash()), key_seq - 1, ToHex(prev_hash_)));
  }
  Hash hash = ChainHash(sha_, tag_, prev_hash_, key_seq, record.envelope_bytes());
  if (hash != record.hash()) {
    return Fail(key_seq, fmt::format("seq {}: hash mismatch (stored {}, recomputed {}): the record "
                                     "is damaged or comes from another log",
                                     key_seq, ToHex(record.hash()), ToHex(hash)));
  }
  bool starts_group = record.group() == key_seq;
  if (!starts_group && (record.group() != prev_group_ || prev_was_rotation_)) {
    return Fail(key_seq, fmt::format("seq {}: group {} does not continue the group of seq {} ({})",
                                     key_seq, record.group(), key_seq - 1, prev_group_));
  }
  if (record.time_ns() < prev_time_ns_) {
    return Fail(key_seq, fmt::format("seq {}: time {} is before the previous record's {}", key_seq,
                                     record.time_ns(), prev_time_ns_));
  }
  const PublicKey* key = nullptr;
  if (!CheckKey(record, &key)) return false;
  if (record.has_signature() != signs_records_) {
    return Fail(key_seq, signs_records_
                             ? fmt::format("seq {}: has no signature, but this log signs every "
                                           "record",
                                           key_seq)
                             : fmt::format("seq {}: carries a signature, but this log is signed "
                                           "by checkpoints alone",
                                           key_seq));
  }
  bool checkpointed = false;
  if (has_tree_ && (!CheckTree(record) || !CheckCheckpoint(record, key, &checkpointed))) {
    return false;
  }
  if (!signs_records_) {
    // Signed by checkpoints alone: a keyRotation must end a checkpoint, so that the key it
    // replaces signs the introduction of the next.
    if (IsKeyRotation(record) && !checkpointed) {
      return Fail(key_seq, fmt::format("seq {}: keyRotation ends no checkpoint, so the key it "
                                       "replaces never signed it",
                                       key_seq));
    }
    return AcceptRecord(key_seq, record);
  }
  // Default mode: the previous record's signature is checked if it ended a group commit.
  while (next_commit_end_ < commit_ends_.size() && commit_ends_[next_commit_end_] < key_seq - 1) {
    ++next_commit_end_;
  }
  if (pending_ && next_commit_end_ < commit_ends_.size() &&
      commit_ends_[next_commit_end_] == pending_->seq) {
    CheckPendingSignature();
  }
  SignatureJob job{key_seq, key, record.hash(), record.signature(), {}};
  pending_.reset();
  // A keyRotation's own signature, by the key it replaces, is always checked: a later group
  // commit's signature is by the new key, which cannot vouch for its own introduction.
  if (options_.all_signatures || IsKeyRotation(record)) {
    parallel_->Add(job);
  } else {
    pending_ = job;
  }
  return AcceptRecord(key_seq, record);
}

bool ChainVerifier::Impl::AcceptRecord(SequenceNumber key_seq, const LogRecord& record) {
  prev_was_rotation_ = IsKeyRotation(record);
  if (prev_was_rotation_ && !CheckRotation(record)) return false;
  prev_hash_ = record.hash();
  prev_time_ns_ = record.time_ns();
  prev_group_ = record.group();
  ++expected_seq_;
  ++report_.records_checked;
  report_.head_seq = key_seq;
  report_.head_hash = record.hash();
  return true;
}

bool ChainVerifier::Impl::CheckKey(const LogRecord& record, const PublicKey** key_out) {
  const KeyId& id = record.key_id();
  if (expected_key_ && id != *expected_key_) {
    return Fail(record.seq(),
                fmt::format("seq {}: signed by key {}, but key {} signs here (keys change only "
                            "through a keyRotation event)",
                            record.seq(), ToHex(id), ToHex(*expected_key_)));
  }
  const PublicKey* key = keyring_.Find(id);
  if (key == nullptr) {
    auto it = introduced_keys_.find(id);
    if (it != introduced_keys_.end()) key = &it->second;
  }
  if (key == nullptr) {
    return Fail(record.seq(),
                fmt::format("seq {}: key {} is not in the keyring", record.seq(), ToHex(id)));
  }
  expected_key_ = id;
  if (key_out != nullptr) *key_out = key;
  return true;
}

bool ChainVerifier::Impl::CheckRotation(const LogRecord& record) {
  Result<internal::RotationTarget> target = internal::ReadKeyRotation(record.event());
  if (!target.ok()) {
    return Fail(record.seq(), fmt::format("seq {}: {}", record.seq(), target.status().message()));
  }
  if (KeyIdOf(target->public_key) != target->key_id) {
    return Fail(record.seq(), fmt::format("seq {}: keyRotation names key {} but its public key "
                                          "has id {}",
                                          record.seq(), ToHex(target->key_id),
                                          ToHex(KeyIdOf(target->public_key))));
  }
  Result<PublicKey> key = PublicKey::FromRaw(target->public_key);
  if (!key.ok()) {
    return Fail(record.seq(), fmt::format("seq {}: keyRotation public key: {}", record.seq(),
                                          key.status().message()));
  }
  introduced_keys_.emplace(target->key_id, *key);
  expected_key_ = target->key_id;
  return true;
}

// Positions the stored-tree and checkpoint scans at the range's start, and rebuilds the
// frontier of the tree before it from its stored complete subtrees (trusted as the stored hash
// of the record before the range is).
bool ChainVerifier::Impl::StartTree(SequenceNumber before) {
  rocksdb::DB* db = internal::EventLogAccess::db(log_);
  const rocksdb::ReadOptions& options = internal::EventLogAccess::read_options(log_);
  if (before > SequenceNumber{0}) {
    Result<TreeFrontier> frontier = TreeFrontier::FromStored(
        before.value(),
        internal::MakeNodeReader(db, internal::EventLogAccess::tree(log_), options));
    if (!frontier.ok()) {
      return Fail(before, fmt::format("seq {} (the start of the checked range): {}", before,
                                      frontier.status().message()));
    }
    frontier_ = std::move(frontier).value();
  }
  tree_it_.reset(db->NewIterator(options, internal::EventLogAccess::tree(log_)));
  tree_it_->Seek(internal::EncodeSeqKey(StoredNodeCount(before.value())));
  checkpoint_it_.reset(db->NewIterator(options, internal::EventLogAccess::checkpoints(log_)));
  checkpoint_it_->Seek(internal::EncodeSeqKey(before + 1));
  return true;
}

// The nodes `record` completes, recomputed, against the stored ones.
bool ChainVerifier::Impl::CheckTree(const LogRecord& record) {
  nodes_.clear();
  frontier_.Append(sha_, LeafHash(sha_, record.hash()), &nodes_);
  for (const TreeNode& node : nodes_) {
    uint64_t position = StoredNodePosition(node.level, node.index);
    uint64_t stored_position = 0;
    if (!tree_it_->Valid() ||
        !internal::DecodeSeqKey(std::string_view(tree_it_->key().data(), tree_it_->key().size()),
                                &stored_position) ||
        stored_position != position) {
      if (!tree_it_->status().ok()) {
        return Fail(record.seq(),
                    fmt::format("seq {}: tree: {}", record.seq(), tree_it_->status().ToString()));
      }
      return Fail(record.seq(), fmt::format("seq {}: tree node (level {}, index {}) is missing",
                                            record.seq(), node.level, node.index));
    }
    rocksdb::Slice value = tree_it_->value();
    if (value.size() != kHashBytes ||
        std::memcmp(value.data(), node.hash.data(), kHashBytes) != 0) {
      return Fail(record.seq(),
                  fmt::format("seq {}: tree node (level {}, index {}) differs from the one "
                              "recomputed from the records",
                              record.seq(), node.level, node.index));
    }
    tree_it_->Next();
  }
  return true;
}

// The checkpoint at tree size record.seq(), if a group commit ended there: its body must name
// this log, this size, the recomputed root and the record's hash; its signature (checked on the
// pool) must be by the key of the record.
bool ChainVerifier::Impl::CheckCheckpoint(const LogRecord& record, const PublicKey* key,
                                          bool* checkpointed) {
  const SequenceNumber seq = record.seq();
  uint64_t size = 0;
  while (checkpoint_it_->Valid()) {
    if (!internal::DecodeSeqKey(
            std::string_view(checkpoint_it_->key().data(), checkpoint_it_->key().size()), &size)) {
      return Fail(seq, fmt::format("seq {}: malformed key in the checkpoints", seq));
    }
    if (size >= seq.value()) break;
    return Fail(SequenceNumber{size},
                fmt::format("tree size {}: a checkpoint the scan did not meet", size));
  }
  if (!checkpoint_it_->status().ok()) {
    return Fail(seq,
                fmt::format("seq {}: checkpoints: {}", seq, checkpoint_it_->status().ToString()));
  }
  if (!checkpoint_it_->Valid() || size != seq.value()) return true;
  std::string_view text(checkpoint_it_->value().data(), checkpoint_it_->value().size());
  Result<SignedNote> note = ParseSignedNote(text);
  Result<Checkpoint> checkpoint =
      note.ok() ? ParseCheckpointBody(note->body) : Result<Checkpoint>(note.status());
  auto bad = [&](std::string_view what) {
    return Fail(seq, fmt::format("seq {}: the checkpoint at tree size {} {}", seq, seq, what));
  };
  if (!checkpoint.ok()) return bad("is malformed: " + checkpoint.status().message());
  if (checkpoint->origin != origin_) {
    return bad(fmt::format("names log {}, not {}", checkpoint->origin, origin_));
  }
  if (checkpoint->size != seq.value())
    return bad(fmt::format("says tree size {}", checkpoint->size));
  if (checkpoint->root != frontier_.Root(sha_)) {
    return bad("has a root that differs from the tree of the records");
  }
  if (checkpoint->head_hash != record.hash()) return bad("names another head hash");
  NoteKeyHash key_hash = MakeNoteKeyHash(origin_, key->raw());
  const NoteSignature* signature = nullptr;
  for (const NoteSignature& candidate : note->signatures) {
    if (candidate.name == origin_ && candidate.key_hash == key_hash) signature = &candidate;
  }
  if (signature == nullptr) {
    return bad(
        fmt::format("is not signed by key {}, the key of its records", ToHex(key->key_id())));
  }
  parallel_->Add({seq, key, Hash{}, signature->signature, std::move(note->body)});
  checkpoint_it_->Next();
  last_checkpoint_ = seq.value();
  ++checkpoints_checked_;
  *checkpointed = true;
  return true;
}

bool ChainVerifier::Impl::CheckMetaHead(const RecordIterator& it) {
  Result<std::pair<SequenceNumber, Hash>> head = it.StoredHead();
  if (!head.ok())
    return Fail(SequenceNumber{0}, fmt::format("meta head: {}", head.status().message()));
  SequenceNumber last = expected_seq_ - 1;
  if (head->first == last && head->second == report_.head_hash) return true;
  SequenceNumber bad = head->first == last ? last : std::min(head->first, last) + 1;
  return Fail(bad, fmt::format("meta head (seq {}, hash {}) does not match the last record (seq "
                               "{}, hash {})",
                               head->first, ToHex(head->second), last, ToHex(report_.head_hash)));
}

VerifyReport ChainVerifier::Impl::Finish(const RecordIterator& it) {
  if (report_.message.empty()) {
    if (!it.status().ok()) {
      Fail(expected_seq_, fmt::format("seq {}: {}", expected_seq_, it.status().message()));
    } else if (options_.last != SequenceNumber{0} && expected_seq_ <= options_.last) {
      Fail(expected_seq_, fmt::format("seq {}: missing (the log ends at seq {})", expected_seq_,
                                      expected_seq_ - 1));
    } else {
      CheckPendingSignature();  // The last record checked always has its signature checked.
      if (options_.last == SequenceNumber{0} && CheckMetaHead(it) && has_tree_ &&
          report_.head_seq != SequenceNumber{0} && last_checkpoint_ != report_.head_seq.value()) {
        Fail(report_.head_seq,
             fmt::format("seq {}: the head is covered by no signed checkpoint (the last one "
                         "checked is at tree size {})",
                         report_.head_seq, last_checkpoint_));
      }
    }
  }
  CheckPendingSignature();
  SequenceNumber bad = parallel_->Finish();
  report_.signatures_checked = parallel_->checked();
  report_.checkpoints_checked = checkpoints_checked_;
  if (bad != SequenceNumber{0} &&
      (report_.message.empty() || report_.first_bad_seq == SequenceNumber{0} ||
       bad < report_.first_bad_seq)) {
    report_.first_bad_seq = bad;
    report_.message =
        parallel_->bad_is_checkpoint()
            ? fmt::format("seq {}: the checkpoint at tree size {} has a bad signature by key {}",
                          bad, bad, ToHex(parallel_->bad_key_id()))
            : fmt::format("seq {}: bad signature by key {}", bad, ToHex(parallel_->bad_key_id()));
  }
  report_.ok = report_.message.empty();
  for (const auto& [id, key] : introduced_keys_) report_.introduced_keys.push_back(key);
  if (options_.progress) options_.progress(done_, std::max(done_, total_));
  return report_;
}

ChainVerifier::ChainVerifier(const EventLog& log, const Keyring& keyring,
                             const VerifyOptions& options)
    : impl_(std::make_unique<Impl>(log, keyring, options)) {}
ChainVerifier::~ChainVerifier() = default;

bool ChainVerifier::CheckValue(SequenceNumber key_seq, std::span<const uint8_t> value,
                               LogRecord* record, EnvelopeCheck check) {
  return impl_->CheckValue(key_seq, value, record, check);
}

bool ChainVerifier::CheckEnvelope(const LogRecord& record) { return impl_->CheckEnvelope(record); }

VerifyReport ChainVerifier::Finish(const RecordIterator& it) { return impl_->Finish(it); }

namespace {

VerifyReport VerifyOneSegment(const EventLog& log, const Keyring& keyring,
                              const VerifyOptions& options) {
  std::unique_ptr<RecordIterator> it = log.NewIterator(options.first, options.last);
  ChainVerifier verifier(log, keyring, options);
  LogRecord record;
  for (; it->Valid(); it->Next()) {
    if (!verifier.CheckValue(it->key_seq(), it->value(), &record)) break;
  }
  return verifier.Finish(*it);
}

// Whether a segment failed only because it met a key that a rotation in an earlier segment
// introduced (it is then checked again, knowing the earlier segments' keys).
bool FailedOnAnUnknownKey(const VerifyReport& report) {
  return !report.ok && report.message.find("is not in the keyring") != std::string::npos;
}

}  // namespace

VerifyReport Verify(const EventLog& log, const Keyring& keyring, const VerifyOptions& options) {
  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const SequenceNumber first = std::max(options.first, SequenceNumber{1});
  const SequenceNumber last = options.last != SequenceNumber{0} ? options.last : log.head_seq();
  const uint64_t total = last >= first ? last - first + 1 : 0;
  const uint64_t segments =
      std::min<uint64_t>(threads, total / std::max<uint64_t>(1, options.min_segment_records));
  if (segments <= 1) return VerifyOneSegment(log, keyring, options);

  // Segment k checks [first + k * size, ...]; the last one runs to options.last (0: the head,
  // with the meta head check). Progress is summed over the segments.
  std::mutex progress_mu;
  std::vector<uint64_t> done(segments, 0);
  std::vector<VerifyOptions> parts(segments, options);
  const uint64_t size = total / segments;
  for (uint64_t k = 0; k < segments; ++k) {
    parts[k].first = first + k * size;
    parts[k].last = k + 1 == segments ? options.last : first + (k + 1) * size - 1;
    parts[k].threads = 1;
    if (!options.progress) continue;
    parts[k].progress = [&, k](uint64_t segment_done, uint64_t) {
      std::lock_guard lock(progress_mu);
      done[k] = segment_done;
      uint64_t sum = 0;
      for (uint64_t d : done) sum += d;
      options.progress(sum, std::max(sum, total));
    };
  }
  std::vector<VerifyReport> reports(segments);
  std::vector<std::thread> workers;
  for (uint64_t k = 0; k < segments; ++k) {
    workers.emplace_back([&, k] { reports[k] = VerifyOneSegment(log, keyring, parts[k]); });
  }
  for (std::thread& worker : workers) worker.join();

  VerifyReport merged;
  std::map<KeyId, PublicKey> introduced;
  for (const PublicKey& key : options.prior_keys) introduced.emplace(key.key_id(), key);
  for (uint64_t k = 0; k < segments; ++k) {
    if (k > 0 && FailedOnAnUnknownKey(reports[k])) {
      parts[k].prior_keys = merged.introduced_keys;
      parts[k].progress = nullptr;
      reports[k] = VerifyOneSegment(log, keyring, parts[k]);
    }
    const VerifyReport& report = reports[k];
    merged.records_checked += report.records_checked;
    merged.signatures_checked += report.signatures_checked;
    merged.checkpoints_checked += report.checkpoints_checked;
    for (const PublicKey& key : report.introduced_keys) introduced.emplace(key.key_id(), key);
    merged.introduced_keys.clear();
    for (const auto& [id, key] : introduced) merged.introduced_keys.push_back(key);
    merged.head_seq = report.head_seq;
    merged.head_hash = report.head_hash;
    if (!report.ok) {
      merged.ok = false;
      merged.first_bad_seq = report.first_bad_seq;
      merged.message = report.message;
      return merged;  // Later segments trusted what this one could not confirm.
    }
  }
  merged.ok = true;
  return merged;
}

}  // namespace ledger
