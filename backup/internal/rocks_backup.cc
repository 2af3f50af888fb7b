// The BackupEngine adapter (rocks_backup.h).

#include "backup/internal/rocks_backup.h"

#include <fmt/format.h>

#include <cstdarg>
#include <filesystem>

namespace backup::internal {

namespace {

// Drops RocksDB's informational log lines: a backup opened in place must stay as it is.
class NullLogger : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
};

class QuietEnv : public rocksdb::EnvWrapper {
 public:
  explicit QuietEnv(const std::shared_ptr<rocksdb::Env>& target) : rocksdb::EnvWrapper(target) {}
  const char* Name() const override { return "BackstopQuietBackupEnv"; }
  rocksdb::Status NewLogger(const std::string& /*fname*/,
                            std::shared_ptr<rocksdb::Logger>* result) override {
    *result = std::make_shared<NullLogger>();
    return rocksdb::Status::OK();
  }
};

rocksdb::BackupEngineOptions EngineOptions(const std::string& dir) {
  rocksdb::BackupEngineOptions options(dir);
  options.share_table_files = true;          // Incremental: unchanged table files are shared.
  options.share_files_with_checksum = true;  // Same-numbered files of other histories differ.
  options.sync = true;                       // A backup survives a crash of the machine.
  options.backup_log_files = true;           // The WAL tail too (flushed first anyway).
  options.destroy_old_data = false;
  options.max_background_operations = 2;
  return options;
}

}  // namespace

std::string AbsoluteDir(const std::string& dir) {
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(dir, ec);
  return (ec ? std::filesystem::path(dir) : absolute).lexically_normal().string();
}

base::Status FromRocks(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return base::Status::OK();
  const std::string message = status.ToString();
  if (status.IsNotFound()) return base::Status::NotFound(context, message);
  if (status.IsCorruption()) return base::Status::Corruption(context, message);
  if (status.IsInvalidArgument()) return base::Status::InvalidArgument(context, message);
  if (status.IsBusy()) return base::Status::Busy(context, message);
  return base::Status::IOError(context, message);
}

base::Result<std::unique_ptr<rocksdb::BackupEngine>> OpenEngine(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return base::Status::IOError("backup", "cannot create " + dir + ": " + ec.message());
  rocksdb::BackupEngine* engine = nullptr;
  BACKSTOP_RETURN_IF_ERROR(
      FromRocks(rocksdb::BackupEngine::Open(EngineOptions(dir), rocksdb::Env::Default(), &engine),
                "backup: open " + dir));
  return std::unique_ptr<rocksdb::BackupEngine>(engine);
}

base::Result<std::unique_ptr<rocksdb::BackupEngineReadOnly>> OpenEngineReadOnly(
    const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir + "/meta", ec)) {
    return base::Status::NotFound("backup", "no backups in " + dir);
  }
  rocksdb::BackupEngineReadOnly* engine = nullptr;
  BACKSTOP_RETURN_IF_ERROR(FromRocks(
      rocksdb::BackupEngineReadOnly::Open(EngineOptions(dir), rocksdb::Env::Default(), &engine),
      "backup: open " + dir));
  return std::unique_ptr<rocksdb::BackupEngineReadOnly>(engine);
}

base::Result<rocksdb::BackupInfo> GetInfo(const rocksdb::BackupEngineReadOnlyBase& engine,
                                          const std::string& dir, uint32_t id) {
  rocksdb::BackupInfo info;
  rocksdb::Status s =
      id == 0 ? engine.GetLatestBackupInfo(&info, true) : engine.GetBackupInfo(id, &info, true);
  if (s.IsCorruption()) {
    return base::Status::Corruption(
        "backup",
        fmt::format("backup {}: {}: {}", id, dir + "/meta/" + std::to_string(id), s.ToString()));
  }
  if (s.IsNotFound()) {
    return base::Status::NotFound(
        "backup", id == 0 ? "no backup in " + dir : fmt::format("no backup {} in {}", id, dir));
  }
  BACKSTOP_RETURN_IF_ERROR(FromRocks(s, "backup"));
  return info;
}

base::Status CheckFiles(const rocksdb::BackupEngineReadOnlyBase& engine, uint32_t id) {
  rocksdb::IOStatus s = engine.VerifyBackup(id, /*verify_with_checksum=*/true);
  if (s.ok()) return base::Status::OK();
  return base::Status::Corruption("backup", fmt::format("backup {}: {}", id, s.ToString()));
}

base::Result<InPlaceLog> OpenInPlace(const rocksdb::BackupInfo& info) {
  BACKSTOP_ASSERT(info.env_for_open != nullptr, info.backup_id);
  InPlaceLog opened;
  opened.env = std::make_shared<QuietEnv>(info.env_for_open);
  ledger::LogOptions options;
  options.read_only = true;
  options.env = opened.env;
  BACKSTOP_ASSIGN_OR_RETURN(opened.log, ledger::EventLog::Open(info.name_for_open, options));
  return opened;
}

base::Status CheckTablesInPlace(
    const rocksdb::BackupInfo& info,
    const std::function<base::Status(const std::string&, rocksdb::Env*)>& check) {
  if (!check) return base::Status::OK();
  BACKSTOP_ASSERT(info.env_for_open != nullptr, info.backup_id);
  QuietEnv env(info.env_for_open);
  return check(info.name_for_open, &env);
}

}  // namespace backup::internal
