// Shared helpers of the ledger tests: Status assertions, temporary folders, a fake clock,
// event builders and a fixture that owns one signed log. Keeps each test a few lines long.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "ledger/record.h"
#include "ledger/verifier.h"

// Assertions that print the Status (or Result's Status) on failure (STYLE.md T4).
#define ASSERT_OK(expr)                                                              \
  do {                                                                               \
    const auto& ledger_test_s_ = (expr);                                             \
    ASSERT_TRUE(ledger_test_s_.ok()) << ::ledger::testing::Describe(ledger_test_s_); \
  } while (false)
#define EXPECT_OK(expr)                                                              \
  do {                                                                               \
    const auto& ledger_test_s_ = (expr);                                             \
    EXPECT_TRUE(ledger_test_s_.ok()) << ::ledger::testing::Describe(ledger_test_s_); \
  } while (false)

namespace ledger::testing {

inline std::string Describe(const base::Status& s) { return s.ToString(); }
template <typename T>
std::string Describe(const base::Result<T>& r) {
  return r.status().ToString();
}

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The seed of a randomised test: $LEDGER_TEST_SEED if set, else random. Printed, so a failure
// can be replayed with LEDGER_TEST_SEED=<seed> (STYLE.md T6).
uint32_t TestSeed(const char* test_name);

// Deterministic time: starts at 1'700'000'000 s and advances 1 ms per call.
Clock FakeClock();

// Adds a deposit{account, asset 1, amount} event to `group`.
void AddDeposit(EventGroup& group, uint64_t account, int64_t amount);
// A group of `size` deposits; event i deposits into account i + 1 the amount `size` (so a
// reader can tell the group's declared size from any of its records).
EventGroup DepositGroup(size_t size);

// A child process with its stdout on a pipe (stderr inherited).
struct Child {
  pid_t pid = -1;
  int stdout_fd = -1;
};
Child SpawnChild(const std::vector<std::string>& args);
// Reads a line from the child (without the newline). False at EOF, or after `timeout_ms`.
bool ReadLine(Child& child, std::string* line, int timeout_ms, std::string* buffer);
// Reads everything left until EOF and waits for the child. Returns the waitpid status.
int FinishChild(Child& child, std::string* rest);
// Runs the child to completion, capturing stdout. Returns the waitpid status.
int RunChild(const std::vector<std::string>& args, std::string* output);

// Options for a signing log with `key`, the fake clock and two signer threads.
LogOptions SigningOptions(const PrivateKey& key);

// Fixture: a key pair, a keyring holding its public key, and a log in a temp dir.
class LogTest : public ::testing::Test {
 protected:
  LogTest();
  void SetUp() override;

  // Creates the log (fails the test on error).
  void CreateLog();
  // Closes and reopens the log, signing with key_ (or read-only).
  void Reopen(bool read_only = false);
  void Close() { log_.reset(); }
  // Appends `count` groups of the sizes cycling through `sizes`; returns the last seq.
  SequenceNumber AppendGroups(size_t count, const std::vector<size_t>& sizes = {1, 3, 2});
  VerifyReport VerifyLog(bool all_signatures = false);
  std::string log_dir() const { return dir_.Sub("log"); }

  TempDir dir_;
  // How CreateLog signs. The tests written before checkpoints check per-record signatures, so
  // the fixture signs every record unless a test chooses checkpoints.
  SigningMode signing_ = SigningMode::kEvery;
  PrivateKey key_;
  Keyring keyring_;
  std::unique_ptr<EventLog> log_;
};

}  // namespace ledger::testing
