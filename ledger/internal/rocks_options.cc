// RocksDB options of the event log, the closed-head marker (see rocks_options.h), the seq key
// and Status conversions (event_log_impl.h) and the process's malloc settings for scans
// (KeepFreedMemoryForScans, ledger/event_log.h).

#include "ledger/internal/rocks_options.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <malloc.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "base/strong_type_fmt.h"
#include "ledger/event_log.h"
#include "ledger/indexes.h"
#include "ledger/internal/event_log_impl.h"

namespace ledger {

using base::Result;
using base::Status;

void KeepFreedMemoryForScans() {
  // Fixed thresholds (which also stop glibc from adjusting them): blocks under 64 MiB come from
  // the heap, and a heap is trimmed only when 256 MiB at its top are free.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace ledger

namespace ledger::internal {

std::string EncodeSeqKey(uint64_t value) {
  std::string key(8, '\0');
  for (int i = 0; i < 8; ++i) key[i] = static_cast<char>(value >> (56 - 8 * i));
  return key;
}

bool DecodeSeqKey(std::string_view key, uint64_t* value) {
  if (key.size() != 8) return false;
  *value = 0;
  for (char c : key) *value = (*value << 8) | static_cast<uint8_t>(c);
  return true;
}

Status FromRocks(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return Status::OK();
  std::string detail = status.ToString();
  if (status.IsNotFound()) return Status::NotFound(context, detail);
  if (status.IsCorruption()) return Status::Corruption(context, detail);
  if (status.IsInvalidArgument()) return Status::InvalidArgument(context, detail);
  if (status.IsBusy() || status.IsTryAgain()) return Status::Busy(context, detail);
  // RocksDB reports a held LOCK file as an IOError.
  if (detail.find("lock") != std::string::npos) return Status::Busy(context, detail);
  return Status::IOError(context, detail, status.IsIncomplete());
}

Status DeleteAllKeys(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
  constexpr size_t kBatchKeys = 65536;
  rocksdb::ReadOptions read;
  read.fill_cache = false;
  read.readahead_size = 2 << 20;
  rocksdb::WriteOptions synced;
  synced.sync = true;
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read, cf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    BACKSTOP_RETURN_IF_ERROR(FromRocks(batch.Delete(cf, it->key()), "reindex: clear"));
    if (static_cast<size_t>(batch.Count()) < kBatchKeys) continue;
    BACKSTOP_RETURN_IF_ERROR(FromRocks(db->Write(synced, &batch), "reindex: clear"));
    batch.Clear();
  }
  BACKSTOP_RETURN_IF_ERROR(FromRocks(it->status(), "reindex: clear"));
  return FromRocks(db->Write(synced, &batch), "reindex: clear");
}

Status UnfinishedRebuild(std::string_view what) {
  return Status::Corruption(
      "event_log", fmt::format("the {} rebuild did not finish (reindex was interrupted): run "
                               "reindex to rebuild it",
                               what));
}

// The head of the last clean close, kept beside RocksDB's own files. RocksDB trusts its MANIFEST:
// a damaged MANIFEST can make it open an older version of the database without an error (files
// it no longer references would even be deleted by a writable open). A log whose head is below
// the head it had when it was last closed cleanly has lost acknowledged records.
std::string HeadMarkerPath(const std::string& dir) { return dir + "/BACKSTOP_CLOSED_HEAD"; }

Status CheckHeadMarker(const std::string& dir, SequenceNumber head_seq) {
  std::ifstream in(HeadMarkerPath(dir));
  if (!in) return Status::OK();  // Never closed cleanly (or a log older than the marker).
  uint64_t closed{0};
  if (!(in >> closed)) return Status::Corruption("event_log", "unreadable closed-head marker");
  const SequenceNumber closed_seq{closed};
  if (head_seq < closed_seq) {
    return Status::Corruption(
        "event_log", fmt::format("the database holds records up to seq {}, but it was closed at "
                                 "seq {}: acknowledged records are missing (damaged MANIFEST or "
                                 "files?); do not open it for writing",
                                 head_seq, closed_seq));
  }
  return Status::OK();
}

// Written (and synced) after the memtables were flushed at a clean close.
void WriteHeadMarker(const std::string& dir, SequenceNumber head_seq) {
  const std::string path = HeadMarkerPath(dir);
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::trunc);
    out << head_seq << "\n";
    out.flush();
    if (!out) return;  // Best effort: the marker only adds a check.
  }
  const int fd = ::open(partial.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::rename(partial.c_str(), path.c_str());
}

rocksdb::DBOptions MakeDbOptions(bool create) {
  rocksdb::DBOptions options;
  options.create_if_missing = create;
  options.error_if_exists = create;
  options.create_missing_column_families = create;
  // Check every file and the MANIFEST aggressively; fail instead of guessing.
  options.paranoid_checks = true;
  // WAL recovery: kTolerateCorruptedTailRecords. A record at the WAL's tail that a crash cut
  // short was never synced, so never acknowledged: dropping it loses nothing promised, and
  // since each group commit is ONE WriteBatch (one checksummed WAL record) it drops whole
  // groups only. Any other corruption (a bad checksum inside synced data) makes Open fail
  // loudly. kPointInTimeRecovery (the default) would instead silently truncate the log at the
  // first bad record, losing acknowledged events after it; kAbsoluteConsistency would refuse
  // to open after an ordinary crash that tore the unsynced tail, needing a human to recover.
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  // A WAL file missing or shortened since it was closed is an error, not a silent gap.
  options.track_and_verify_wals_in_manifest = true;
  // One group commit is one WriteBatch across column families (records, indexes, tree, meta
  // head). Flush them all and record the result in the MANIFEST as one change: otherwise, after
  // a failed WAL sync, RocksDB's automatic recovery flushed the column families one by one; a
  // crash in between left some past the old WAL and others not, and the next open replayed the
  // failed (never acknowledged) batch into only some of them: a meta head beyond the last
  // record, which Open refuses (found by fault_injection_test's random faults).
  options.atomic_flush = true;
  // WAL writes go to the file at each Write (then synced), never held in a user buffer.
  options.manual_wal_flush = false;
  options.max_background_jobs = 2;
  options.keep_log_file_num = 4;  // RocksDB's text LOG files.
  // Recovery after a crash replays the WAL that memtables have not yet flushed; bounding it
  // (with write_buffer_size below) bounds restart time: RocksDB's open after a kill -9 took
  // 0.6-0.9 s with 64 MB, most of the 2 s recovery budget. Rarely written index column families
  // would otherwise pin old WAL files: past this size RocksDB flushes them.
  options.max_total_wal_size = 16 << 20;
  // Flushes and compactions hand their files to the disk every 1 MiB as they write them
  // (sync_file_range) rather than leaving the page cache to write them back in bursts, which
  // queue in front of the WAL's fdatasync of a group commit: under a loaded server the slowest
  // 1 % of those syncs took 4.0-5.3 ms without this and 2.9-3.8 ms with it (bench/README.md,
  // 2026-12-07 late), the median unchanged.
  options.bytes_per_sync = 1 << 20;
  return options;
}

rocksdb::ColumnFamilyOptions MakeColumnFamilyOptions(std::string_view name) {
  rocksdb::ColumnFamilyOptions options;
  // Records are mostly hashes and signatures: compression would cost CPU for little. Index
  // entries are small big-endian integers, mostly zero bytes: LZ4 shrinks them severalfold, so
  // a query reads fewer blocks, which matters most when they are not cached yet.
  const bool index = name.starts_with("idx_");
  options.compression = index ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;
  options.write_buffer_size = 8 << 20;  // Bounds the WAL replayed on recovery (see above).
  // An index keyed by account (or client) takes keys all over its range, so every L0 file
  // overlaps all of L1 and each L0 -> L1 compaction rewrites the whole of L1. With RocksDB's
  // L1 of up to 256 MB that rewrite grew with the log; a 2 MB L1 in 512 KB files bounds it,
  // and the levels below (x10 each) take the rest at leveled compaction's usual cost
  // (bench/README.md, "Compactions of the indexes"). The same for every index: those keyed by
  // market, time or asset take keys nearly in order, and stay small.
  if (index) {
    options.max_bytes_for_level_base = 2 << 20;
    options.target_file_size_base = 512 << 10;
  }
  // The two indexes every command writes to (its origin; its accounts' events): compacting
  // after 8 L0 files instead of 4 halves the L0 -> L1 work (the background CPU it took from a
  // loaded server), and a lookup there may visit up to 8 L0 files.
  if (name == IndexColumnFamily(Index::kClientCommand) ||
      name == IndexColumnFamily(Index::kAccountEvent)) {
    options.level0_file_num_compaction_trigger = 8;
  }
  rocksdb::BlockBasedTableOptions table;
  // Every block checksummed, verified on every read. XXH3 rather than CRC32c: Debian's RocksDB
  // is built for any x86-64, without the SSE 4.2 CRC32c instruction, and its table-driven
  // CRC32c was 7% of an audit's CPU; XXH3 is several times faster in plain 64-bit code. (Each
  // file records its checksum type: files written with CRC32c are still read and checked.)
  table.checksum = rocksdb::kXXH3;
  // 16 KiB blocks, not RocksDB's 4 KiB. An account's index entries are contiguous: larger
  // blocks read a whole history in fewer reads when it is not cached (each costs a disk round
  // trip on a cold query). Scans of the events (audit, replay) pay per block as well as per
  // record (lookup, checksum call, copy out of the readahead buffer): fewer, larger blocks.
  table.block_size = 16 << 10;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

rocksdb::ReadOptions MakeReadOptions() {
  rocksdb::ReadOptions options;
  options.verify_checksums = true;  // Explicit: a damaged block is an error, never data.
  return options;
}

rocksdb::WriteOptions MakeWriteOptions() {
  rocksdb::WriteOptions options;
  options.sync = true;         // Acknowledge only what is on disk.
  options.disableWAL = false;  // The WAL is what makes a group durable and atomic.
  return options;
}

}  // namespace ledger::internal
