// restore (backup.h): the whole backup through RocksDB's restore, or a prefix of it copied
// record by record from the backup opened in place.

#include <fmt/format.h>

#include <filesystem>

#include "backup/backup.h"
#include "backup/internal/rocks_backup.h"
#include "backup/internal/sidecar.h"
#include "base/strong_type_fmt.h"
#include "ledger/log_copy.h"
#include "replay/recovery.h"
#include "snapshots/snapshot_store.h"

namespace backup {

namespace fs = std::filesystem;

namespace {

// Copies our files of the backup into `new_dir` (keyring/, snapshots/, checkpoint), checking
// each one's SHA-256 again as it is copied. Without `with_checkpoint` the checkpoint is left.
base::Status CopyOurFiles(const std::string& folder, const internal::Sidecar& sidecar,
                          const std::string& new_dir, bool with_checkpoint) {
  for (const internal::SidecarFile& file : sidecar.files) {
    if (file.path == "checkpoint" && !with_checkpoint) continue;
    BACKSTOP_ASSIGN_OR_RETURN(auto copied,
                              internal::CopyHashed(folder + "/" + file.path, new_dir, file.path));
    if (copied.sha256 != file.sha256) {
      return base::Status::Corruption("restore",
                                      folder + "/" + file.path + " changed since it was backed up");
    }
  }
  return base::Status::OK();
}

// Deletes the restored snapshots after `cut`.
base::Status DropSnapshotsAfter(const std::string& dir, ledger::SequenceNumber cut,
                                uint32_t* kept) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return base::Status::OK();
  BACKSTOP_ASSIGN_OR_RETURN(auto store,
                            snapshots::SnapshotStore::Open(dir, snapshots::SnapshotStoreOptions()));
  BACKSTOP_ASSIGN_OR_RETURN(auto listed, store->List());
  for (const snapshots::SnapshotInfo& snapshot : listed) {
    if (snapshot.seq <= cut) {
      ++*kept;
      continue;
    }
    if (!fs::remove(snapshot.path, ec) || ec) {
      return base::Status::IOError("restore", "cannot remove " + snapshot.path);
    }
  }
  return internal::SyncFolder(dir);
}

// The end of the group of `seq` in format 1 or with `exact`, else of its group commit.
base::Result<ledger::SequenceNumber> CutFor(const ledger::EventLog& log, ledger::SequenceNumber seq,
                                            bool exact, ledger::SequenceNumber* group_end) {
  if (seq == ledger::SequenceNumber{0} || seq > log.head_seq()) {
    return base::Status::InvalidArgument(
        "restore",
        fmt::format("--to-seq {} is not in the backup (its head is {})", seq, log.head_seq()));
  }
  BACKSTOP_ASSIGN_OR_RETURN(*group_end, replay::GroupEnd(log, seq));
  if (!log.has_tree() || exact) return *group_end;
  BACKSTOP_ASSIGN_OR_RETURN(auto ends, log.CommitEnds(*group_end, ledger::SequenceNumber{0}));
  if (ends.empty()) {
    return base::Status::Corruption(
        "restore", fmt::format("no group commit ends at or after seq {}", *group_end));
  }
  return ends.front();
}

base::Status RestorePrefix(const rocksdb::BackupEngineReadOnly& engine,
                           const rocksdb::BackupInfo& rocks, const RestoreOptions& options,
                           const std::string& new_dir, RestoreResult* result) {
  BACKSTOP_RETURN_IF_ERROR(internal::CheckFiles(engine, rocks.backup_id));
  BACKSTOP_RETURN_IF_ERROR(internal::CheckTablesInPlace(rocks, options.check_tables));
  BACKSTOP_ASSIGN_OR_RETURN(auto opened, internal::OpenInPlace(rocks));
  const ledger::EventLog& log = *opened.log;
  BACKSTOP_ASSIGN_OR_RETURN(
      ledger::SequenceNumber cut,
      CutFor(log, *options.to_seq, options.sign_head.has_value(), &result->group_end));
  ledger::PrefixCopyOptions copy;
  copy.sign_head = options.sign_head;
  copy.progress = options.progress;
  const std::string restored_log = replay::DataDir::At(new_dir).log;
  BACKSTOP_RETURN_IF_ERROR(ledger::CopyLogPrefix(log, cut, restored_log, copy));
  if (log.has_tree()) {
    ledger::LogOptions read_only;
    read_only.read_only = true;
    BACKSTOP_ASSIGN_OR_RETURN(auto restored, ledger::EventLog::Open(restored_log, read_only));
    BACKSTOP_ASSIGN_OR_RETURN(std::string note, restored->ReadCheckpoint(cut.value()));
    BACKSTOP_ASSIGN_OR_RETURN(auto ends, log.CommitEnds(cut, cut));
    result->signed_head = ends.empty();
    BACKSTOP_ASSIGN_OR_RETURN(auto written, internal::WriteHashed(note, new_dir, "checkpoint"));
    (void)written;
  }
  return base::Status::OK();
}

base::Status RestoreInto(const std::string& backup_dir_given, const std::string& new_dir,
                         const RestoreOptions& options, RestoreResult* result) {
  const std::string backup_dir = internal::AbsoluteDir(backup_dir_given);
  BACKSTOP_ASSIGN_OR_RETURN(auto engine, internal::OpenEngineReadOnly(backup_dir));
  BACKSTOP_ASSIGN_OR_RETURN(rocksdb::BackupInfo rocks,
                            internal::GetInfo(*engine, backup_dir, options.id));
  const std::string folder = internal::SidecarDir(backup_dir, rocks.backup_id);
  BACKSTOP_ASSIGN_OR_RETURN(internal::Sidecar sidecar, internal::ReadSidecar(folder));
  std::string bad_file;
  BACKSTOP_RETURN_IF_ERROR(internal::CheckSidecarFiles(folder, sidecar, &bad_file));
  result->backup = sidecar.info;
  result->backup.time_s = rocks.timestamp;
  const replay::DataDir data = replay::DataDir::At(new_dir);
  if (options.to_seq) {
    BACKSTOP_RETURN_IF_ERROR(RestorePrefix(*engine, rocks, options, new_dir, result));
  } else {
    BACKSTOP_RETURN_IF_ERROR(internal::FromRocks(
        engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), rocks.backup_id, data.log, data.log),
        "restore: backup " + std::to_string(rocks.backup_id)));
  }
  BACKSTOP_RETURN_IF_ERROR(CopyOurFiles(folder, sidecar, new_dir, !options.to_seq));
  // RocksDB checked each file's CRC32c against the backup's, which a table damaged before the
  // backup was taken passes: check the tables before anything reads them.
  if (options.check_tables) BACKSTOP_RETURN_IF_ERROR(options.check_tables(data.log, nullptr));
  ledger::LogOptions read_only;
  read_only.read_only = true;
  BACKSTOP_ASSIGN_OR_RETURN(auto restored, ledger::EventLog::Open(data.log, read_only));
  result->head_seq = restored->head_seq();
  result->head_hash = restored->head_hash();
  if (!options.to_seq &&
      (result->head_seq != sidecar.info.head_seq || result->head_hash != sidecar.info.head_hash)) {
    return base::Status::Corruption(
        "restore", fmt::format("the restored head is seq {}, the backup's info.json says {}",
                               result->head_seq, sidecar.info.head_seq));
  }
  return DropSnapshotsAfter(data.snapshots, result->head_seq, &result->snapshots);
}

}  // namespace

base::Result<RestoreResult> Restore(const std::string& backup_dir, const std::string& new_dir,
                                    const RestoreOptions& options) {
  std::error_code ec;
  const bool existed = fs::exists(new_dir, ec);
  if (existed && !fs::is_directory(new_dir, ec)) {
    return base::Status::InvalidArgument("restore", new_dir + " is not a directory");
  }
  if (existed && !fs::is_empty(new_dir, ec)) {
    return base::Status::InvalidArgument(
        "restore", new_dir +
                       " is not empty: a restore goes into a new or empty directory, "
                       "never over a data directory");
  }
  fs::create_directories(new_dir, ec);
  if (ec) return base::Status::IOError("restore", "cannot create " + new_dir);
  RestoreResult result;
  base::Status status = RestoreInto(backup_dir, new_dir, options, &result);
  if (!status.ok()) {
    // Leave nothing half-restored behind: only what this call created is removed.
    for (const auto& entry : fs::directory_iterator(new_dir, ec)) fs::remove_all(entry, ec);
    if (!existed) fs::remove(new_dir, ec);
    return status;
  }
  const std::string original = replay::DataDir::At(result.backup.source).log;
  if (!result.backup.source.empty() && fs::exists(original, ec) &&
      fs::absolute(original, ec) != fs::absolute(replay::DataDir::At(new_dir).log, ec)) {
    ledger::LogOptions read_only;
    read_only.read_only = true;
    // The original is often the damaged log a restore replaces: check its tables first.
    const bool tables_ok = !options.check_tables || options.check_tables(original, nullptr).ok();
    auto log = tables_ok ? ledger::EventLog::Open(original, read_only)
                         : base::Result<std::unique_ptr<ledger::EventLog>>(
                               base::Status::Corruption("table file"));
    if (log.ok()) result.original_head = (*log)->head_seq();
  }
  return result;
}

}  // namespace backup
