// `backstop backup create|list|verify` and `backstop restore` (backup/backup.h,
// docs/OPERATIONS.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"

namespace backup {
class UnpackedArchive;
}  // namespace backup

namespace cli {

struct BackupCreateOptions {
  std::string data_dir;
  std::string backup_dir;  // --to
  uint32_t keep = 0;       // Newest backups to keep; 0: all (network form: the server's default).
  bool json = false;
  // The network form: ask a running `backstop serve` (operator certificate) to back up its live
  // log into its own --backup-dir. Exclusive with data_dir and backup_dir.
  std::string connect;    // HOST:PORT.
  std::string cert_file;  // Operator certificate (PEM).
  std::string key_file;   // Its private key (PEM).
  std::string ca_file;    // CA of the server's certificate (PEM); empty: the system's.
};
int RunBackupCreate(const BackupCreateOptions& options);

struct BackupListOptions {
  std::string backup_dir;
  bool json = false;
};
int RunBackupList(const BackupListOptions& options);

struct BackupVerifyOptions {
  std::string backup_dir;
  uint32_t id = 0;     // 0: the newest.
  TrustOptions trust;  // Without trusted keys, the backup's own keyring (with a warning).
  bool json = false;
};
int RunBackupVerify(const BackupVerifyOptions& options);

struct RestoreCommandOptions {
  std::string backup_dir;  // --from
  uint32_t id = 0;         // 0: the newest.
  std::string new_dir;     // --to
  std::optional<uint64_t> to_seq;
  // With to_seq: sign a checkpoint for a cut inside a group commit with this private key.
  std::string key_file;
  TrustOptions trust;  // For the closing audit; default: the restored keyring (with a warning).
  bool json = false;
};
int RunRestore(const RestoreCommandOptions& options);

struct ArchiveCreateOptions {
  std::string data_dir;
  std::string out;
  std::optional<uint64_t> to_seq;  // Up to the group commit holding it; default: the head.
  // From right after the newest verified snapshot before it (backup::ArchiveOptions::from_seq).
  std::optional<uint64_t> from_seq;
  bool json = false;
};
int RunArchiveCreate(const ArchiveCreateOptions& options);

// For `verify --archive` and `audit --archive`: with `archive` empty, `data_dir` (which must then
// be given); otherwise the archive unpacked into a temporary data directory kept in `*keep`
// (without the secondary indexes unless `indexes`: `verify` reads none).
base::Result<std::string> DataDirOrArchive(const std::string& data_dir, const std::string& archive,
                                           std::unique_ptr<backup::UnpackedArchive>* keep,
                                           bool indexes = true);

}  // namespace cli
