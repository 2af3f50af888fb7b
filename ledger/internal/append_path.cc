// The append path of EventLog: the sequencer half (seq, time, envelope, chain hash, tree
// nodes) and the synced group write (records, index entries, tree nodes, the signed checkpoint,
// the commit mark and the head, in one WriteBatch), then the external checkpoint file.
#include <fmt/format.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <string_view>
#include <thread>
#include <vector>

#include "base/strong_type_fmt.h"
#include "ledger/event_codec.h"
#include "ledger/internal/event_log_impl.h"
#include "ledger/internal/event_log_state.h"
#include "ledger/internal/file_util.h"

namespace ledger {

using base::Result;
using base::Status;

using internal::AppendPipeline;
using internal::EncodeSeqKey;
using internal::FromRocks;
using internal::PendingGroup;
using internal::PendingRecord;

namespace {

rocksdb::Slice AsSlice(std::span<const uint8_t> bytes) {
  return rocksdb::Slice(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

Status EventLog::Impl::StartPipeline(const LogOptions& options) {
  if (!options.signing_key) return Status::OK();
  if (read_only_) return Status::InvalidArgument("event_log", "read_only log with a signing key");
  if (!options.clock) return Status::InvalidArgument("event_log", "a signing key needs a clock");
  if (options.max_pending_records < kMaxGroupRecords || options.max_batch_records == 0) {
    return Status::InvalidArgument("event_log", "max_pending_records < kMaxGroupRecords");
  }
  // An unfinished rebuild left indexes (or a tree) missing entries that appends would build
  // on: the server's duplicate check reads the client-command index.
  if (indexes_rebuilding_) return internal::UnfinishedRebuild("index");
  if (tree_rebuilding_) return internal::UnfinishedRebuild("Merkle tree");
  // Only appends need the frontier: a log whose stored tree is damaged still opens for
  // reindex (which rebuilds it) and for reading.
  if (format_version_ >= 2) BACKSTOP_RETURN_IF_ERROR(LoadFrontier());
  signing_key_ = options.signing_key;
  clock_ = options.clock;
  // A log signed by checkpoints has nothing to sign per record: Submit encodes its records
  // itself, one thread hand-over less on the way to the writer, and no signer runs.
  int threads = 0;
  if (signing_mode_ == SigningMode::kEvery) {
    threads = options.signer_threads;
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  pipeline_ = std::make_unique<AppendPipeline>(
      head_seq_, threads, options.max_pending_records, options.max_batch_records,
      [this](const internal::GroupBatch& batch) { return WriteGroups(batch); });
  return Status::OK();
}

namespace {

// What Submit checks of `events` before it takes the sequencer lock.
Status CheckSubmission(std::span<const schema::Event::Reader> events, bool rotation,
                       SequenceNumber continues) {
  if (events.empty()) return Status::InvalidArgument("append", "empty group");
  if (events.size() > kMaxGroupRecords) {
    return Status::InvalidArgument(
        "append", fmt::format("{} events in one submission exceed kMaxGroupRecords {}",
                              events.size(), kMaxGroupRecords));
  }
  for (const auto& event : events) {
    if (internal::ClassifyEvent(event).is_key_rotation && !rotation) {
      return Status::InvalidArgument("append", "keyRotation events go through RotateKey");
    }
    if (continues != SequenceNumber{0} && IsInput(event)) {
      return Status::InvalidArgument("append", "a group's continuation holds effects only");
    }
  }
  return Status::OK();
}

}  // namespace

Result<GroupRange> EventLog::Impl::Submit(std::span<const schema::Event::Reader> events,
                                          AppendCallback done, const PrivateKey* rotate_to,
                                          SequenceNumber continues) {
  BACKSTOP_RETURN_IF_ERROR(CheckSubmission(events, rotate_to != nullptr, continues));
  std::lock_guard lock(sequencer_mu_);
  if (pipeline_ == nullptr || !signing_key_) {
    return Status::InvalidArgument("append", "the log was opened without a signing key");
  }
  if (continues != SequenceNumber{0} && (continues != last_group_ || last_group_is_rotation_)) {
    return Status::InvalidArgument(
        "append",
        fmt::format("group {} is not the last sequenced group ({})", continues, last_group_));
  }
  BACKSTOP_RETURN_IF_ERROR(pipeline_->Reserve(events.size()));
  auto group = std::make_unique<PendingGroup>();
  group->range = {next_seq_, next_seq_ + events.size() - 1};
  group->key = *signing_key_;
  group->sign_records = signing_mode_ == SigningMode::kEvery;
  group->done = std::move(done);
  group->records.resize(events.size());
  // One stamp per group (an input and its effects happen at one instant, also when they are
  // logged in several submissions), never decreasing.
  const int64_t time_ns =
      continues != SequenceNumber{0} ? last_time_ns_ : std::max(clock_(), last_time_ns_);
  const SequenceNumber group_seq = continues != SequenceNumber{0} ? continues : group->range.first;
  Hash prev = last_hash_;
  for (size_t i = 0; i < events.size(); ++i) {
    PendingRecord& record = group->records[i];
    record.seq = next_seq_ + i;
    Status s = EncodeEnvelope(record.seq, time_ns, signing_key_->key_id(), group_seq, events[i],
                              &record.envelope);
    if (!s.ok()) {
      pipeline_->Unreserve(events.size());
      return s;
    }
    record.prev_hash = prev;
    record.hash = ChainHash(sha_, tag_, prev, record.seq, record.envelope);
    if (!group->sign_records) {
      EncodeRecord(record.prev_hash, record.hash, nullptr, record.envelope, &record.value);
    }
    IndexEntries(record.seq, time_ns, group_seq, events[i], &record.index_entries);
    prev = record.hash;
  }
  if (format_version_ >= 2) {
    // The frontier moves only once the whole group is encoded (an encoding failure above
    // leaves it as it was).
    for (const PendingRecord& record : group->records) {
      frontier_.Append(sha_, LeafHash(sha_, record.hash), &group->tree_nodes);
    }
    group->subtrees = frontier_.subtrees();
  }
  GroupRange range = group->range;
  next_seq_ = range.last + 1;
  last_hash_ = prev;
  last_time_ns_ = time_ns;
  last_group_ = group_seq;
  last_group_is_rotation_ = rotate_to != nullptr;
  if (rotate_to != nullptr) signing_key_ = *rotate_to;
  pipeline_->Enqueue(std::move(group));
  return range;
}

Status EventLog::Impl::StartCompactions() {
  if (read_only_) return Status::OK();
  std::call_once(compactions_started_, [this] {
    compactions_status_ =
        FromRocks(db_->EnableAutoCompaction(handles_), "event_log: start compactions");
  });
  return compactions_status_;
}

Status EventLog::Impl::WriteGroups(const internal::GroupBatch& batch) {
  BACKSTOP_RETURN_IF_ERROR(StartCompactions());
  if (fail_writes_for_test_.load()) return Status::IOError("event_log", "injected write failure");
  // RocksDB counts every memtable step in thread-local perf counters unless told not to; no one
  // reads the writer thread's (the setting is per thread).
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  rocksdb::WriteBatch write_batch;
  const PendingRecord* last = nullptr;
  for (const auto& group : batch) {
    for (const PendingRecord& record : group->records) {
      BACKSTOP_ASSERT(!record.value.empty(), record.seq);
      BACKSTOP_RETURN_IF_ERROR(FromRocks(
          write_batch.Put(events_, EncodeSeqKey(record.seq),
                          rocksdb::Slice(reinterpret_cast<const char*>(record.value.data()),
                                         record.value.size())),
          "event_log"));
      last = &record;
    }
  }
  BACKSTOP_ASSERT(last != nullptr);
  BACKSTOP_RETURN_IF_ERROR(PutIndexEntries(batch, &write_batch));
  for (const auto& group : batch) {
    for (const TreeNode& node : group->tree_nodes) {
      BACKSTOP_RETURN_IF_ERROR(
          FromRocks(write_batch.Put(tree_, EncodeSeqKey(StoredNodePosition(node.level, node.index)),
                                    AsSlice(node.hash)),
                    "event_log"));
    }
  }
  if (format_version_ >= 2) BACKSTOP_RETURN_IF_ERROR(PutCheckpoint(batch, &write_batch));
  // The head and the commit mark move in the same WriteBatch as the records (and their index
  // entries): all or none survive a crash.
  BACKSTOP_RETURN_IF_ERROR(
      FromRocks(write_batch.Put(commits_, EncodeSeqKey(last->seq), ""), "event_log"));
  BACKSTOP_RETURN_IF_ERROR(FromRocks(
      write_batch.Put(meta_, internal::kMetaHeadSeq, EncodeSeqKey(last->seq)), "event_log"));
  BACKSTOP_RETURN_IF_ERROR(FromRocks(
      write_batch.Put(meta_, internal::kMetaHeadHash,
                      rocksdb::Slice(reinterpret_cast<const char*>(last->hash.data()), 32)),
      "event_log"));
  Status s = FromRocks(db_->Write(write_options_, &write_batch), "event_log: write");
  if (!s.ok()) {
    return Status::IOError("event_log", fmt::format("{}; the log is now read-only", s.message()));
  }
  if (!checkpoint_file_.empty()) {
    Status written = internal::WriteFileAtomically(checkpoint_file_, latest_checkpoint_);
    if (!written.ok()) {
      return Status::IOError("event_log", fmt::format("checkpoint file: {}; the log is now "
                                                      "read-only",
                                                      written.ToString()));
    }
  }
  std::lock_guard lock(head_mu_);
  BACKSTOP_ASSERT(batch.front()->range.first == head_seq_ + 1, head_seq_);
  head_seq_ = last->seq;
  head_hash_ = last->hash;
  return Status::OK();
}

// Puts the index entries of `batch` in key order, index by index: a memtable inserts each key
// from where the one before went in, which for the account-keyed indexes (entries all over
// the key range, in seq order) is a short walk instead of one from the top of the skip list
// each time. A stable sort: of entries with equal keys the same one is put last, and wins, as
// before.
Status EventLog::Impl::PutIndexEntries(const internal::GroupBatch& batch,
                                       rocksdb::WriteBatch* write_batch) {
  std::vector<const IndexEntry*> entries;
  for (const auto& group : batch) {
    for (const PendingRecord& record : group->records) {
      for (const IndexEntry& entry : record.index_entries) entries.push_back(&entry);
    }
  }
  std::stable_sort(entries.begin(), entries.end(), [](const IndexEntry* a, const IndexEntry* b) {
    return a->index != b->index ? a->index < b->index
                                : std::string_view(a->key) < std::string_view(b->key);
  });
  for (const IndexEntry* entry : entries) {
    BACKSTOP_RETURN_IF_ERROR(FromRocks(
        write_batch->Put(indexes_[static_cast<size_t>(entry->index)],
                         rocksdb::Slice(entry->key.data(), entry->key.size()), entry->value),
        "event_log"));
  }
  return Status::OK();
}

// The sequencer's tree frontier from the stored nodes of the head's complete subtrees.
Status EventLog::Impl::LoadFrontier() {
  Result<TreeFrontier> frontier = TreeFrontier::FromStored(
      head_seq_.value(), internal::MakeNodeReader(db_, tree_, read_options_));
  if (!frontier.ok()) {
    return Status::Corruption(
        "event_log", fmt::format("tree at the head (seq {}): {}; run verify, and reindex to "
                                 "rebuild the tree from the records",
                                 head_seq_, frontier.status().message()));
  }
  frontier_ = std::move(frontier).value();
  return Status::OK();
}

// Signs the checkpoint that ends `batch` and puts it under its tree size.
Status EventLog::Impl::PutCheckpoint(const internal::GroupBatch& batch,
                                     rocksdb::WriteBatch* write_batch) {
  BACKSTOP_ASSIGN_OR_RETURN(latest_checkpoint_,
                            internal::SignBatchCheckpoint(batch, chain_id_, &checkpoint_signer_));
  return FromRocks(
      write_batch->Put(checkpoints_, EncodeSeqKey(batch.back()->range.last), latest_checkpoint_),
      "event_log");
}

}  // namespace ledger
