// Copies of an event log for backup/: a RocksDB BackupEngine backup of an open (possibly live)
// log, a new log holding a prefix of another log's records byte for byte, and the builder both
// that and an archive import use. Read-only on the source; thread-safe as EventLog's readers
// are; a LogBuilder is thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "ledger/record.h"

namespace rocksdb {
class BackupEngine;
}  // namespace rocksdb

namespace ledger {

// Adds a backup of `log`'s RocksDB database to `engine` (rocksdb/utilities/backup_engine.h):
// the memtables are flushed first, then the live files are copied (table files already in the
// backup directory are shared, not copied again). Appends through `log` may continue during
// the call: the backup holds the log as of one instant during it, a prefix of whole group
// commits, as after a crash. Returns the new backup's id. InvalidArgument if `log` is open
// read-only (RocksDB cannot back up a read-only database); IOError on storage failure.
base::Result<uint32_t> BackupDatabase(const EventLog& log, rocksdb::BackupEngine& engine,
                                      const std::string& app_metadata);

// Writes a new log from stored records given one at a time, in seq order from 1, with their
// commit marks and signed checkpoints; derives the secondary-index entries and (format 2) the
// Merkle tree nodes in the same pass (what RebuildIndexes and RebuildTree write). Writes skip
// RocksDB's WAL; Finish flushes everything to synced table files, so the log is durable once
// Finish returns OK (a crash before leaves a directory to delete). Nothing here checks
// signatures or checkpoints: verify the result.
class LogBuilder {
 public:
  struct Identity {
    ChainId chain_id{};
    uint32_t format_version = 3;  // 1, 2 or 3.
    SigningMode signing = SigningMode::kCheckpoint;
  };
  // Creates the log in `dir` (which must not exist). InvalidArgument for a format this build
  // does not write records of; IOError on storage failure.
  static base::Result<std::unique_ptr<LogBuilder>> Create(const std::string& dir,
                                                          const Identity& identity);
  // Where a log that begins mid-chain (an archive of a range) starts: the record just before
  // its first one, the anchor, and (format 2) the RFC 6962 inclusion proof of the anchor's leaf
  // in the tree of the records up to it (EventLog::InclusionProof(seq, seq)).
  struct Anchor {
    std::span<const uint8_t> record;  // The anchor's stored value; must outlive the call.
    std::vector<Hash> proof;
  };
  // Creates the log in `dir` holding the anchor under its seq (with its index entries) and, in
  // format 2, the frontier of the tree there derived from the proof (its complete subtrees'
  // nodes): what Verify with VerifyOptions::first = anchor seq + 1 trusts as the chain's start
  // and the tree's. AddRecord continues at the anchor's seq + 1. Corruption if the anchor does
  // not decode, its hash does not recompute from its bytes under the chain id, or the proof
  // does not fit a tree of the anchor's seq leaves; else as Create. That the anchor and the
  // frontier are the log's is for the records after them and the signed checkpoints to show.
  static base::Result<std::unique_ptr<LogBuilder>> CreateAfter(const std::string& dir,
                                                               const Identity& identity,
                                                               const Anchor& anchor);
  ~LogBuilder();
  LogBuilder(const LogBuilder&) = delete;
  LogBuilder& operator=(const LogBuilder&) = delete;

  // Whether AddRecord writes each record's secondary-index entries (default: yes). Off for a
  // log that only Verify reads (it reads no index; an audit or a query would find the indexes
  // incomplete): a third less work when unpacking an archive only to verify it. Set it before
  // the first AddRecord.
  void set_derive_indexes(bool derive) { derive_indexes_ = derive; }
  // Adds the stored value of record head()+1. Corruption if it does not decode, or its
  // envelope names another seq.
  base::Status AddRecord(std::span<const uint8_t> value);
  // Adds the commit mark of a synced batch ending at `seq` <= head() (Corruption otherwise).
  base::Status AddCommitMark(SequenceNumber seq);
  // Adds the signed checkpoint note of tree size `size` <= head() (Corruption otherwise; format
  // 2 only, InvalidArgument in format 1).
  base::Status AddCheckpoint(uint64_t size, std::string_view note);
  // Signs and adds the checkpoint of the tree of every record added, with a commit mark at the
  // head, with `key`, which must be the head record's key (InvalidArgument otherwise).
  base::Status SignHead(const PrivateKey& key);
  // Writes the meta head, flushes everything to synced table files and closes the log.
  // Corruption if no record was added.
  base::Status Finish();
  SequenceNumber head() const;

 private:
  struct State;
  explicit LogBuilder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
  bool derive_indexes_ = true;
};

struct PrefixCopyOptions {
  // Format 2: when `last` ends a group but not a group commit (a commit holds several groups,
  // and only its end has a signed checkpoint), sign a checkpoint of the tree of the first
  // `last` records with this key (the key of record `last`) and store it, with a commit mark,
  // as the head's. Without it such a cut is InvalidArgument. Default: none.
  std::optional<PrivateKey> sign_head;
  // Called with (records copied, records to copy). Default: none.
  std::function<void(uint64_t, uint64_t)> progress;
};

// Creates a new log in `dir` (which must not exist; its parent must) holding records 1..`last`
// of `source` with the bytes stored there (same chain id, format version and signing mode, so
// the same hashes and signatures), the `commits` marks and signed checkpoints at or below
// `last`, the meta head at `last`, and the secondary indexes and (format 2) Merkle tree nodes
// derived from the records in the same pass (LogBuilder): durable when this returns OK.
// `last` must end a group; in format 2 it must also end a group commit, so that the new head
// carries its original signed checkpoint, unless options.sign_head is given. InvalidArgument
// otherwise (or for a sign_head key that is not the head record's). Corruption if a source
// record is missing or its key and envelope disagree (run verify).
base::Status CopyLogPrefix(const EventLog& source, SequenceNumber last, const std::string& dir,
                           const PrefixCopyOptions& options);

}  // namespace ledger
