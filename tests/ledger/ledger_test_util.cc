// Shared helpers of the ledger tests (see ledger_test_util.h).
#include "tests/ledger/ledger_test_util.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace ledger::testing {

using base::Result;
using base::Status;

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ledger_test_XXXXXX").string();
  char* made = ::mkdtemp(pattern.data());
  BACKSTOP_ASSERT(made != nullptr, pattern);
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

uint32_t TestSeed(const char* test_name) {
  const char* fixed = std::getenv("LEDGER_TEST_SEED");
  uint32_t seed = fixed != nullptr ? static_cast<uint32_t>(std::strtoul(fixed, nullptr, 10))
                                   : std::random_device{}();
  std::printf("%s: seed %u (replay with LEDGER_TEST_SEED=%u)\n", test_name, seed, seed);
  std::fflush(stdout);
  return seed;
}

Clock FakeClock() {
  auto now = std::make_shared<std::atomic<int64_t>>(int64_t{1'700'000'000} * 1'000'000'000);
  return [now] { return now->fetch_add(1'000'000); };
}

void AddDeposit(EventGroup& group, uint64_t account, int64_t amount) {
  auto deposit = group.Add().initDeposit();
  deposit.setAccount(account);
  deposit.setAsset(1);
  deposit.setAmount(amount);
}

EventGroup DepositGroup(size_t size) {
  EventGroup group;
  for (size_t i = 0; i < size; ++i) AddDeposit(group, i + 1, static_cast<int64_t>(size));
  return group;
}

Child SpawnChild(const std::vector<std::string>& args) {
  int fds[2];
  BACKSTOP_ASSERT(::pipe2(fds, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  Child child;
  int rc = ::posix_spawn(&child.pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  BACKSTOP_ASSERT(rc == 0, rc, args[0]);
  ::close(fds[1]);
  child.stdout_fd = fds[0];
  return child;
}

bool ReadLine(Child& child, std::string* line, int timeout_ms, std::string* buffer) {
  while (true) {
    size_t newline = buffer->find('\n');
    if (newline != std::string::npos) {
      *line = buffer->substr(0, newline);
      buffer->erase(0, newline + 1);
      return true;
    }
    pollfd poll_fd{child.stdout_fd, POLLIN, 0};
    if (::poll(&poll_fd, 1, timeout_ms) <= 0) return false;
    char chunk[4096];
    ssize_t n = ::read(child.stdout_fd, chunk, sizeof(chunk));
    if (n <= 0) return false;
    buffer->append(chunk, static_cast<size_t>(n));
  }
}

int FinishChild(Child& child, std::string* rest) {
  char chunk[4096];
  ssize_t n = 0;
  while ((n = ::read(child.stdout_fd, chunk, sizeof(chunk))) > 0) {
    rest->append(chunk, static_cast<size_t>(n));
  }
  ::close(child.stdout_fd);
  int status = 0;
  BACKSTOP_ASSERT(::waitpid(child.pid, &status, 0) == child.pid);
  return status;
}

int RunChild(const std::vector<std::string>& args, std::string* output) {
  Child child = SpawnChild(args);
  return FinishChild(child, output);
}

LogOptions SigningOptions(const PrivateKey& key) {
  LogOptions options;
  options.signing_key = key;
  options.clock = FakeClock();
  options.signer_threads = 2;
  return options;
}

namespace {

PrivateKey NewKey() {
  Result<PrivateKey> key = PrivateKey::Generate();
  BACKSTOP_ASSERT(key.ok(), key.status().ToString());
  return *key;
}

}  // namespace

LogTest::LogTest() : key_(NewKey()) {}

void LogTest::SetUp() { keyring_.Add(key_.public_key()); }

void LogTest::CreateLog() {
  LogOptions options = SigningOptions(key_);
  options.signing = signing_;
  auto log = EventLog::Create(log_dir(), std::move(options));
  ASSERT_OK(log);
  log_ = std::move(log).value();
}

void LogTest::Reopen(bool read_only) {
  log_.reset();
  LogOptions options;
  if (read_only) {
    options.read_only = true;
  } else {
    options = SigningOptions(key_);
  }
  auto log = EventLog::Open(log_dir(), std::move(options));
  ASSERT_OK(log);
  log_ = std::move(log).value();
}

SequenceNumber LogTest::AppendGroups(size_t count, const std::vector<size_t>& sizes) {
  SequenceNumber last{0};
  for (size_t i = 0; i < count; ++i) {
    auto range = log_->Append(DepositGroup(sizes[i % sizes.size()]));
    EXPECT_OK(range);
    if (!range.ok()) return last;
    last = range->last;
  }
  return last;
}

VerifyReport LogTest::VerifyLog(bool all_signatures) {
  VerifyOptions options;
  options.all_signatures = all_signatures;
  options.threads = 2;
  return Verify(*log_, keyring_, options);
}

}  // namespace ledger::testing
