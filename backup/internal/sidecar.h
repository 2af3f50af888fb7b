// Private: backstop's own part of a backup, backstop/<id>/ beside RocksDB's files: info.json
// (the backup's head, chain, source and the SHA-256 of every file below) and the copied files
// (keyring/*.pem, snapshots/*, checkpoint). Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backup/backup.h"
#include "base/status.h"

namespace backup::internal {

// One copied file, by its path relative to the backup's folder.
struct SidecarFile {
  std::string path;
  uint64_t size = 0;
  std::string sha256;  // Lowercase hex.
};

struct Sidecar {
  BackupInfo info;  // id, head, chain, format, source, snapshots (the rest comes from RocksDB).
  std::vector<SidecarFile> files;
};

// backup_dir/backstop/<id>.
std::string SidecarDir(const std::string& backup_dir, uint32_t id);

// Copies `from` to folder/`relative` (creating parent folders), fsyncs it, and returns its
// size and SHA-256 (of the bytes written). IOError on failure.
base::Result<SidecarFile> CopyHashed(const std::string& from, const std::string& folder,
                                     const std::string& relative);
// Writes `bytes` as folder/`relative`, as CopyHashed.
base::Result<SidecarFile> WriteHashed(const std::string& bytes, const std::string& folder,
                                      const std::string& relative);

// Writes folder/info.json (synced).
base::Status WriteSidecar(const std::string& folder, const Sidecar& sidecar);
// Reads folder/info.json. NotFound if missing; Corruption (naming it) if malformed.
base::Result<Sidecar> ReadSidecar(const std::string& folder);
// Checks each listed file's size and SHA-256. Corruption naming the first file that differs,
// whose path is also put in `*bad_file`.
base::Status CheckSidecarFiles(const std::string& folder, const Sidecar& sidecar,
                               std::string* bad_file);

// Fsyncs the folder `path` (its entries). IOError on failure.
base::Status SyncFolder(const std::string& path);

}  // namespace backup::internal
