// Private: the RocksDB info log (the text LOG file beside the database) of the event log.
//
// RocksDB's own logger writes through a WritableFileWriter; in Debian's build (assertions on),
// once one of its writes failed, the next line aborts the process
// (`sync_without_flush_called_` in WritableFileWriter::AssertFalseAndGetStatusForPrevError).
// A full disk does exactly that: the WAL write fails, RocksDB logs the error, the LOG write
// fails too, and the next line killed `ingest` instead of letting it report "No space left on
// device" (found by tests/e2e/storage_fault_test.cc). This logger writes through stdio and drops
// a line it cannot write. Thread-safe.
#pragma once

#include <rocksdb/env.h>

#include <memory>
#include <string>

namespace ledger::internal {

// A logger appending to `dir`/LOG (an existing LOG over 4 MiB is first renamed
// LOG.old.<microseconds>, which RocksDB's keep_log_file_num then bounds). With `read_only`, or
// if the file cannot be opened, a logger that drops every line: readers write nothing.
std::shared_ptr<rocksdb::Logger> MakeInfoLog(const std::string& dir, bool read_only);

}  // namespace ledger::internal
