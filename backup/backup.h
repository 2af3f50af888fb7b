// Backups of a data directory and restores from them (docs/OPERATIONS.md). A backup directory
// holds RocksDB's BackupEngine files (meta/, private/, shared_checksum/: incremental, table files
// shared between backups) and, per backup, backstop/<id>/ with info.json, the keyring, the
// snapshots at or below the backup's head and its newest signed checkpoint.
// Functions here are thread-compatible; one process at a time may write a backup directory.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "ledger/verifier.h"
#include "replay/auditor.h"
#include "replay/data_dir.h"

namespace backup {

using Progress = std::function<void(uint64_t done, uint64_t total)>;

// A check of a log's RocksDB table files, given its folder and the RocksDB environment that
// reads it (nullptr: the default): OK, or the finding (Corruption) that stops the caller.
// VerifyBackup and Restore call it once the backed-up files have passed their CRC32c (which a
// table already damaged when the backup was taken passes) and before anything opens the log.
// The CLI passes ledger::CheckTableFiles, which forks: fine in a single-threaded process, not
// in one with other threads running (a forked child could wait for a lock held by one of
// them), so library callers with threads leave it empty.
using TableCheck = std::function<base::Status(const std::string& log_dir, rocksdb::Env* env)>;

// One backup as listed.
struct BackupInfo {
  uint32_t id = 0;
  ledger::SequenceNumber head_seq{0};  // The backed-up log's head.
  ledger::Hash head_hash{};
  int64_t time_s = 0;        // When RocksDB took it (Unix seconds).
  uint64_t size_bytes = 0;   // Its RocksDB files (shared ones counted in full) plus ours.
  uint32_t rocks_files = 0;  // RocksDB files it references.
  uint32_t snapshots = 0;    // Snapshot files it holds.
  ledger::ChainId chain_id{};
  uint32_t format_version = 0;
  std::string source;  // The data directory it was taken from (absolute).
  // False when backstop/<id>/info.json is missing or unreadable (a backup interrupted between
  // RocksDB's part and ours); then only id, time and size are known, and it cannot be restored.
  bool complete = false;
  std::string problem;  // Why not complete.
};

struct CreateOptions {
  // Keep only the newest `keep` backups after this one is taken; 0 keeps every one. Default: 0.
  uint32_t keep = 0;
};

struct CreateResult {
  BackupInfo info;
  uint64_t added_bytes = 0;       // How much the backup directory grew (new files only).
  std::vector<uint32_t> deleted;  // Backups removed by `keep`.
};

// Backs up the log `log` (open for writing: the CLI's own, or a live server's, whose appends may
// continue meanwhile) of data directory `data` into `backup_dir` (created if missing). The
// backup's head is read back from the backup itself. InvalidArgument for a read-only log;
// IOError on storage failure.
base::Result<CreateResult> CreateBackup(const ledger::EventLog& log, const replay::DataDir& data,
                                        const std::string& backup_dir,
                                        const CreateOptions& options);

// backup_dir/backstop/<id>: our files of backup `id` (its keyring is keyring/ there).
std::string FilesDir(const std::string& backup_dir, uint32_t id);

// Every backup in `backup_dir`, oldest first. NotFound if it holds no backup engine.
base::Result<std::vector<BackupInfo>> ListBackups(const std::string& backup_dir);

struct VerifyBackupReport {
  uint32_t id = 0;
  bool ok = false;
  // The first damaged file (a path inside the backup directory), when one is to blame.
  std::string bad_file;
  std::string message;         // Empty when ok.
  ledger::VerifyReport chain;  // The chain/signature/checkpoint checks, when they ran.
  bool chain_checked = false;
};

// Chooses the keys the chain check trusts, given FilesDir of the backup (the backed-up keyring
// is keyring/ there); called only once every file has passed its checksum.
using KeyChooser = std::function<base::Result<ledger::Keyring>(const std::string& files_dir)>;

// Checks backup `id` (0: the newest) without restoring it: RocksDB's CRC32c of every file of it,
// the SHA-256 of each of our files, then ledger::Verify (as `verify`) on the backed-up log
// opened read-only where it lies, through the RocksDB environment that maps the backup's shared
// files into its private folder (BackupInfo::env_for_open; nothing is written there), and its
// head against info.json. NotFound if there is no such backup; `keys`' error if it fails.
base::Result<VerifyBackupReport> VerifyBackup(const std::string& backup_dir, uint32_t id,
                                              const KeyChooser& keys, const Progress& progress,
                                              const TableCheck& check_tables = {});

struct RestoreOptions {
  uint32_t id = 0;  // The backup; 0: the newest. Default: 0.
  // Restore the log only up to the group commit that holds this seq (see Restore). Default:
  // none (the whole backup).
  std::optional<ledger::SequenceNumber> to_seq;
  // With to_seq in a format-2 log: cut at the end of the group holding to_seq even inside a
  // group commit, and sign the new head's checkpoint with this key (the log's key at that seq;
  // ledger::PrefixCopyOptions::sign_head). Default: none (cut at the group commit's end).
  std::optional<ledger::PrivateKey> sign_head;
  Progress progress;  // Records copied (with to_seq). Default: none.
  // Run on the backed-up log in place (with to_seq), on the restored log, and on the original
  // log before its head is read for RestoreResult::original_head. Default: none.
  TableCheck check_tables;
};

struct RestoreResult {
  BackupInfo backup;
  ledger::SequenceNumber head_seq{0};  // The restored log's head.
  ledger::Hash head_hash{};
  uint32_t snapshots = 0;  // Snapshot files restored.
  // With to_seq: the end of the group holding it.
  ledger::SequenceNumber group_end{0};
  bool signed_head = false;  // The head's checkpoint was signed by the restore (sign_head).
  // The head of the log the backup was taken from, if it still opens (read-only).
  std::optional<ledger::SequenceNumber> original_head;
};

// Restores backup `options.id` into `new_dir` (created if missing; refused with InvalidArgument
// if it exists and is not empty), as new_dir/log, new_dir/keyring, new_dir/snapshots and
// new_dir/checkpoint (the head's signed checkpoint, format 2). Without to_seq RocksDB restores
// the database files (checking each file's CRC32c). With to_seq the backup is checked as
// VerifyBackup's first step, then opened in place and its records 1..CUT copied byte for byte
// (ledger::CopyLogPrefix): CUT is the end of the group holding to_seq in a format-1 log (every
// record signed) or with sign_head; otherwise the end of the group commit holding that group,
// the first state the log durably had that holds to_seq, whose checkpoint the venue signed.
// Snapshots after CUT are dropped. Corruption if the backup is damaged (nothing is left in
// new_dir then). Run Audit on the result (the caller does: it chooses the keys it trusts).
base::Result<RestoreResult> Restore(const std::string& backup_dir, const std::string& new_dir,
                                    const RestoreOptions& options);

}  // namespace backup
