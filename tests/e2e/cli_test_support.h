// Helpers for end-to-end tests: a scratch folder, running the `backstop` binary or a shell
// script and capturing its output, and filling a log through the ledger API.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace e2e {

struct CommandResult {
  int exit_code = -1;  // The process's exit code; -1 if it did not exit normally.
  int signal = 0;      // The signal that killed it, if any.
  std::string output;  // stdout and stderr, interleaved.
};

// Runs `command` with /bin/sh and captures its output.
CommandResult RunShell(const std::string& command);
// Runs `command` with /bin/sh in a new process group and SIGKILLs the group after `delay`.
void RunAndKill(const std::string& command, std::chrono::milliseconds delay);
// Like RunAndKill, but the delay starts once the file at `watch_path` holds at least
// `min_bytes` (or the command has exited, or `max_wait` has passed): a kill that lands while
// the command is producing output, whatever the machine's speed. Removes `watch_path` first,
// so that an earlier run's file is never mistaken for this one's output.
void RunAndKillAfterOutput(const std::string& command, const std::string& watch_path,
                           uintmax_t min_bytes, std::chrono::milliseconds delay,
                           std::chrono::milliseconds max_wait = std::chrono::seconds(30));
// Runs the backstop binary with `arguments` (already shell-quoted where needed).
CommandResult RunBackstop(const std::string& arguments);

// A fresh folder under the system temp dir, removed when the object dies.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& child) const { return path_ + "/" + child; }

 private:
  std::string path_;
};

// keygen + init in `scratch`: key prefix scratch/signer, data dir scratch/data; `init_flags`
// are passed to init (e.g. "--sign every").
void InitLog(const ScratchDir& scratch, const std::string& init_flags = "");
// Appends `groups` groups of 1 to 4 deposit events, signed with scratch/signer.key.pem.
void AppendDeposits(const ScratchDir& scratch, int groups);

// One line of `ingest --acks` output: `ack LINE FIRST_SEQ LAST_SEQ`.
struct Ack {
  uint64_t line = 0;
  uint64_t first = 0;
  uint64_t last = 0;
};
// The acks in the file at `path` (other lines are skipped).
std::vector<Ack> ReadAcks(const std::string& path);
// Every acknowledged group is in the log at `log_dir` and whole: FIRST starts a group that runs
// exactly to LAST.
void ExpectAcksDurable(const std::string& log_dir, const std::vector<Ack>& acks);

}  // namespace e2e
