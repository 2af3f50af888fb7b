// Private: EventLog's implementation state, for event_log.cc, the verifier and tests.
// Tests reach RocksDB through EventLogAccess to damage stored values on purpose.
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ledger/event_log.h"
#include "ledger/internal/append_pipeline.h"
#include "ledger/internal/codec.h"
#include "ledger/merkle.h"

namespace ledger::internal {

// Column families. To add one (e.g. an index), append a row to kColumnFamilies in
// event_log.cc: Create makes it, and Open creates it in older logs that lack it.
inline constexpr char kEventsColumnFamily[] = "events";
inline constexpr char kMetaColumnFamily[] = "meta";
// Key: the last seq of each synced WriteBatch (8 bytes big-endian); value: empty.
inline constexpr char kCommitsColumnFamily[] = "commits";
// Format 2. Key: a node's StoredNodePosition (8 bytes big-endian); value: its 32-byte hash.
inline constexpr char kTreeColumnFamily[] = "tree";
// Format 2. Key: the tree size (the last seq) of each synced WriteBatch; value: the signed
// checkpoint note.
inline constexpr char kCheckpointsColumnFamily[] = "checkpoints";

// Keys of the meta column family.
inline constexpr char kMetaChainId[] = "chain_id";              // 16 bytes.
inline constexpr char kMetaFormatVersion[] = "format_version";  // 4 bytes big-endian.
inline constexpr char kMetaHeadSeq[] = "head_seq";              // 8 bytes big-endian.
inline constexpr char kMetaHeadHash[] = "head_hash";            // 32 bytes.
inline constexpr char kMetaSigningMode[] = "signing_mode";      // Format 2: 1 byte, SigningMode.
// Present (empty) while RebuildIndexes (RebuildTree) runs: put in the synced batch that clears
// the indexes (tree), deleted by the batch that ends the rebuild. A crash in between leaves
// it, and the log then refuses appends and index reads until a rebuild completes.
inline constexpr char kMetaIndexesRebuilding[] = "indexes_rebuilding";
inline constexpr char kMetaTreeRebuilding[] = "tree_rebuilding";
// A file in the log's folder that Create writes (synced) before RocksDB creates anything and
// removes (durably) once the meta is synced: a folder holding it is a creation that did not
// finish, which every Open refuses.
inline constexpr char kCreatingMarker[] = "CREATING";
// Format 1: every record signed, no tree (read and appended to as before). Format 2: the tree
// and checkpoints, and a signing mode. Format 3: format 2 whose ADL effects also carry the
// ranking commitment and score inputs (ledger::kFormatAdlCommitment; the storage is format
// 2's). Create writes kFormatVersion.
inline constexpr uint32_t kFormatVersion = 3;
inline constexpr uint32_t kFirstFormatVersion = 1;

// An 8-byte big-endian key: a sequence number, or a tree size or node position (plain integers).
std::string EncodeSeqKey(uint64_t value);
inline std::string EncodeSeqKey(SequenceNumber seq) { return EncodeSeqKey(seq.value()); }
// False unless `key` is exactly 8 bytes.
bool DecodeSeqKey(std::string_view key, uint64_t* value);
inline bool DecodeSeqKey(std::string_view key, SequenceNumber* seq) {
  uint64_t value = 0;
  if (!DecodeSeqKey(key, &value)) return false;
  *seq = SequenceNumber{value};
  return true;
}
// Maps a RocksDB status to ours; `context` names the operation.
base::Status FromRocks(const rocksdb::Status& status, std::string_view context);
// Deletes every key of `cf` with point deletions, in synced batches. (Not DeleteRange: Debian's
// RocksDB 7.8, built with assertions, aborted in a compaction of range tombstones after a
// failed write: ExtractUserKey's `internal_key.size() >= kNumInternalBytes`.)
base::Status DeleteAllKeys(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf);
// The error of a log whose rebuild of `what` ("index", "Merkle tree") did not finish.
base::Status UnfinishedRebuild(std::string_view what);

// The meta head as of a RocksDB snapshot (EventLog::Impl::ReadStoredHead).
using StoredHeadReader =
    std::function<base::Result<std::pair<SequenceNumber, Hash>>(const rocksdb::Snapshot*)>;
// The iterator over records [first, last] (last 0: to the end) of `events`, at a snapshot it
// takes; record_reader.cc.
std::unique_ptr<RecordIterator> NewRecordIterator(rocksdb::DB* db,
                                                  rocksdb::ColumnFamilyHandle* events,
                                                  rocksdb::ReadOptions options,
                                                  SequenceNumber first, SequenceNumber last,
                                                  StoredHeadReader stored_head);
// Record `seq`, decoded: NotFound if absent, Corruption if it does not decode or names
// another seq; record_reader.cc.
base::Result<LogRecord> ReadRecord(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events,
                                   const rocksdb::ReadOptions& options, SequenceNumber seq);

// Reads stored tree nodes of `tree` (tree_store.cc): Corruption naming the node if it is
// missing or not 32 bytes.
NodeReader MakeNodeReader(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* tree,
                          rocksdb::ReadOptions options);

// The signed checkpoint note of the tree as it stands after `batch`, signed by the key of the
// batch's records (one key per batch: see AppendPipeline's writer); tree_store.cc. `*signer`
// is kept between calls, and made again when the batch's key is another.
base::Result<std::string> SignBatchCheckpoint(const GroupBatch& batch, const ChainId& chain_id,
                                              std::unique_ptr<Signer>* signer);
// Refuses a log that is behind, or differs from, the checkpoint kept in the file at `path`
// (LogOptions::checkpoint_file; no file yet is fine); `read` reads the log's tree (null for a
// format-1 log); tree_store.cc.
base::Status CheckCheckpointFile(const std::string& path, const ChainId& chain_id,
                                 uint32_t format_version, SequenceNumber head_seq,
                                 const NodeReader& read);

struct EventLogAccess {
  static rocksdb::DB* db(const EventLog& log);
  static rocksdb::ColumnFamilyHandle* events(const EventLog& log);
  static rocksdb::ColumnFamilyHandle* meta(const EventLog& log);
  static rocksdb::ColumnFamilyHandle* commits(const EventLog& log);
  static rocksdb::ColumnFamilyHandle* tree(const EventLog& log);
  static rocksdb::ColumnFamilyHandle* checkpoints(const EventLog& log);
  static const rocksdb::ReadOptions& read_options(const EventLog& log);
  static rocksdb::ColumnFamilyHandle* index(const EventLog& log, Index index);
  static bool read_only(const EventLog& log);
  // Starts the automatic compactions a writable log defers until its first write.
  static base::Status StartCompactions(EventLog& log);
  // Whether a rebuild of the indexes (the tree) is under way or did not finish (the meta
  // markers above); set by the rebuilds.
  static bool indexes_rebuilding(const EventLog& log);
  static void set_indexes_rebuilding(EventLog& log, bool on);
  static bool tree_rebuilding(const EventLog& log);
  static void set_tree_rebuilding(EventLog& log, bool on);
  // Every later WriteBatch fails with IOError, as a failing disk would.
  static void FailWritesForTest(EventLog& log);
};

}  // namespace ledger::internal
