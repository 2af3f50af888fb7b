// Copies of an event log for backup/: a RocksDB BackupEngine backup of an open (possibly live)
// log, and a new log holding a prefix of another log's records byte for byte. Both are
// read-only on the source; thread-safe as EventLog's readers are.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "ledger/record.h"
#include "ledger/status.h"

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
Result<uint32_t> BackupDatabase(const EventLog& log, rocksdb::BackupEngine& engine,
                                const std::string& app_metadata);

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
// derived from the records in the same pass (what RebuildIndexes and RebuildTree write). Only
// the last write is synced: the copy is durable when this returns OK. `last` must end a group; in
// format 2 it must also end a group commit, so that the new head carries its original signed
// checkpoint, unless options.sign_head is given. InvalidArgument otherwise (or for a sign_head key
// that is not the head record's). Corruption if a source record is missing or its key and envelope
// disagree (run verify).
Status CopyLogPrefix(const EventLog& source, SequenceNumber last, const std::string& dir,
                     const PrefixCopyOptions& options);

}  // namespace ledger
