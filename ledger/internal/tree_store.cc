// The stored Merkle tree and checkpoints of a format-2 log: reads, proofs and the rebuild.
#include <fmt/format.h>
#include <rocksdb/write_batch.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/strong_type_fmt.h"
#include "ledger/checkpoint.h"
#include "ledger/event_log.h"
#include "ledger/internal/event_log_impl.h"

namespace ledger {

using base::Result;
using base::Status;

using internal::DecodeSeqKey;
using internal::EncodeSeqKey;
using internal::EventLogAccess;
using internal::FromRocks;

namespace {

constexpr uint64_t kRebuildBatchRecords = 65536;

Status RequireTree(const EventLog& log, std::string_view what) {
  if (log.has_tree()) return Status::OK();
  return Status::InvalidArgument(
      what, "this log is format 1 (written before checkpoints): it has no Merkle tree");
}

Status RequireSize(const EventLog& log, uint64_t size) {
  if (size <= log.head_seq().value()) return Status::OK();
  return Status::InvalidArgument(
      "tree", fmt::format("tree size {} is beyond the log's head (seq {})", size, log.head_seq()));
}

}  // namespace

namespace internal {

NodeReader MakeNodeReader(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* tree,
                          rocksdb::ReadOptions options) {
  return [db, tree, options](int level, uint64_t index) -> Result<Hash> {
    std::string value;
    rocksdb::Status s =
        db->Get(options, tree, EncodeSeqKey(StoredNodePosition(level, index)), &value);
    if (s.IsNotFound() || (s.ok() && value.size() != kHashBytes)) {
      return Status::Corruption("tree", fmt::format("node (level {}, index {}) is {}", level, index,
                                                    s.ok() ? "damaged" : "missing"));
    }
    BACKSTOP_RETURN_IF_ERROR(FromRocks(s, "tree"));
    Hash hash{};
    std::memcpy(hash.data(), value.data(), hash.size());
    return hash;
  };
}

Result<std::string> SignBatchCheckpoint(const GroupBatch& batch, const ChainId& chain_id,
                                        std::unique_ptr<Signer>* signer) {
  const PendingGroup& group = *batch.back();
  const uint64_t size = group.range.last.value();
  BACKSTOP_ASSIGN_OR_RETURN(TreeFrontier frontier,
                            TreeFrontier::FromSubtrees(size, group.subtrees));
  base::Sha256 sha;
  Checkpoint checkpoint{CheckpointOrigin(chain_id), size, frontier.Root(sha),
                        group.records.back().hash};
  if (*signer == nullptr || (*signer)->key_id() != group.key->key_id()) {
    *signer = std::make_unique<Signer>(*group.key);
  }
  return SignCheckpoint(checkpoint, **signer);
}

Status CheckCheckpointFile(const std::string& path, const ChainId& chain_id,
                           uint32_t format_version, SequenceNumber head_seq,
                           const NodeReader& read) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::OK();  // Written at the first commit.
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return Status::IOError(path, "cannot read the checkpoint file");
  Result<SignedNote> note = ParseSignedNote(text);
  Result<Checkpoint> checkpoint =
      note.ok() ? ParseCheckpointBody(note->body) : Result<Checkpoint>(note.status());
  if (!checkpoint.ok()) {
    return Status::Corruption(path, "not a checkpoint: " + checkpoint.status().message());
  }
  if (checkpoint->origin != CheckpointOrigin(chain_id)) {
    return Status::InvalidArgument(
        path, fmt::format("is the checkpoint of log {}, not of this log ({})", checkpoint->origin,
                          CheckpointOrigin(chain_id)));
  }
  if (format_version < 2) {
    return Status::InvalidArgument(path, "a format-1 log keeps no checkpoints");
  }
  if (head_seq.value() < checkpoint->size) {
    return Status::Corruption(
        "event_log",
        fmt::format("the log ends at seq {}, behind the checkpoint in {} (tree size {}): "
                    "acknowledged records are missing; do not append: restore from a backup",
                    head_seq, path, checkpoint->size));
  }
  Result<Hash> root = TreeRoot(checkpoint->size, read);
  if (!root.ok() || *root != checkpoint->root) {
    return Status::Corruption(
        "event_log", fmt::format("the log's tree at size {} is not the one the checkpoint in {} "
                                 "signed: this log is not the history that was acknowledged",
                                 checkpoint->size, path));
  }
  return Status::OK();
}

}  // namespace internal

namespace {

NodeReader ReaderOf(const EventLog& log) {
  return internal::MakeNodeReader(EventLogAccess::db(log), EventLogAccess::tree(log),
                                  EventLogAccess::read_options(log));
}

}  // namespace

Result<Hash> EventLog::TreeRoot(uint64_t size) const {
  BACKSTOP_RETURN_IF_ERROR(RequireTree(*this, "tree"));
  BACKSTOP_RETURN_IF_ERROR(RequireSize(*this, size));
  return ledger::TreeRoot(size, ReaderOf(*this));
}

Result<Hash> EventLog::TreeNodeHash(int level, uint64_t index) const {
  BACKSTOP_RETURN_IF_ERROR(RequireTree(*this, "tree"));
  if (level < 0 || level >= 64 || ((index + 1) << level) >> level != index + 1 ||
      ((index + 1) << level) > head_seq().value()) {
    return Status::NotFound("tree", fmt::format("node ({}, {}) is not complete at tree size {}",
                                                level, index, head_seq()));
  }
  return ReaderOf(*this)(level, index);
}

Result<std::vector<Hash>> EventLog::InclusionProof(SequenceNumber seq, uint64_t size) const {
  BACKSTOP_RETURN_IF_ERROR(RequireTree(*this, "proof"));
  BACKSTOP_RETURN_IF_ERROR(RequireSize(*this, size));
  if (seq == SequenceNumber{0} || seq.value() > size) {
    return Status::InvalidArgument("proof",
                                   fmt::format("seq {} is not in the tree of size {}", seq, size));
  }
  return ledger::InclusionProof(seq.value() - 1, size, ReaderOf(*this));
}

Result<std::vector<Hash>> EventLog::ConsistencyProof(uint64_t old_size, uint64_t new_size) const {
  BACKSTOP_RETURN_IF_ERROR(RequireTree(*this, "proof"));
  BACKSTOP_RETURN_IF_ERROR(RequireSize(*this, new_size));
  return ledger::ConsistencyProof(old_size, new_size, ReaderOf(*this));
}

Result<std::string> EventLog::ReadCheckpoint(uint64_t size) const {
  BACKSTOP_RETURN_IF_ERROR(RequireTree(*this, "checkpoint"));
  std::string note;
  rocksdb::Status s =
      EventLogAccess::db(*this)->Get(EventLogAccess::read_options(*this),
                                     EventLogAccess::checkpoints(*this), EncodeSeqKey(size), &note);
  if (s.IsNotFound()) {
    return Status::NotFound("checkpoint",
                            fmt::format("no checkpoint at tree size {} (checkpoints are taken at "
                                        "the end of each group commit)",
                                        size));
  }
  BACKSTOP_RETURN_IF_ERROR(FromRocks(s, "checkpoint"));
  return note;
}

Result<std::vector<uint64_t>> EventLog::CheckpointSizes(uint64_t first, uint64_t last) const {
  BACKSTOP_RETURN_IF_ERROR(RequireTree(*this, "checkpoint"));
  std::vector<uint64_t> sizes;
  std::unique_ptr<rocksdb::Iterator> it(EventLogAccess::db(*this)->NewIterator(
      EventLogAccess::read_options(*this), EventLogAccess::checkpoints(*this)));
  for (it->Seek(EncodeSeqKey(first)); it->Valid(); it->Next()) {
    uint64_t size = 0;
    if (!DecodeSeqKey(std::string_view(it->key().data(), it->key().size()), &size)) {
      return Status::Corruption("checkpoint", "malformed key in the checkpoints column family");
    }
    if (last != 0 && size > last) break;
    sizes.push_back(size);
  }
  BACKSTOP_RETURN_IF_ERROR(FromRocks(it->status(), "checkpoint"));
  return sizes;
}

Result<std::string> EventLog::LatestCheckpoint() const {
  BACKSTOP_RETURN_IF_ERROR(RequireTree(*this, "checkpoint"));
  std::unique_ptr<rocksdb::Iterator> it(EventLogAccess::db(*this)->NewIterator(
      EventLogAccess::read_options(*this), EventLogAccess::checkpoints(*this)));
  it->SeekToLast();
  BACKSTOP_RETURN_IF_ERROR(FromRocks(it->status(), "checkpoint"));
  if (!it->Valid()) return Status::NotFound("checkpoint", "the log is empty: no checkpoint yet");
  return it->value().ToString();
}

Status EventLog::RebuildTree(const std::function<void(uint64_t, uint64_t)>& progress) {
  BACKSTOP_RETURN_IF_ERROR(RequireTree(*this, "reindex"));
  if (EventLogAccess::read_only(*this)) {
    return Status::InvalidArgument("reindex", "the log is open read-only");
  }
  BACKSTOP_RETURN_IF_ERROR(Flush());
  rocksdb::DB* db = EventLogAccess::db(*this);
  rocksdb::ColumnFamilyHandle* tree = EventLogAccess::tree(*this);
  rocksdb::WriteOptions synced;
  synced.sync = true;
  // A synced mark (internal::kMetaTreeRebuilding) comes first and the batch that ends the
  // rebuild removes it: a log that holds it has a tree missing nodes.
  rocksdb::ColumnFamilyHandle* meta = EventLogAccess::meta(*this);
  EventLogAccess::set_tree_rebuilding(*this, true);
  BACKSTOP_RETURN_IF_ERROR(
      FromRocks(db->Put(synced, meta, internal::kMetaTreeRebuilding, ""), "reindex: mark"));
  BACKSTOP_RETURN_IF_ERROR(internal::DeleteAllKeys(db, tree));
  const uint64_t total = head_seq().value();
  uint64_t done = 0;
  base::Sha256 sha;
  TreeFrontier frontier;
  std::vector<TreeNode> nodes;
  rocksdb::WriteBatch batch;
  LogRecord record;
  auto it = NewIterator(SequenceNumber{1}, SequenceNumber{0});
  for (; it->Valid(); it->Next()) {
    // The tree covers the stored hashes; whether each record is sound is verify's question.
    BACKSTOP_RETURN_IF_ERROR(DecodeRecordInto(it->value(), &record, EnvelopeCheck::kInputsOnly));
    nodes.clear();
    frontier.Append(sha, LeafHash(sha, record.hash()), &nodes);
    for (const TreeNode& node : nodes) {
      BACKSTOP_RETURN_IF_ERROR(FromRocks(
          batch.Put(tree, EncodeSeqKey(StoredNodePosition(node.level, node.index)),
                    rocksdb::Slice(reinterpret_cast<const char*>(node.hash.data()), kHashBytes)),
          "reindex"));
    }
    if (++done % kRebuildBatchRecords == 0 || done == total) {
      BACKSTOP_RETURN_IF_ERROR(FromRocks(db->Write(synced, &batch), "reindex: write tree"));
      batch.Clear();
      if (progress) progress(done, total);
    }
  }
  BACKSTOP_RETURN_IF_ERROR(it->status());
  BACKSTOP_RETURN_IF_ERROR(
      FromRocks(batch.Delete(meta, internal::kMetaTreeRebuilding), "reindex: write tree"));
  BACKSTOP_RETURN_IF_ERROR(FromRocks(db->Write(synced, &batch), "reindex: write tree"));
  EventLogAccess::set_tree_rebuilding(*this, false);
  return Status::OK();
}

}  // namespace ledger
