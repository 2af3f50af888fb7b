// Backups of a live log through RocksDB's BackupEngine, the LogBuilder, and prefix copies
// (ledger/log_copy.h).

#include "ledger/log_copy.h"

#include <fmt/format.h>
#include <rocksdb/utilities/backup_engine.h>
#include <rocksdb/write_batch.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/assert.h"
#include "base/strong_type_fmt.h"
#include "ledger/checkpoint.h"
#include "ledger/indexes.h"
#include "ledger/internal/event_log_impl.h"
#include "ledger/merkle.h"

namespace ledger {

using base::Result;
using base::Status;

using internal::EventLogAccess;
using internal::FromRocks;

namespace {

constexpr size_t kBuildBatchRecords = 4096;

rocksdb::Slice AsSlice(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// LogBuilder

struct LogBuilder::State {
  std::unique_ptr<EventLog> log;
  Identity identity;
  rocksdb::WriteBatch batch;
  base::Sha256 sha;
  TreeFrontier frontier;
  LogRecord last;
  SequenceNumber head{0};
  std::vector<IndexEntry> entries;
  std::vector<TreeNode> nodes;

  // Puts the last record's secondary-index entries into the batch.
  Status PutIndexEntries() {
    entries.clear();
    IndexEntries(last, &entries);
    for (const IndexEntry& entry : entries) {
      BACKSTOP_RETURN_IF_ERROR(
          FromRocks(batch.Put(EventLogAccess::index(*log, entry.index),
                              rocksdb::Slice(entry.key.data(), entry.key.size()), entry.value),
                    "build"));
    }
    return Status::OK();
  }

  // Puts the record's secondary-index entries (if `indexes`) and the tree nodes it completes
  // into the batch.
  Status PutDerived(bool indexes) {
    if (indexes) BACKSTOP_RETURN_IF_ERROR(PutIndexEntries());
    if (identity.format_version < 2) return Status::OK();
    nodes.clear();
    frontier.Append(sha, LeafHash(sha, last.hash()), &nodes);
    for (const TreeNode& node : nodes) {
      BACKSTOP_RETURN_IF_ERROR(
          FromRocks(batch.Put(EventLogAccess::tree(*log),
                              internal::EncodeSeqKey(StoredNodePosition(node.level, node.index)),
                              AsSlice(node.hash)),
                    "build"));
    }
    return Status::OK();
  }

  // Writes the batch without the WAL: Finish flushes every column family to synced table files,
  // which makes the whole log durable at once (a crash before that leaves a log to discard).
  Status WriteBatch() {
    rocksdb::WriteOptions options;
    options.disableWAL = true;
    BACKSTOP_RETURN_IF_ERROR(FromRocks(EventLogAccess::db(*log)->Write(options, &batch), "build"));
    batch.Clear();
    return Status::OK();
  }

  Status FlushAll() {
    std::vector<rocksdb::ColumnFamilyHandle*> families = {
        EventLogAccess::events(*log), EventLogAccess::meta(*log), EventLogAccess::commits(*log),
        EventLogAccess::tree(*log), EventLogAccess::checkpoints(*log)};
    for (Index index : AllIndexes()) families.push_back(EventLogAccess::index(*log, index));
    rocksdb::FlushOptions options;
    options.wait = true;
    return FromRocks(EventLogAccess::db(*log)->Flush(options, families), "build: flush");
  }
};

LogBuilder::LogBuilder(std::unique_ptr<State> state) : state_(std::move(state)) {}
LogBuilder::~LogBuilder() = default;

Result<std::unique_ptr<LogBuilder>> LogBuilder::Create(const std::string& dir,
                                                       const Identity& identity) {
  if (identity.format_version < internal::kFirstFormatVersion ||
      identity.format_version > internal::kFormatVersion) {
    return Status::InvalidArgument(
        "build", fmt::format("format version {} is not supported", identity.format_version));
  }
  auto state = std::make_unique<State>();
  state->identity = identity;
  LogOptions create;
  create.chain_id = identity.chain_id;
  create.signing = identity.format_version < 2 ? SigningMode::kEvery : identity.signing;
  BACKSTOP_ASSIGN_OR_RETURN(state->log, EventLog::Create(dir, std::move(create)));
  return std::unique_ptr<LogBuilder>(new LogBuilder(std::move(state)));
}

Result<std::unique_ptr<LogBuilder>> LogBuilder::CreateAfter(const std::string& dir,
                                                            const Identity& identity,
                                                            const Anchor& anchor) {
  LogRecord record;
  Status decoded = DecodeRecordInto(anchor.record, &record, EnvelopeCheck::kAll);
  if (!decoded.ok()) return Status::Corruption("build", "the anchor: " + decoded.message());
  const SequenceNumber seq = record.seq();
  base::Sha256 sha;
  if (seq == SequenceNumber{0} ||
      ChainHash(sha, MakeDomainTag(identity.chain_id), record.prev_hash(), seq,
                record.envelope_bytes()) != record.hash()) {
    return Status::Corruption(
        "build", fmt::format("the anchor (seq {}): its hash does not recompute from its bytes "
                             "under chain {}",
                             seq, ToHex(identity.chain_id)));
  }
  std::optional<TreeFrontier> frontier;
  if (identity.format_version >= 2) {
    Result<TreeFrontier> derived =
        FrontierFromLastLeafProof(seq.value(), LeafHash(sha, record.hash()), anchor.proof);
    if (!derived.ok()) {
      return Status::Corruption(
          "build", fmt::format("the anchor (seq {}): {}", seq, derived.status().message()));
    }
    frontier = std::move(derived).value();
  } else if (!anchor.proof.empty()) {
    return Status::Corruption("build", "the anchor of a format-1 log has a tree proof");
  }
  BACKSTOP_ASSIGN_OR_RETURN(std::unique_ptr<LogBuilder> builder, Create(dir, identity));
  State& s = *builder->state_;
  s.last = std::move(record);
  s.head = seq;
  BACKSTOP_RETURN_IF_ERROR(
      FromRocks(s.batch.Put(EventLogAccess::events(*s.log), internal::EncodeSeqKey(seq),
                            AsSlice(anchor.record)),
                "build"));
  BACKSTOP_RETURN_IF_ERROR(s.PutIndexEntries());
  if (frontier) {
    const std::vector<TreeNode> subtrees = CompleteSubtrees(seq.value());
    BACKSTOP_ASSERT(subtrees.size() == frontier->subtrees().size(), seq);
    for (size_t i = 0; i < subtrees.size(); ++i) {
      BACKSTOP_RETURN_IF_ERROR(FromRocks(s.batch.Put(EventLogAccess::tree(*s.log),
                                                     internal::EncodeSeqKey(StoredNodePosition(
                                                         subtrees[i].level, subtrees[i].index)),
                                                     AsSlice(frontier->subtrees()[i])),
                                         "build"));
    }
    s.frontier = std::move(*frontier);
  }
  return builder;
}

SequenceNumber LogBuilder::head() const { return state_->head; }

Status LogBuilder::AddRecord(std::span<const uint8_t> value) {
  State& s = *state_;
  const SequenceNumber seq = s.head + 1;
  Status decoded = DecodeRecordInto(value, &s.last, EnvelopeCheck::kInputsOnly);
  if (!decoded.ok()) {
    return Status::Corruption("build", fmt::format("seq {}: {}", seq, decoded.message()));
  }
  if (s.last.seq() != seq) {
    return Status::Corruption("build",
                              fmt::format("seq {}: the record names seq {}", seq, s.last.seq()));
  }
  s.head = seq;
  BACKSTOP_RETURN_IF_ERROR(FromRocks(
      s.batch.Put(EventLogAccess::events(*s.log), internal::EncodeSeqKey(seq), AsSlice(value)),
      "build"));
  BACKSTOP_RETURN_IF_ERROR(s.PutDerived(derive_indexes_));
  if (seq.value() % kBuildBatchRecords == 0) BACKSTOP_RETURN_IF_ERROR(s.WriteBatch());
  return Status::OK();
}

Status LogBuilder::AddCommitMark(SequenceNumber seq) {
  if (seq == SequenceNumber{0} || seq > state_->head) {
    return Status::Corruption("build", fmt::format("commit mark {} beyond the records", seq));
  }
  return FromRocks(
      state_->batch.Put(EventLogAccess::commits(*state_->log), internal::EncodeSeqKey(seq), ""),
      "build");
}

Status LogBuilder::AddCheckpoint(uint64_t size, std::string_view note) {
  if (state_->identity.format_version < 2) {
    return Status::InvalidArgument("build", "a format-1 log has no checkpoints");
  }
  if (size == 0 || size > state_->head.value()) {
    return Status::Corruption("build", fmt::format("checkpoint {} beyond the records", size));
  }
  return FromRocks(
      state_->batch.Put(EventLogAccess::checkpoints(*state_->log), internal::EncodeSeqKey(size),
                        rocksdb::Slice(note.data(), note.size())),
      "build");
}

Status LogBuilder::SignHead(const PrivateKey& key) {
  State& s = *state_;
  if (s.head == SequenceNumber{0})
    return Status::InvalidArgument("build", "no record to sign a checkpoint of");
  if (s.last.key_id() != key.key_id()) {
    return Status::InvalidArgument(
        "build", fmt::format("record {} is signed by key {}, not by the given key {}", s.head,
                             ToHex(s.last.key_id()), ToHex(key.key_id())));
  }
  const Checkpoint checkpoint{CheckpointOrigin(s.identity.chain_id), s.head.value(),
                              s.frontier.Root(s.sha), s.last.hash()};
  BACKSTOP_ASSIGN_OR_RETURN(std::string note, SignCheckpoint(checkpoint, key));
  BACKSTOP_RETURN_IF_ERROR(AddCheckpoint(s.head.value(), note));
  return AddCommitMark(s.head);
}

Status LogBuilder::Finish() {
  State& s = *state_;
  if (s.head == SequenceNumber{0}) return Status::Corruption("build", "no records");
  rocksdb::ColumnFamilyHandle* meta = EventLogAccess::meta(*s.log);
  std::string version(4, '\0');
  for (int i = 0; i < 4; ++i) {
    version[i] = static_cast<char>(s.identity.format_version >> (24 - 8 * i));
  }
  BACKSTOP_RETURN_IF_ERROR(
      FromRocks(s.batch.Put(meta, internal::kMetaFormatVersion, version), "build"));
  if (s.identity.format_version < 2) {
    BACKSTOP_RETURN_IF_ERROR(FromRocks(s.batch.Delete(meta, internal::kMetaSigningMode), "build"));
  }
  BACKSTOP_RETURN_IF_ERROR(FromRocks(
      s.batch.Put(meta, internal::kMetaHeadSeq, internal::EncodeSeqKey(s.head)), "build"));
  BACKSTOP_RETURN_IF_ERROR(
      FromRocks(s.batch.Put(meta, internal::kMetaHeadHash, AsSlice(s.last.hash())), "build"));
  BACKSTOP_RETURN_IF_ERROR(s.WriteBatch());
  BACKSTOP_RETURN_IF_ERROR(s.FlushAll());
  s.log.reset();  // Closes; the next Open loads the head written above.
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Backups and prefix copies

namespace {

// InvalidArgument unless `last` may head a copy: a group end and, in format 2, a commit end
// (or a head checkpoint to be signed). Sets `*commit_end` when it is one.
Status CheckCut(const EventLog& source, SequenceNumber last, bool may_sign, bool* commit_end) {
  if (last == SequenceNumber{0} || last > source.head_seq()) {
    return Status::InvalidArgument(
        "copy", fmt::format("seq {} is not in the log (head {})", last, source.head_seq()));
  }
  BACKSTOP_ASSIGN_OR_RETURN(auto ends, source.CommitEnds(last, last));
  *commit_end = !ends.empty();
  if (last != source.head_seq()) {
    BACKSTOP_ASSIGN_OR_RETURN(LogRecord next, source.Read(last + 1));
    if (next.group() != last + 1) {
      return Status::InvalidArgument("copy", fmt::format("seq {} does not end a group", last));
    }
  }
  if (source.has_tree() && !*commit_end && !may_sign) {
    return Status::InvalidArgument(
        "copy", fmt::format("seq {} does not end a group commit: no signed checkpoint", last));
  }
  return Status::OK();
}

// Adds the keys (8-byte seqs) of `family` of `source` in [first, last] to `builder` with `add`.
Status CopySeqKeyed(const EventLog& source, rocksdb::ColumnFamilyHandle* family,
                    SequenceNumber first, SequenceNumber last,
                    const std::function<Status(SequenceNumber, std::string_view)>& add) {
  std::unique_ptr<rocksdb::Iterator> it(
      EventLogAccess::db(source)->NewIterator(EventLogAccess::read_options(source), family));
  for (it->Seek(internal::EncodeSeqKey(first)); it->Valid(); it->Next()) {
    SequenceNumber seq{0};
    const rocksdb::Slice key = it->key();
    if (!internal::DecodeSeqKey(std::string_view(key.data(), key.size()), &seq)) {
      return Status::Corruption("copy", "a key of " + family->GetName() + " is not 8 bytes");
    }
    if (seq > last) break;
    BACKSTOP_RETURN_IF_ERROR(add(seq, std::string_view(it->value().data(), it->value().size())));
  }
  return FromRocks(it->status(), "copy: " + family->GetName());
}

// Adds records builder.head()+1..`last` of `source` to `builder` with their commit marks and
// checkpoints. `progress` gets (records done, `last`).
Status CopyLogInto(const EventLog& source, SequenceNumber last, LogBuilder& builder,
                   const std::function<void(uint64_t, uint64_t)>& progress) {
  const SequenceNumber first = builder.head() + 1;
  SequenceNumber next_mark = first;  // Marks and checkpoints follow the records they end.
  auto flush_marks = [&](SequenceNumber upto) -> Status {
    BACKSTOP_RETURN_IF_ERROR(CopySeqKeyed(
        source, EventLogAccess::commits(source), next_mark, upto,
        [&](SequenceNumber seq, std::string_view) { return builder.AddCommitMark(seq); }));
    if (source.has_tree()) {
      BACKSTOP_RETURN_IF_ERROR(CopySeqKeyed(source, EventLogAccess::checkpoints(source), next_mark,
                                            upto, [&](SequenceNumber seq, std::string_view note) {
                                              return builder.AddCheckpoint(seq.value(), note);
                                            }));
    }
    next_mark = upto + 1;
    return Status::OK();
  };
  auto it = source.NewIterator(first, last);
  for (; it->Valid(); it->Next()) {
    if (it->key_seq() != builder.head() + 1) {
      return Status::Corruption("copy",
                                fmt::format("seq {}: missing from the source", builder.head() + 1));
    }
    BACKSTOP_RETURN_IF_ERROR(builder.AddRecord(it->value()));
    if (builder.head().value() % kBuildBatchRecords == 0) {
      BACKSTOP_RETURN_IF_ERROR(flush_marks(builder.head()));
      if (progress) progress(builder.head().value(), last.value());
    }
  }
  BACKSTOP_RETURN_IF_ERROR(it->status());
  if (builder.head() != last) {
    return Status::Corruption("copy",
                              fmt::format("seq {}: missing from the source", builder.head() + 1));
  }
  BACKSTOP_RETURN_IF_ERROR(flush_marks(last));
  if (progress) progress(last.value(), last.value());
  return Status::OK();
}

}  // namespace

Result<uint32_t> BackupDatabase(const EventLog& log, rocksdb::BackupEngine& engine,
                                const std::string& app_metadata) {
  if (EventLogAccess::read_only(log)) {
    return Status::InvalidArgument("backup",
                                   "the log is open read-only; RocksDB backs up only "
                                   "a database open for writing");
  }
  rocksdb::CreateBackupOptions options;
  options.flush_before_backup = true;
  rocksdb::BackupID id = 0;
  BACKSTOP_RETURN_IF_ERROR(FromRocks(
      engine.CreateNewBackupWithMetadata(options, EventLogAccess::db(log), app_metadata, &id),
      "backup: " + log.dir()));
  return id;
}

Status CopyLogPrefix(const EventLog& source, SequenceNumber last, const std::string& dir,
                     const PrefixCopyOptions& options) {
  bool commit_end = false;
  BACKSTOP_RETURN_IF_ERROR(CheckCut(source, last, options.sign_head.has_value(), &commit_end));
  LogBuilder::Identity identity;
  identity.chain_id = source.chain_id();
  identity.format_version = source.format_version();
  identity.signing = source.signing_mode();
  BACKSTOP_ASSIGN_OR_RETURN(auto builder, LogBuilder::Create(dir, identity));
  BACKSTOP_RETURN_IF_ERROR(CopyLogInto(source, last, *builder, options.progress));
  if (source.has_tree() && !commit_end) {
    BACKSTOP_ASSERT(options.sign_head.has_value(), last);
    BACKSTOP_RETURN_IF_ERROR(builder->SignHead(*options.sign_head));
  }
  return builder->Finish();
}

}  // namespace ledger
