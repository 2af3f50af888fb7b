// FaultFs (see fault_fs.h). Bookkeeping, per file written through it: the bytes written, the
// bytes synced, and whether its directory entry is newer than its folder's last sync. A crash
// is then replayed afterwards by DropUnsyncedData, on the real files. Syncs are recorded and
// not performed: the real disk never loses power here (real syncs made a round several times
// slower on a busy disk).
#include "tests/ledger/fault_fs.h"

#include <filesystem>
#include <random>
#include <utility>

#include "base/status.h"

namespace ledger::testing {

using base::Result;
using base::Status;

namespace {

using rocksdb::IOStatus;

std::string ParentOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string WithoutTrailingSlash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// A file whose writes, syncs and truncations go through the FaultFs bookkeeping.
class FaultWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultWritableFile(FaultFs* fs, std::string name, std::unique_ptr<rocksdb::FSWritableFile> file)
      : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs), name_(std::move(name)) {}

  IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                  rocksdb::IODebugContext*) override {
    return fs_->Append(name_, data, target(), options);
  }
  IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                  const rocksdb::DataVerificationInfo&, rocksdb::IODebugContext*) override {
    return fs_->Append(name_, data, target(), options);
  }
  // RocksDB appends at positions only with direct I/O, which the event log does not use.
  IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t, const rocksdb::IOOptions&,
                            rocksdb::IODebugContext*) override {
    return IOStatus::NotSupported("FaultFs", "PositionedAppend");
  }
  IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t, const rocksdb::IOOptions&,
                            const rocksdb::DataVerificationInfo&,
                            rocksdb::IODebugContext*) override {
    return IOStatus::NotSupported("FaultFs", "PositionedAppend");
  }
  IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& options,
                    rocksdb::IODebugContext*) override {
    return fs_->Truncate(name_, size, target(), options);
  }
  IOStatus Sync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return fs_->Sync(name_);
  }
  IOStatus Fsync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return fs_->Sync(name_);
  }

 private:
  FaultFs* fs_;
  std::string name_;
};

// A folder whose syncs make the entries created in it durable.
class FaultDirectory : public rocksdb::FSDirectoryWrapper {
 public:
  FaultDirectory(FaultFs* fs, std::string name, std::unique_ptr<rocksdb::FSDirectory> directory)
      : FSDirectoryWrapper(std::move(directory)), fs_(fs), name_(std::move(name)) {}

  IOStatus Fsync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return fs_->SyncDirectory(name_);
  }
  IOStatus FsyncWithDirOptions(const rocksdb::IOOptions&, rocksdb::IODebugContext*,
                               const rocksdb::DirFsyncOptions&) override {
    return fs_->SyncDirectory(name_);
  }

 private:
  FaultFs* fs_;
  std::string name_;
};

class FaultEnv : public rocksdb::EnvWrapper {
 public:
  explicit FaultEnv(std::unique_ptr<rocksdb::Env> env) : EnvWrapper(std::move(env)) {}
  static const char* kClassName() { return "BackstopFaultEnv"; }
  const char* Name() const override { return kClassName(); }
  void SleepForMicroseconds(int) override {}
};

}  // namespace

std::shared_ptr<rocksdb::Env> NewFaultEnv(const std::shared_ptr<FaultFs>& fs) {
  return std::make_shared<FaultEnv>(rocksdb::NewCompositeEnv(fs));
}

FaultFs::FaultFs(std::shared_ptr<rocksdb::FileSystem> base) : FileSystemWrapper(base) {}

void FaultFs::Inject(const Fault& fault) {
  BACKSTOP_ASSERT(fault.call >= 1);
  std::lock_guard lock(mu_);
  fault_ = fault;
  fault_armed_ = true;
  fault_calls_ = 0;
}

void FaultFs::ClearFaults() {
  std::lock_guard lock(mu_);
  fault_armed_ = false;
}

uint64_t FaultFs::RandomCall(uint32_t seed, uint64_t max_call) {
  BACKSTOP_ASSERT(max_call >= 1);
  std::mt19937_64 rng(seed);
  return 1 + rng() % max_call;  // Not uniform_int_distribution: its output is library-defined.
}

void FaultFs::CrashAtCall(uint64_t call) {
  std::lock_guard lock(mu_);
  crash_call_ = call;
  crash_calls_ = 0;
  if (call == 0) crashed_ = true;
}

bool FaultFs::crashed() const {
  std::lock_guard lock(mu_);
  return crashed_;
}

uint64_t FaultFs::calls() const {
  std::lock_guard lock(mu_);
  return crash_calls_;
}

uint64_t FaultFs::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

IOStatus FaultFs::CrashError() {
  ++failures_;
  return IOStatus::IOError("FaultFs", "simulated crash: the disk is gone");
}

IOStatus FaultFs::CountCall(Op op, const std::string& name) {
  if (crashed_) return CrashError();
  if (crash_call_ != 0 && ++crash_calls_ >= crash_call_) {
    crashed_ = true;
    return CrashError();
  }
  if (!fault_armed_ || fault_.op != op || !name.ends_with(fault_.file_suffix)) {
    return IOStatus::OK();
  }
  ++fault_calls_;
  if (fault_calls_ < fault_.call) return IOStatus::OK();
  if (!fault_.sticky) fault_armed_ = false;
  ++failures_;
  if (fault_.error == Error::kNoSpace) {
    return IOStatus::NoSpace("FaultFs", "injected: no space left on device (ENOSPC)");
  }
  return IOStatus::IOError("FaultFs", "injected: input/output error (EIO)");
}

IOStatus FaultFs::Append(const std::string& name, const rocksdb::Slice& data,
                         rocksdb::FSWritableFile* file, const rocksdb::IOOptions& options) {
  std::lock_guard lock(mu_);
  const bool short_write = !crashed_ && fault_armed_ && fault_.short_write;
  IOStatus failure = CountCall(Op::kWrite, name);
  auto state = files_.find(name);
  // The prefix a short write leaves: what a full disk accepted before the error.
  rocksdb::Slice written = failure.ok()               ? data
                           : short_write && !crashed_ ? rocksdb::Slice(data.data(), data.size() / 2)
                                                      : rocksdb::Slice();
  if (!written.empty()) {
    IOStatus s = file->Append(written, options, nullptr);
    if (!s.ok()) return s;
    if (state != files_.end()) state->second.size += written.size();
  }
  return failure;
}

IOStatus FaultFs::Sync(const std::string& name) {
  std::lock_guard lock(mu_);
  IOStatus s = CountCall(Op::kSync, name);
  auto state = files_.find(name);
  if (s.ok() && state != files_.end()) state->second.synced_size = state->second.size;
  return s;
}

IOStatus FaultFs::Truncate(const std::string& name, uint64_t size, rocksdb::FSWritableFile* file,
                           const rocksdb::IOOptions& options) {
  std::lock_guard lock(mu_);
  if (crashed_) return CrashError();
  IOStatus s = file->Truncate(size, options, nullptr);
  auto state = files_.find(name);
  if (s.ok() && state != files_.end()) {
    state->second.size = size;
    state->second.synced_size = std::min(state->second.synced_size, size);
  }
  return s;
}

IOStatus FaultFs::SyncDirectory(const std::string& name) {
  std::lock_guard lock(mu_);
  if (crashed_) return CrashError();
  const std::string folder = WithoutTrailingSlash(name);
  for (auto& [path, state] : files_) {
    if (ParentOf(path) == folder) state.new_entry = false;
  }
  return IOStatus::OK();
}

IOStatus FaultFs::NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                  std::unique_ptr<rocksdb::FSWritableFile>* result,
                                  rocksdb::IODebugContext* debug) {
  std::lock_guard lock(mu_);
  if (crashed_) return CrashError();
  auto known = files_.find(name);
  // A name whose entry is already durable stays durable; only its old bytes go.
  const bool new_entry = known != files_.end()
                             ? known->second.new_entry
                             : !target()->FileExists(name, rocksdb::IOOptions(), debug).ok();
  std::unique_ptr<rocksdb::FSWritableFile> file;
  IOStatus s = target()->NewWritableFile(name, options, &file, debug);
  if (!s.ok()) return s;
  files_[name] = FileState{0, 0, new_entry};
  *result = std::make_unique<FaultWritableFile>(this, name, std::move(file));
  return s;
}

IOStatus FaultFs::ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                     std::unique_ptr<rocksdb::FSWritableFile>* result,
                                     rocksdb::IODebugContext* debug) {
  std::lock_guard lock(mu_);
  if (crashed_) return CrashError();
  std::unique_ptr<rocksdb::FSWritableFile> file;
  IOStatus s = target()->ReopenWritableFile(name, options, &file, debug);
  if (!s.ok()) return s;
  if (files_.find(name) == files_.end()) {
    uint64_t size = 0;
    s = target()->GetFileSize(name, rocksdb::IOOptions(), &size, debug);
    if (!s.ok()) return s;
    files_[name] = FileState{size, size, false};  // Untracked bytes count as synced.
  }
  *result = std::make_unique<FaultWritableFile>(this, name, std::move(file));
  return s;
}

IOStatus FaultFs::NewDirectory(const std::string& name, const rocksdb::IOOptions& options,
                               std::unique_ptr<rocksdb::FSDirectory>* result,
                               rocksdb::IODebugContext* debug) {
  std::unique_ptr<rocksdb::FSDirectory> directory;
  IOStatus s = target()->NewDirectory(name, options, &directory, debug);
  if (!s.ok()) return s;
  *result = std::make_unique<FaultDirectory>(this, name, std::move(directory));
  return s;
}

IOStatus FaultFs::RenameFile(const std::string& source, const std::string& target_name,
                             const rocksdb::IOOptions& options, rocksdb::IODebugContext* debug) {
  std::lock_guard lock(mu_);
  if (crashed_) return CrashError();
  const bool replaces = target()->FileExists(target_name, options, debug).ok();
  IOStatus s = target()->RenameFile(source, target_name, options, debug);
  if (!s.ok()) return s;
  auto moved = files_.find(source);
  if (moved == files_.end()) {
    files_.erase(target_name);  // Untracked, hence durable.
    return s;
  }
  FileState state = moved->second;
  files_.erase(moved);
  // A rename over an existing file (RocksDB's CURRENT) is atomic: a crash leaves the old or the
  // new file, and this model keeps the new one. A rename to a fresh name is new until synced.
  state.new_entry = !replaces;
  if (replaces) {
    // Kept, the rename implies the folder's earlier entries: a journaling file system (ext4)
    // commits a folder's changes in order, so the new CURRENT never survives without the
    // MANIFEST it names (created just before, its folder not yet synced). Without this, a
    // crash between the rename and the folder's sync left CURRENT naming a deleted MANIFEST.
    const std::filesystem::path folder = std::filesystem::path(target_name).parent_path();
    for (auto& [name, other] : files_) {
      if (std::filesystem::path(name).parent_path() == folder) other.new_entry = false;
    }
  }
  files_[target_name] = state;
  return s;
}

IOStatus FaultFs::DeleteFile(const std::string& name, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) {
  std::lock_guard lock(mu_);
  if (crashed_) return CrashError();
  IOStatus s = target()->DeleteFile(name, options, debug);
  if (s.ok()) files_.erase(name);
  return s;
}

IOStatus FaultFs::DropUnsyncedData() {
  std::lock_guard lock(mu_);
  for (const auto& [name, state] : files_) {
    IOStatus s;
    if (state.new_entry) {
      s = target()->DeleteFile(name, rocksdb::IOOptions(), nullptr);
      if (s.IsNotFound() || s.IsPathNotFound()) s = IOStatus::OK();
    } else if (state.size > state.synced_size) {
      // RocksDB's POSIX file system has no Truncate by name.
      std::error_code error;
      std::filesystem::resize_file(name, state.synced_size, error);
      if (error) s = IOStatus::IOError(name, error.message());
    }
    if (!s.ok()) return s;
  }
  files_.clear();
  crashed_ = false;
  crash_call_ = 0;
  fault_armed_ = false;
  return IOStatus::OK();
}

}  // namespace ledger::testing
