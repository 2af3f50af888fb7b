// Backups of a live log through RocksDB's BackupEngine, and prefix copies (ledger/log_copy.h).

#include "ledger/log_copy.h"

#include <fmt/format.h>
#include <rocksdb/utilities/backup_engine.h>
#include <rocksdb/write_batch.h>

#include <memory>
#include <string>
#include <vector>

#include "ledger/checkpoint.h"
#include "ledger/indexes.h"
#include "ledger/internal/event_log_impl.h"
#include "ledger/merkle.h"

namespace ledger {

using internal::EventLogAccess;
using internal::FromRocks;

namespace {

constexpr size_t kCopyBatchRecords = 4096;

rocksdb::Slice AsSlice(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// InvalidArgument unless `last` may head a copy: a group end and, in format 2, a commit end
// (or a head checkpoint to be signed). Sets `*commit_end` when it is one.
Status CheckCut(const EventLog& source, SequenceNumber last, bool may_sign, bool* commit_end) {
  if (last == 0 || last > source.head_seq()) {
    return Status::InvalidArgument(
        "copy", fmt::format("seq {} is not in the log (head {})", last, source.head_seq()));
  }
  LEDGER_ASSIGN_OR_RETURN(auto ends, source.CommitEnds(last, last));
  *commit_end = !ends.empty();
  if (last != source.head_seq()) {
    LEDGER_ASSIGN_OR_RETURN(LogRecord next, source.Read(last + 1));
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

// Puts the signed checkpoint of the tree of records 1..`record`.seq() (root `root`) and a commit
// mark there into `batch`.
Status PutHeadCheckpoint(const LogRecord& record, const Hash& root, const ChainId& chain_id,
                         const PrivateKey& key, EventLog& target, rocksdb::WriteBatch* batch) {
  if (record.key_id() != key.key_id()) {
    return Status::InvalidArgument(
        "copy", fmt::format("record {} is signed by key {}, not by the given key {}", record.seq(),
                            ToHex(record.key_id()), ToHex(key.key_id())));
  }
  const Checkpoint checkpoint{CheckpointOrigin(chain_id), record.seq(), root, record.hash()};
  LEDGER_ASSIGN_OR_RETURN(std::string note, SignCheckpoint(checkpoint, key));
  const std::string position = internal::EncodeSeqKey(record.seq());
  LEDGER_RETURN_IF_ERROR(
      FromRocks(batch->Put(EventLogAccess::checkpoints(target), position, note), "copy"));
  return FromRocks(batch->Put(EventLogAccess::commits(target), position, ""), "copy");
}

// Copies the keys of family `family` of `source` at or below `last` (8-byte seq keys) into
// `batch` for `target`.
Status CopySeqKeyed(const EventLog& source, rocksdb::ColumnFamilyHandle* family,
                    SequenceNumber last, rocksdb::ColumnFamilyHandle* target,
                    rocksdb::WriteBatch* batch) {
  if (family == nullptr) return Status::OK();
  std::unique_ptr<rocksdb::Iterator> it(
      EventLogAccess::db(source)->NewIterator(EventLogAccess::read_options(source), family));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    SequenceNumber seq = 0;
    const rocksdb::Slice key = it->key();
    if (!internal::DecodeSeqKey(std::string_view(key.data(), key.size()), &seq)) {
      return Status::Corruption("copy", "a key of " + family->GetName() + " is not 8 bytes");
    }
    if (seq > last) break;
    LEDGER_RETURN_IF_ERROR(FromRocks(batch->Put(target, key, it->value()), "copy"));
  }
  return FromRocks(it->status(), "copy: " + family->GetName());
}

// Puts a copied record's secondary-index entries and, in format 2, the tree nodes it completes
// into `batch`: the indexes and tree are rebuilt in the copy's own pass, as RebuildIndexes and
// RebuildTree would write them, without their synced batches.
Status PutDerived(const LogRecord& record, EventLog& target, Sha256& sha, TreeFrontier* frontier,
                  rocksdb::WriteBatch* batch) {
  std::vector<IndexEntry> entries;
  IndexEntries(record, &entries);
  for (const IndexEntry& entry : entries) {
    LEDGER_RETURN_IF_ERROR(
        FromRocks(batch->Put(EventLogAccess::index(target, entry.index),
                             rocksdb::Slice(entry.key.data(), entry.key.size()), entry.value),
                  "copy"));
  }
  if (frontier == nullptr) return Status::OK();
  std::vector<TreeNode> nodes;
  frontier->Append(sha, LeafHash(sha, record.hash()), &nodes);
  for (const TreeNode& node : nodes) {
    LEDGER_RETURN_IF_ERROR(
        FromRocks(batch->Put(EventLogAccess::tree(target),
                             internal::EncodeSeqKey(StoredNodePosition(node.level, node.index)),
                             AsSlice(node.hash)),
                  "copy"));
  }
  return Status::OK();
}

// Writes records 1..last (with their index entries and tree nodes), the commit marks and
// checkpoints, and the meta of `source` into the freshly created `target`; only the last batch,
// which sets the head, is synced.
Status CopyRecords(const EventLog& source, SequenceNumber last, EventLog& target,
                   const PrefixCopyOptions& options, bool commit_end) {
  rocksdb::DB* db = EventLogAccess::db(target);
  rocksdb::WriteOptions unsynced;
  rocksdb::WriteBatch batch;
  LogRecord record;
  Sha256 sha;
  TreeFrontier frontier;
  auto it = source.NewIterator(1, last);
  SequenceNumber expected = 1;
  for (; it->Valid(); it->Next(), ++expected) {
    if (it->key_seq() != expected) {
      return Status::Corruption("copy", fmt::format("seq {}: missing from the source", expected));
    }
    LEDGER_RETURN_IF_ERROR(DecodeRecordInto(it->value(), &record, EnvelopeCheck::kInputsOnly));
    if (record.seq() != expected) {
      return Status::Corruption(
          "copy", fmt::format("seq {}: envelope names seq {}", expected, record.seq()));
    }
    LEDGER_RETURN_IF_ERROR(
        FromRocks(batch.Put(EventLogAccess::events(target), internal::EncodeSeqKey(expected),
                            AsSlice(it->value())),
                  "copy"));
    LEDGER_RETURN_IF_ERROR(
        PutDerived(record, target, sha, source.has_tree() ? &frontier : nullptr, &batch));
    if (expected % kCopyBatchRecords == 0) {
      LEDGER_RETURN_IF_ERROR(FromRocks(db->Write(unsynced, &batch), "copy: write records"));
      batch.Clear();
      if (options.progress) options.progress(expected, last);
    }
  }
  LEDGER_RETURN_IF_ERROR(it->status());
  if (expected != last + 1) {
    return Status::Corruption("copy", fmt::format("seq {}: missing from the source", expected));
  }
  LEDGER_RETURN_IF_ERROR(CopySeqKeyed(source, EventLogAccess::commits(source), last,
                                      EventLogAccess::commits(target), &batch));
  if (source.has_tree()) {
    LEDGER_RETURN_IF_ERROR(CopySeqKeyed(source, EventLogAccess::checkpoints(source), last,
                                        EventLogAccess::checkpoints(target), &batch));
    if (!commit_end) {
      BACKSTOP_ASSERT(options.sign_head.has_value(), last);
      LEDGER_RETURN_IF_ERROR(PutHeadCheckpoint(record, frontier.Root(sha), source.chain_id(),
                                               *options.sign_head, target, &batch));
    }
  }
  rocksdb::ColumnFamilyHandle* meta = EventLogAccess::meta(target);
  std::string version(4, '\0');
  for (int i = 0; i < 4; ++i) {
    version[i] = static_cast<char>(source.format_version() >> (24 - 8 * i));
  }
  LEDGER_RETURN_IF_ERROR(FromRocks(batch.Put(meta, internal::kMetaFormatVersion, version), "copy"));
  if (!source.has_tree()) {
    LEDGER_RETURN_IF_ERROR(FromRocks(batch.Delete(meta, internal::kMetaSigningMode), "copy"));
  }
  LEDGER_RETURN_IF_ERROR(
      FromRocks(batch.Put(meta, internal::kMetaHeadSeq, internal::EncodeSeqKey(last)), "copy"));
  LEDGER_RETURN_IF_ERROR(
      FromRocks(batch.Put(meta, internal::kMetaHeadHash, AsSlice(record.hash())), "copy"));
  rocksdb::WriteOptions synced;
  synced.sync = true;
  LEDGER_RETURN_IF_ERROR(FromRocks(db->Write(synced, &batch), "copy: write head"));
  if (options.progress) options.progress(last, last);
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
  LEDGER_RETURN_IF_ERROR(FromRocks(
      engine.CreateNewBackupWithMetadata(options, EventLogAccess::db(log), app_metadata, &id),
      "backup: " + log.dir()));
  return id;
}

Status CopyLogPrefix(const EventLog& source, SequenceNumber last, const std::string& dir,
                     const PrefixCopyOptions& options) {
  bool commit_end = false;
  LEDGER_RETURN_IF_ERROR(CheckCut(source, last, options.sign_head.has_value(), &commit_end));
  LogOptions create;
  create.chain_id = source.chain_id();
  create.signing = source.signing_mode();
  LEDGER_ASSIGN_OR_RETURN(auto target, EventLog::Create(dir, std::move(create)));
  return CopyRecords(source, last, *target, options, commit_end);
}

}  // namespace ledger
