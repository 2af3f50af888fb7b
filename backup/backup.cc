// backup create and list (backup.h).

#include "backup/backup.h"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <set>

#include "backup/internal/rocks_backup.h"
#include "backup/internal/sidecar.h"
#include "ledger/log_copy.h"
#include "snapshots/snapshot_store.h"

namespace backup {

namespace fs = std::filesystem;
using internal::Sidecar;

namespace {

// Bytes of the regular files under `dir` (0 if it does not exist).
uint64_t DirectoryBytes(const std::string& dir) {
  std::error_code ec;
  uint64_t total = 0;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

// The keyring's PEM files and the snapshots at or below the head, copied into `folder`.
base::Status CopyDataFiles(const replay::DataDir& data, const std::string& folder,
                           Sidecar* sidecar) {
  std::error_code ec;
  if (fs::is_directory(data.keyring, ec)) {
    for (const auto& entry : fs::directory_iterator(data.keyring, ec)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".pem") continue;
      const std::string name = entry.path().filename().string();
      BACKSTOP_ASSIGN_OR_RETURN(auto file,
                                internal::CopyHashed(entry.path(), folder, "keyring/" + name));
      sidecar->files.push_back(std::move(file));
    }
  }
  if (!fs::is_directory(data.snapshots, ec)) return base::Status::OK();
  snapshots::SnapshotStoreOptions options;
  options.read_only = true;
  BACKSTOP_ASSIGN_OR_RETURN(auto store, snapshots::SnapshotStore::Open(data.snapshots, options));
  BACKSTOP_ASSIGN_OR_RETURN(auto listed, store->List());
  for (const snapshots::SnapshotInfo& snapshot : listed) {
    if (snapshot.seq > sidecar->info.head_seq) continue;  // Written after the backup's instant.
    const std::string name = fs::path(snapshot.path).filename().string();
    auto file = internal::CopyHashed(snapshot.path, folder, "snapshots/" + name);
    if (!file.ok() && file.status().IsNotFound()) continue;  // Retention removed it meanwhile.
    if (!file.ok()) return file.status();
    sidecar->files.push_back(std::move(file).value());
    ++sidecar->info.snapshots;
  }
  return base::Status::OK();
}

// Reads the head, chain and newest checkpoint of backup `rocks` from the backup itself.
base::Status DescribeBackup(const rocksdb::BackupInfo& rocks, const std::string& folder,
                            Sidecar* sidecar) {
  BACKSTOP_ASSIGN_OR_RETURN(auto opened, internal::OpenInPlace(rocks));
  const ledger::EventLog& log = *opened.log;
  sidecar->info.head_seq = log.head_seq();
  sidecar->info.head_hash = log.head_hash();
  sidecar->info.chain_id = log.chain_id();
  sidecar->info.format_version = log.format_version();
  if (log.has_tree() && log.head_seq() > ledger::SequenceNumber{0}) {
    BACKSTOP_ASSIGN_OR_RETURN(std::string note, log.LatestCheckpoint());
    BACKSTOP_ASSIGN_OR_RETURN(auto file, internal::WriteHashed(note, folder, "checkpoint"));
    sidecar->files.push_back(std::move(file));
  }
  return base::Status::OK();
}

// Keeps the newest `keep` backups and removes our folders of backups RocksDB no longer has.
base::Result<std::vector<uint32_t>> Purge(rocksdb::BackupEngine& engine, const std::string& dir,
                                          uint32_t keep) {
  std::vector<rocksdb::BackupInfo> before;
  engine.GetBackupInfo(&before);
  if (keep > 0) {
    BACKSTOP_RETURN_IF_ERROR(internal::FromRocks(engine.PurgeOldBackups(keep), "backup: purge"));
  }
  std::vector<rocksdb::BackupInfo> after;
  engine.GetBackupInfo(&after);
  std::set<uint32_t> kept;
  for (const auto& info : after) kept.insert(info.backup_id);
  std::vector<rocksdb::BackupID> corrupt;
  engine.GetCorruptedBackups(&corrupt);
  kept.insert(corrupt.begin(), corrupt.end());
  std::vector<uint32_t> deleted;
  for (const auto& info : before) {
    if (kept.count(info.backup_id) == 0) deleted.push_back(info.backup_id);
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir + "/backstop", ec)) {
    const std::string name = entry.path().filename().string();
    uint32_t id = 0;
    auto [end, parse] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (parse != std::errc() || end != name.data() + name.size()) continue;  // Not ours.
    if (kept.count(id) == 0) fs::remove_all(entry, ec);
  }
  return deleted;
}

}  // namespace

base::Result<CreateResult> CreateBackup(const ledger::EventLog& log, const replay::DataDir& data,
                                        const std::string& backup_dir,
                                        const CreateOptions& options) {
  const std::string dir = internal::AbsoluteDir(backup_dir);
  const uint64_t before = DirectoryBytes(dir);
  BACKSTOP_ASSIGN_OR_RETURN(auto engine, internal::OpenEngine(dir));
  BACKSTOP_ASSIGN_OR_RETURN(
      uint32_t id,
      ledger::BackupDatabase(log, *engine, "backstop " + ledger::ToHex(log.chain_id())));
  BACKSTOP_ASSIGN_OR_RETURN(rocksdb::BackupInfo rocks, internal::GetInfo(*engine, dir, id));
  // Our part is written under a temporary name and renamed once complete.
  const std::string final_folder = internal::SidecarDir(dir, id);
  const std::string folder = final_folder + ".partial";
  std::error_code ec;
  fs::remove_all(folder, ec);
  fs::remove_all(final_folder, ec);  // Left by an earlier backup of this id that RocksDB lost.
  Sidecar sidecar;
  sidecar.info.id = id;
  sidecar.info.source = internal::AbsoluteDir(data.root);
  BACKSTOP_RETURN_IF_ERROR(DescribeBackup(rocks, folder, &sidecar));
  BACKSTOP_RETURN_IF_ERROR(CopyDataFiles(data, folder, &sidecar));
  BACKSTOP_RETURN_IF_ERROR(internal::WriteSidecar(folder, sidecar));
  fs::rename(folder, final_folder, ec);
  if (ec) return base::Status::IOError("backup", "cannot rename " + folder + ": " + ec.message());
  BACKSTOP_RETURN_IF_ERROR(internal::SyncFolder(dir + "/backstop"));
  CreateResult result;
  BACKSTOP_ASSIGN_OR_RETURN(result.deleted, Purge(*engine, dir, options.keep));
  result.info = sidecar.info;
  result.info.complete = true;
  result.info.time_s = rocks.timestamp;
  result.info.rocks_files = rocks.number_files;
  result.info.size_bytes = rocks.size + DirectoryBytes(final_folder);
  const uint64_t after = DirectoryBytes(dir);
  result.added_bytes = after > before ? after - before : 0;
  return result;
}

std::string FilesDir(const std::string& backup_dir, uint32_t id) {
  return internal::SidecarDir(backup_dir, id);
}

base::Result<std::vector<BackupInfo>> ListBackups(const std::string& backup_dir_given) {
  const std::string backup_dir = internal::AbsoluteDir(backup_dir_given);
  BACKSTOP_ASSIGN_OR_RETURN(auto engine, internal::OpenEngineReadOnly(backup_dir));
  std::vector<rocksdb::BackupInfo> rocks;
  engine->GetBackupInfo(&rocks);
  std::vector<BackupInfo> list;
  for (const rocksdb::BackupInfo& backup : rocks) {
    const std::string folder = internal::SidecarDir(backup_dir, backup.backup_id);
    BackupInfo info;
    auto sidecar = internal::ReadSidecar(folder);
    if (sidecar.ok() && sidecar->info.id == backup.backup_id) {
      info = sidecar->info;
    } else {
      info.problem =
          sidecar.ok() ? folder + "/info.json names another backup" : sidecar.status().message();
    }
    info.id = backup.backup_id;
    info.time_s = backup.timestamp;
    info.rocks_files = backup.number_files;
    info.size_bytes = backup.size + DirectoryBytes(folder);
    list.push_back(std::move(info));
  }
  return list;
}

}  // namespace backup
