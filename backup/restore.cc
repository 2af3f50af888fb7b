// restore (backup.h): the whole backup through RocksDB's restore, or a prefix of it copied
// record by record from the backup opened in place.

#include <fmt/format.h>

#include <filesystem>

#include "backup/backup.h"
#include "backup/internal/rocks_backup.h"
#include "backup/internal/sidecar.h"
#include "ledger/log_copy.h"
#include "replay/recovery.h"
#include "snapshots/snapshot_store.h"

namespace backup {

namespace fs = std::filesystem;

namespace {

// Copies our files of the backup into `new_dir` (keyring/, snapshots/, checkpoint), checking
// each one's SHA-256 again as it is copied. Without `with_checkpoint` the checkpoint is left.
ledger::Status CopyOurFiles(const std::string& folder, const internal::Sidecar& sidecar,
                            const std::string& new_dir, bool with_checkpoint) {
  for (const internal::SidecarFile& file : sidecar.files) {
    if (file.path == "checkpoint" && !with_checkpoint) continue;
    LEDGER_ASSIGN_OR_RETURN(auto copied,
                            internal::CopyHashed(folder + "/" + file.path, new_dir, file.path));
    if (copied.sha256 != file.sha256) {
      return ledger::Status::Corruption(
          "restore", folder + "/" + file.path + " changed since it was backed up");
    }
  }
  return ledger::Status::OK();
}

// Deletes the restored snapshots after `cut`.
ledger::Status DropSnapshotsAfter(const std::string& dir, ledger::SequenceNumber cut,
                                  uint32_t* kept) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return ledger::Status::OK();
  LEDGER_ASSIGN_OR_RETURN(auto store,
                          snapshots::SnapshotStore::Open(dir, snapshots::SnapshotStoreOptions()));
  LEDGER_ASSIGN_OR_RETURN(auto listed, store->List());
  for (const snapshots::SnapshotInfo& snapshot : listed) {
    if (snapshot.seq <= cut) {
      ++*kept;
      continue;
    }
    if (!fs::remove(snapshot.path, ec) || ec) {
      return ledger::Status::IOError("restore", "cannot remove " + snapshot.path);
    }
  }
  return internal::SyncFolder(dir);
}

// The end of the group of `seq` in format 1 or with `exact`, else of its group commit.
ledger::Result<ledger::SequenceNumber> CutFor(const ledger::EventLog& log,
                                              ledger::SequenceNumber seq, bool exact,
                                              ledger::SequenceNumber* group_end) {
  if (seq == 0 || seq > log.head_seq()) {
    return ledger::Status::InvalidArgument(
        "restore",
        fmt::format("--to-seq {} is not in the backup (its head is {})", seq, log.head_seq()));
  }
  LEDGER_ASSIGN_OR_RETURN(*group_end, replay::GroupEnd(log, seq));
  if (!log.has_tree() || exact) return *group_end;
  LEDGER_ASSIGN_OR_RETURN(auto ends, log.CommitEnds(*group_end, 0));
  if (ends.empty()) {
    return ledger::Status::Corruption(
        "restore", fmt::format("no group commit ends at or after seq {}", *group_end));
  }
  return ends.front();
}

ledger::Status RestorePrefix(const rocksdb::BackupEngineReadOnly& engine,
                             const rocksdb::BackupInfo& rocks, const RestoreOptions& options,
                             const std::string& new_dir, RestoreResult* result) {
  LEDGER_RETURN_IF_ERROR(internal::CheckFiles(engine, rocks.backup_id));
  LEDGER_ASSIGN_OR_RETURN(auto opened, internal::OpenInPlace(rocks));
  const ledger::EventLog& log = *opened.log;
  LEDGER_ASSIGN_OR_RETURN(
      ledger::SequenceNumber cut,
      CutFor(log, *options.to_seq, options.sign_head.has_value(), &result->group_end));
  ledger::PrefixCopyOptions copy;
  copy.sign_head = options.sign_head;
  copy.progress = options.progress;
  const std::string restored_log = replay::DataDir::At(new_dir).log;
  LEDGER_RETURN_IF_ERROR(ledger::CopyLogPrefix(log, cut, restored_log, copy));
  if (log.has_tree()) {
    ledger::LogOptions read_only;
    read_only.read_only = true;
    LEDGER_ASSIGN_OR_RETURN(auto restored, ledger::EventLog::Open(restored_log, read_only));
    LEDGER_ASSIGN_OR_RETURN(std::string note, restored->ReadCheckpoint(cut));
    LEDGER_ASSIGN_OR_RETURN(auto ends, log.CommitEnds(cut, cut));
    result->signed_head = ends.empty();
    LEDGER_ASSIGN_OR_RETURN(auto written, internal::WriteHashed(note, new_dir, "checkpoint"));
    (void)written;
  }
  return ledger::Status::OK();
}

ledger::Status RestoreInto(const std::string& backup_dir_given, const std::string& new_dir,
                           const RestoreOptions& options, RestoreResult* result) {
  const std::string backup_dir = internal::AbsoluteDir(backup_dir_given);
  LEDGER_ASSIGN_OR_RETURN(auto engine, internal::OpenEngineReadOnly(backup_dir));
  LEDGER_ASSIGN_OR_RETURN(rocksdb::BackupInfo rocks,
                          internal::GetInfo(*engine, backup_dir, options.id));
  const std::string folder = internal::SidecarDir(backup_dir, rocks.backup_id);
  LEDGER_ASSIGN_OR_RETURN(internal::Sidecar sidecar, internal::ReadSidecar(folder));
  std::string bad_file;
  LEDGER_RETURN_IF_ERROR(internal::CheckSidecarFiles(folder, sidecar, &bad_file));
  result->backup = sidecar.info;
  result->backup.time_s = rocks.timestamp;
  const replay::DataDir data = replay::DataDir::At(new_dir);
  if (options.to_seq) {
    LEDGER_RETURN_IF_ERROR(RestorePrefix(*engine, rocks, options, new_dir, result));
  } else {
    LEDGER_RETURN_IF_ERROR(internal::FromRocks(
        engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), rocks.backup_id, data.log, data.log),
        "restore: backup " + std::to_string(rocks.backup_id)));
  }
  LEDGER_RETURN_IF_ERROR(CopyOurFiles(folder, sidecar, new_dir, !options.to_seq));
  ledger::LogOptions read_only;
  read_only.read_only = true;
  LEDGER_ASSIGN_OR_RETURN(auto restored, ledger::EventLog::Open(data.log, read_only));
  result->head_seq = restored->head_seq();
  result->head_hash = restored->head_hash();
  if (!options.to_seq &&
      (result->head_seq != sidecar.info.head_seq || result->head_hash != sidecar.info.head_hash)) {
    return ledger::Status::Corruption(
        "restore", fmt::format("the restored head is seq {}, the backup's info.json says {}",
                               result->head_seq, sidecar.info.head_seq));
  }
  return DropSnapshotsAfter(data.snapshots, result->head_seq, &result->snapshots);
}

}  // namespace

ledger::Result<RestoreResult> Restore(const std::string& backup_dir, const std::string& new_dir,
                                      const RestoreOptions& options) {
  std::error_code ec;
  const bool existed = fs::exists(new_dir, ec);
  if (existed && !fs::is_directory(new_dir, ec)) {
    return ledger::Status::InvalidArgument("restore", new_dir + " is not a directory");
  }
  if (existed && !fs::is_empty(new_dir, ec)) {
    return ledger::Status::InvalidArgument(
        "restore", new_dir +
                       " is not empty: a restore goes into a new or empty directory, "
                       "never over a data directory");
  }
  fs::create_directories(new_dir, ec);
  if (ec) return ledger::Status::IOError("restore", "cannot create " + new_dir);
  RestoreResult result;
  ledger::Status status = RestoreInto(backup_dir, new_dir, options, &result);
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
    auto log = ledger::EventLog::Open(original, read_only);
    if (log.ok()) result.original_head = (*log)->head_seq();
  }
  return result;
}

}  // namespace backup
