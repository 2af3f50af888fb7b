// The server's backup thread (see backup_runner.h).

#include "server/internal/backup_runner.h"

#include <filesystem>
#include <span>
#include <utility>

#include "backup/backup.h"
#include "base/assert.h"
#include "base/thread_name.h"

namespace server::internal {

namespace {

std::string Absolute(const std::string& dir) {
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(dir, ec);
  return ec ? dir : absolute.lexically_normal().string();
}

std::string Bytes(std::span<const uint8_t> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

BackupRunner::BackupRunner(const ledger::EventLog* log, replay::DataDir data,
                           const std::string& backup_dir, uint32_t default_keep)
    : log_(log),
      data_(std::move(data)),
      backup_dir_(Absolute(backup_dir)),
      default_keep_(default_keep) {
  BACKSTOP_ASSERT(log_ != nullptr);
}

BackupRunner::~BackupRunner() { Join(); }

bool BackupRunner::TryStart(uint32_t keep, Done done) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (running_) return false;
  running_ = true;
  // The previous backup's thread has finished its work (running_ was false): reap it.
  if (thread_.joinable()) thread_.join();
  thread_ = std::thread([this, keep, done = std::move(done)] { Run(keep, done); });
  return true;
}

void BackupRunner::Join() {
  std::thread finished;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished = std::move(thread_);
  }
  if (finished.joinable()) finished.join();
}

void BackupRunner::Run(uint32_t keep, const Done& done) {
  base::NameThisThread("backup");
  backup::CreateOptions options;
  options.keep = keep != 0 ? keep : default_keep_;
  auto created = backup::CreateBackup(*log_, data_, backup_dir_, options);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running_ = false;
  }
  if (!created.ok()) {
    done(created.status());
    return;
  }
  const backup::BackupInfo& info = created->info;
  BackupDone out;
  out.id = info.id;
  out.head_seq = info.head_seq.value();
  out.head_hash = Bytes(info.head_hash);
  out.time_s = info.time_s;
  out.size_bytes = info.size_bytes;
  out.added_bytes = created->added_bytes;
  out.rocks_files = info.rocks_files;
  out.snapshots = info.snapshots;
  out.chain_id = Bytes(info.chain_id);
  out.source = info.source;
  out.backup_dir = backup_dir_;
  out.deleted = created->deleted;
  out.keep = options.keep;
  done(base::Result<BackupDone>(std::move(out)));
}

}  // namespace server::internal
