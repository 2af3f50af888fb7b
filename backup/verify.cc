// backup verify (backup.h): RocksDB's file checks, ours, then the ledger's Verify in place.

#include <fmt/format.h>

#include "backup/backup.h"
#include "backup/internal/rocks_backup.h"
#include "backup/internal/sidecar.h"
#include "base/strong_type_fmt.h"

namespace backup {

namespace {

// The first path inside `dir` that `message` names ("" if none): RocksDB names a damaged
// file by its absolute path.
std::string PathIn(const std::string& message, const std::string& dir) {
  const size_t start = message.find(dir + "/");
  if (start == std::string::npos) return "";
  const size_t end = message.find_first_of(" ,;)'\"", start);
  return message.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The backed-up log, checked as `verify` checks a data directory, and its head against ours.
void VerifyInPlace(const rocksdb::BackupInfo& rocks, const internal::Sidecar& sidecar,
                   const ledger::Keyring& keyring, const Progress& progress,
                   const TableCheck& check_tables, VerifyBackupReport* report) {
  // The CRC32c check passes a table damaged before the backup was taken; RocksDB (built with
  // assertions) could abort on it.
  if (base::Status tables = internal::CheckTablesInPlace(rocks, check_tables); !tables.ok()) {
    report->message = "the backed-up log does not open: " + tables.message();
    return;
  }
  auto opened = internal::OpenInPlace(rocks);
  if (!opened.ok()) {
    report->message = "the backed-up log does not open: " + opened.status().message();
    return;
  }
  const ledger::EventLog& log = *opened->log;
  if (log.chain_id() != sidecar.info.chain_id) {
    report->message =
        fmt::format("the backed-up log is chain {}, info.json says {}",
                    ledger::ToHex(log.chain_id()), ledger::ToHex(sidecar.info.chain_id));
    return;
  }
  ledger::VerifyOptions options;
  options.progress = progress;
  report->chain = ledger::Verify(log, keyring, options);
  report->chain_checked = true;
  if (!report->chain.ok) {
    report->message = report->chain.message;
    return;
  }
  if (report->chain.head_seq != sidecar.info.head_seq ||
      report->chain.head_hash != sidecar.info.head_hash) {
    report->message =
        fmt::format("the backed-up log's head is seq {} ({}), info.json says seq {} ({})",
                    report->chain.head_seq, ledger::ToHex(report->chain.head_hash),
                    sidecar.info.head_seq, ledger::ToHex(sidecar.info.head_hash));
    return;
  }
  report->ok = true;
}

}  // namespace

base::Result<VerifyBackupReport> VerifyBackup(const std::string& backup_dir_given, uint32_t id,
                                              const KeyChooser& keys, const Progress& progress,
                                              const TableCheck& check_tables) {
  const std::string backup_dir = internal::AbsoluteDir(backup_dir_given);
  BACKSTOP_ASSIGN_OR_RETURN(auto engine, internal::OpenEngineReadOnly(backup_dir));
  VerifyBackupReport report;
  report.id = id;
  auto rocks = internal::GetInfo(*engine, backup_dir, id);
  if (!rocks.ok() && !rocks.status().IsCorruption()) return rocks.status();
  if (!rocks.ok()) {
    report.bad_file = backup_dir + "/meta/" + std::to_string(id);
    report.message = rocks.status().message();
    return report;
  }
  report.id = rocks->backup_id;
  base::Status files = internal::CheckFiles(*engine, report.id);
  if (!files.ok()) {
    report.message = files.message();
    report.bad_file = PathIn(report.message, backup_dir);
    return report;
  }
  const std::string folder = internal::SidecarDir(backup_dir, report.id);
  auto sidecar = internal::ReadSidecar(folder);
  if (!sidecar.ok()) {
    report.bad_file = folder + "/info.json";
    report.message = sidecar.status().message();
    return report;
  }
  base::Status ours = internal::CheckSidecarFiles(folder, *sidecar, &report.bad_file);
  if (!ours.ok()) {
    report.message = ours.message();
    return report;
  }
  BACKSTOP_ASSIGN_OR_RETURN(ledger::Keyring keyring, keys(folder));
  VerifyInPlace(*rocks, *sidecar, keyring, progress, check_tables, &report);
  return report;
}

}  // namespace backup
