// Backups of the live log for `backstop serve` (docs/PROTOCOL.md, `backup` request): one at a
// time, on a thread of its own, beside the sequencer (which keeps appending; backup/backup.h
// takes the log as of one instant, a prefix of whole group commits). Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "ledger/event_log.h"
#include "replay/data_dir.h"
#include "server/client.h"

namespace server::internal {

class BackupRunner {
 public:
  // `log` (open for writing) must outlive the runner. `backup_dir` is made absolute.
  BackupRunner(const ledger::EventLog* log, replay::DataDir data, const std::string& backup_dir,
               uint32_t default_keep);
  // Waits for a running backup.
  ~BackupRunner();
  BackupRunner(const BackupRunner&) = delete;
  BackupRunner& operator=(const BackupRunner&) = delete;

  using Done = std::function<void(const base::Result<BackupDone>&)>;
  // Starts a backup keeping the newest `keep` (0: the default) and returns true, or returns
  // false if one is running. `done` is called once, on the backup's thread, when it ends.
  bool TryStart(uint32_t keep, Done done);
  // Waits for a running backup.
  void Join();
  // The backup folder (absolute).
  const std::string& dir() const { return backup_dir_; }

 private:
  void Run(uint32_t keep, const Done& done);

  const ledger::EventLog* const log_;
  const replay::DataDir data_;
  const std::string backup_dir_;
  const uint32_t default_keep_;
  std::mutex mutex_;
  bool running_ = false;  // Guarded by mutex_.
  std::thread thread_;    // Guarded by mutex_.
};

}  // namespace server::internal
