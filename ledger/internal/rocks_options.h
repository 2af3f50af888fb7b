// Private: how the event log configures RocksDB (every safety option set explicitly, with the
// reasons at the definitions) and the closed-head marker that guards against a database that
// silently lost acknowledged records. Stateless functions; thread-safe.
#pragma once

#include <rocksdb/options.h>

#include <string>
#include <string_view>

#include "base/status.h"
#include "ledger/record.h"

namespace ledger::internal {

// Path of the marker file beside RocksDB's files in `dir`.
std::string HeadMarkerPath(const std::string& dir);
// Corruption if the marker exists and `head_seq` is below the head it recorded.
base::Status CheckHeadMarker(const std::string& dir, SequenceNumber head_seq);
// Records `head_seq` as the head of a clean close (synced; best effort).
void WriteHeadMarker(const std::string& dir, SequenceNumber head_seq);

rocksdb::DBOptions MakeDbOptions(bool create);
// Options of column family `name`: the secondary indexes ("idx_*") are LZ4-compressed, the rest
// is not; all in 16 KiB blocks, each with an XXH3 checksum.
rocksdb::ColumnFamilyOptions MakeColumnFamilyOptions(std::string_view name);
rocksdb::ReadOptions MakeReadOptions();
rocksdb::WriteOptions MakeWriteOptions();

}  // namespace ledger::internal
