// backstop's files in a backup (sidecar.h). info.json is read with nlohmann-json's
// non-throwing calls only (parse without exceptions, type checks before every get).

#include "backup/internal/sidecar.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>

#include "ledger/keys.h"

namespace backup::internal {

namespace fs = std::filesystem;

namespace {

base::Status SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return base::Status::IOError("backup", "cannot open " + path + " to sync it");
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return base::Status::IOError("backup", "cannot sync " + path);
  return base::Status::OK();
}

base::Result<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::Status::NotFound("backup", "cannot read " + path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return base::Status::IOError("backup", "cannot read " + path);
  return bytes.str();
}

std::string Sha256Hex(const std::string& bytes) {
  base::Sha256 sha;
  return ledger::ToHex(sha.Of({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}));
}

// Parses lowercase or uppercase hex of exactly out.size() bytes.
bool ParseHex(const std::string& hex, std::span<uint8_t> out) {
  if (hex.size() != 2 * out.size()) return false;
  for (size_t i = 0; i < out.size(); ++i) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, value, 16);
    if (ec != std::errc() || end != hex.data() + 2 * i + 2) return false;
    out[i] = static_cast<uint8_t>(value);
  }
  return true;
}

// json[key] as an unsigned number or a string; false if absent or of another type.
bool Get(const nlohmann::json& json, const char* key, uint64_t* out) {
  if (!json.is_object() || !json.contains(key) || !json[key].is_number_unsigned()) return false;
  *out = json[key].get<uint64_t>();
  return true;
}
bool Get(const nlohmann::json& json, const char* key, std::string* out) {
  if (!json.is_object() || !json.contains(key) || !json[key].is_string()) return false;
  *out = json[key].get<std::string>();
  return true;
}

nlohmann::json InfoJson(const Sidecar& sidecar) {
  const BackupInfo& info = sidecar.info;
  nlohmann::json files = nlohmann::json::array();
  for (const SidecarFile& file : sidecar.files) {
    files.push_back({{"path", file.path}, {"size", file.size}, {"sha256", file.sha256}});
  }
  return {{"backstop_backup", 1},
          {"id", info.id},
          {"head_seq", info.head_seq.value()},
          {"head_hash", ledger::ToHex(info.head_hash)},
          {"chain_id", ledger::ToHex(info.chain_id)},
          {"format_version", info.format_version},
          {"source", info.source},
          {"snapshots", info.snapshots},
          {"files", files}};
}

// Fills `sidecar` from `json`; false if a field is missing or has the wrong type.
bool FromJson(const nlohmann::json& json, Sidecar* sidecar) {
  BackupInfo& info = sidecar->info;
  uint64_t version = 0, id = 0, format = 0, snapshots = 0, head_seq = 0;
  std::string head, chain;
  if (!Get(json, "backstop_backup", &version) || version != 1 || !Get(json, "id", &id) ||
      !Get(json, "head_seq", &head_seq) || !Get(json, "head_hash", &head) ||
      !Get(json, "chain_id", &chain) || !Get(json, "format_version", &format) ||
      !Get(json, "source", &info.source) || !Get(json, "snapshots", &snapshots) ||
      !ParseHex(head, info.head_hash) || !ParseHex(chain, info.chain_id) ||
      !json.contains("files") || !json["files"].is_array()) {
    return false;
  }
  info.id = static_cast<uint32_t>(id);
  info.head_seq = ledger::SequenceNumber{head_seq};
  info.format_version = static_cast<uint32_t>(format);
  info.snapshots = static_cast<uint32_t>(snapshots);
  for (const auto& entry : json["files"]) {
    SidecarFile file;
    if (!Get(entry, "path", &file.path) || !Get(entry, "size", &file.size) ||
        !Get(entry, "sha256", &file.sha256)) {
      return false;
    }
    sidecar->files.push_back(std::move(file));
  }
  return true;
}

}  // namespace

std::string SidecarDir(const std::string& backup_dir, uint32_t id) {
  return backup_dir + "/backstop/" + std::to_string(id);
}

base::Status SyncFolder(const std::string& path) { return SyncPath(path, O_RDONLY | O_DIRECTORY); }

base::Result<SidecarFile> WriteHashed(const std::string& bytes, const std::string& folder,
                                      const std::string& relative) {
  const fs::path target = fs::path(folder) / relative;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return base::Status::IOError("backup", "cannot create " + target.parent_path().string());
  {
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) return base::Status::IOError("backup", "cannot write " + target.string());
  }
  BACKSTOP_RETURN_IF_ERROR(SyncPath(target.string(), O_RDONLY));
  return SidecarFile{relative, bytes.size(), Sha256Hex(bytes)};
}

base::Result<SidecarFile> CopyHashed(const std::string& from, const std::string& folder,
                                     const std::string& relative) {
  BACKSTOP_ASSIGN_OR_RETURN(std::string bytes, ReadWhole(from));
  return WriteHashed(bytes, folder, relative);
}

base::Status WriteSidecar(const std::string& folder, const Sidecar& sidecar) {
  BACKSTOP_ASSIGN_OR_RETURN(SidecarFile written,
                            WriteHashed(InfoJson(sidecar).dump(2) + "\n", folder, "info.json"));
  (void)written;
  return SyncFolder(folder);
}

base::Result<Sidecar> ReadSidecar(const std::string& folder) {
  const std::string path = folder + "/info.json";
  BACKSTOP_ASSIGN_OR_RETURN(std::string text, ReadWhole(path));
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  Sidecar sidecar;
  if (json.is_discarded() || !FromJson(json, &sidecar)) {
    return base::Status::Corruption("backup", path + " is malformed");
  }
  sidecar.info.complete = true;
  return sidecar;
}

base::Status CheckSidecarFiles(const std::string& folder, const Sidecar& sidecar,
                               std::string* bad_file) {
  for (const SidecarFile& file : sidecar.files) {
    const std::string path = folder + "/" + file.path;
    *bad_file = path;
    auto bytes = ReadWhole(path);
    if (!bytes.ok()) return base::Status::Corruption("backup", path + " is missing");
    if (bytes->size() != file.size || Sha256Hex(*bytes) != file.sha256) {
      return base::Status::Corruption(
          "backup", fmt::format("{}: SHA-256 {} differs from the {} recorded when it was "
                                "backed up",
                                path, Sha256Hex(*bytes), file.sha256));
    }
  }
  bad_file->clear();
  return base::Status::OK();
}

}  // namespace backup::internal
