// Private: the adapter to RocksDB's BackupEngine (open, list, check, open a backup in place).
// Thread-compatible.
#pragma once

#include <rocksdb/utilities/backup_engine.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "ledger/event_log.h"

namespace backup::internal {

// `dir` absolute and normalized: RocksDB's backup file systems need absolute paths.
std::string AbsoluteDir(const std::string& dir);

base::Status FromRocks(const rocksdb::Status& status, std::string_view context);

// The engine of `dir`, for writing (creates `dir` if missing).
base::Result<std::unique_ptr<rocksdb::BackupEngine>> OpenEngine(const std::string& dir);
// The engine of `dir`, read-only. NotFound if `dir` holds no backup engine (no meta/ folder).
base::Result<std::unique_ptr<rocksdb::BackupEngineReadOnly>> OpenEngineReadOnly(
    const std::string& dir);

// Backup `id` (0: the newest non-corrupt one) with its file details. NotFound if absent,
// Corruption (naming its meta file) if RocksDB found its meta file damaged.
base::Result<rocksdb::BackupInfo> GetInfo(const rocksdb::BackupEngineReadOnlyBase& engine,
                                          const std::string& dir, uint32_t id);

// RocksDB's check of every file of backup `id`: size and CRC32c. Corruption naming the file.
base::Status CheckFiles(const rocksdb::BackupEngineReadOnlyBase& engine, uint32_t id);

// A backup's log opened read-only where it lies (BackupInfo::name_for_open and env_for_open,
// wrapped so that RocksDB writes no info LOG into the backup). Members are destroyed log first.
struct InPlaceLog {
  std::shared_ptr<rocksdb::Env> env;
  std::unique_ptr<ledger::EventLog> log;
};
base::Result<InPlaceLog> OpenInPlace(const rocksdb::BackupInfo& info);
// `check` (backup.h TableCheck; none: OK) on the backed-up log where it lies.
base::Status CheckTablesInPlace(
    const rocksdb::BackupInfo& info,
    const std::function<base::Status(const std::string&, rocksdb::Env*)>& check);

}  // namespace backup::internal
