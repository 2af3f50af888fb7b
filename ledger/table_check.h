// A check of a log's RocksDB table files that cannot take the caller down with it. Debian's
// RocksDB 7.8 is built with assertions, and some damaged SST files (a flipped bit in a
// footer that claims a data-block hash index) make it abort while it parses a block, before
// the block's checksum is checked. CheckTableFiles opens each table file and verifies every
// block checksum in a child process, so that such a file becomes a finding that names it. `verify`,
// `audit` and every command that recovers a log for writing run it before they open the log
// (docs/FAULTS.md).
#pragma once

#include <string>

#include "base/status.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace ledger {

// Checks the live table files of the RocksDB directory `dir` (those its MANIFEST names: files
// a crash left behind unreferenced are RocksDB's to delete, not damage), in one child process
// that opens the database read-only without reading any table, then opens each table and
// verifies all its block checksums. Returns "" when every file checks, else one line naming the
// damaged file and what happened ("000012.sst: reading it stopped RocksDB (signal 6,
// Aborted): the file is damaged"), or why the log does not open. "" for a folder whose creation
// did not finish (EventLog::Open refuses it, saying so). IOError if the child cannot be
// started. Forks: call it before the process starts threads.
base::Result<std::string> CheckTableFiles(const std::string& dir);
// The same through `env` (RocksDB's environment for the files, e.g. the one that opens a
// backed-up log where it lies; nullptr: the default).
base::Result<std::string> CheckTableFiles(const std::string& dir, rocksdb::Env* env);

}  // namespace ledger
