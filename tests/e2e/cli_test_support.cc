// Helpers for end-to-end tests (see cli_test_support.h).

#include "tests/e2e/cli_test_support.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ledger/event_log.h"

namespace e2e {

CommandResult RunShell(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

namespace {

// Starts `command` with /bin/sh as the leader of a new process group.
pid_t StartGroup(const std::string& command) {
  const pid_t child = fork();
  if (child == 0) {
    setpgid(0, 0);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  if (child > 0) setpgid(child, child);
  return child;
}

void KillGroupAndReap(pid_t child) {
  killpg(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
}

}  // namespace

void RunAndKill(const std::string& command, std::chrono::milliseconds delay) {
  const pid_t child = StartGroup(command);
  ASSERT_GE(child, 0);
  std::this_thread::sleep_for(delay);
  KillGroupAndReap(child);
}

void RunAndKillAfterOutput(const std::string& command, const std::string& watch_path,
                           uintmax_t min_bytes, std::chrono::milliseconds delay,
                           std::chrono::milliseconds max_wait) {
  std::filesystem::remove(watch_path);
  const pid_t child = StartGroup(command);
  ASSERT_GE(child, 0);
  const auto deadline = std::chrono::steady_clock::now() + max_wait;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code error;
    const uintmax_t size = std::filesystem::file_size(watch_path, error);
    if (!error && size >= min_bytes) break;
    int status = 0;
    if (waitpid(child, &status, WNOHANG) == child) {  // Exited on its own (now reaped).
      killpg(child, SIGKILL);                         // Anything it left running in its group.
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::this_thread::sleep_for(delay);
  KillGroupAndReap(child);
}

CommandResult RunBackstop(const std::string& arguments) {
  return RunShell(std::string(BACKSTOP_BINARY) + " " + arguments);
}

ScratchDir::ScratchDir(const std::string& name) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / ("backstop-" + name + "-XXXXXX")).string();
  char* made = mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void InitLog(const ScratchDir& scratch, const std::string& init_flags) {
  CommandResult keygen = RunBackstop("keygen --out " + (scratch / "signer"));
  ASSERT_EQ(keygen.exit_code, 0) << keygen.output;
  CommandResult init = RunBackstop("init --data " + (scratch / "data") + " --key " +
                                   (scratch / "signer.key.pem") + " " + init_flags);
  ASSERT_EQ(init.exit_code, 0) << init.output;
}

void AppendDeposits(const ScratchDir& scratch, int groups) {
  auto key = ledger::PrivateKey::LoadPem(scratch / "signer.key.pem");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  ledger::LogOptions options;
  options.signing_key = *key;
  int64_t fake_time_ns = 1760112000000000000;
  options.clock = [&fake_time_ns] { return fake_time_ns += 1000; };
  auto log = ledger::EventLog::Open(scratch / "data/log", std::move(options));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  for (int g = 0; g < groups; ++g) {
    ledger::EventGroup group;
    for (int i = 0; i <= g % 4; ++i) {
      auto deposit = group.Add().initDeposit();
      deposit.setAccount(static_cast<uint64_t>(g + 1));
      deposit.setAsset(1);
      deposit.setAmount(1000000 * (i + 1));
    }
    auto range = (*log)->Append(group);
    ASSERT_TRUE(range.ok()) << range.status().ToString();
  }
}

std::vector<Ack> ReadAcks(const std::string& path) {
  std::vector<Ack> acks;
  std::ifstream in(path);
  std::string word;
  Ack ack;
  while (in >> word >> ack.line >> ack.first >> ack.last) {
    if (word == "ack") acks.push_back(ack);
  }
  return acks;
}

void ExpectAcksDurable(const std::string& log_dir, const std::vector<Ack>& acks) {
  ledger::LogOptions options;
  options.read_only = true;
  auto log = ledger::EventLog::Open(log_dir, std::move(options));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  for (const Ack& ack : acks) {
    const ledger::SequenceNumber first{ack.first}, last{ack.last};
    ASSERT_LE(last, (*log)->head_seq()) << "acknowledged line " << ack.line << " lost";
    for (ledger::SequenceNumber seq = first; seq <= last; ++seq) {
      auto record = (*log)->Read(seq);
      ASSERT_TRUE(record.ok()) << record.status().ToString();
      EXPECT_EQ(record->group(), first) << "seq " << seq.value();
    }
    auto next = (*log)->Read(last + 1);
    if (next.ok()) {
      EXPECT_EQ(next->group(), last + 1) << "group of line " << ack.line;
    }
  }
}

}  // namespace e2e
