// kill -9 while appending. Goal: after a SIGKILL at an arbitrary moment the log reopens, every
// acknowledged group is there, no group is partial, the chain verifies and continues.
// Method: ledger_test_child appends groups of 1..5 deposits (each record says its group's size)
// and prints each group's last seq after the sync; we SIGKILL it after a seeded random number
// of acknowledgements (groups are still in flight in the pipeline then), >= 20 times.
#include <signal.h>
#include <sys/wait.h>

#include <random>

#include "tests/ledger/ledger_test_util.h"

namespace ledger {
namespace {

using testing::TempDir;

constexpr int kKills = 22;
constexpr int kReadTimeoutMs = 30000;

// Checks records [first, head]: each group is whole (its records carry accounts 1..size and
// amount = size) and `acknowledged` seqs each end a group. Returns the head.
SequenceNumber CheckWholeGroups(const EventLog& log, SequenceNumber first,
                                const std::vector<SequenceNumber>& acknowledged) {
  SequenceNumber head = log.head_seq();
  for (SequenceNumber seq : acknowledged) {
    EXPECT_LE(seq, head) << "acknowledged seq " << seq << " lost";
  }
  SequenceNumber seq = first;
  while (seq <= head) {
    auto start = log.Read(seq);
    EXPECT_OK(start);
    if (!start.ok()) return head;
    EXPECT_EQ(start->group(), seq) << "seq " << seq << " should start a group";
    int64_t size = start->event().getDeposit().getAmount();
    EXPECT_GE(size, 1);
    EXPECT_LE(seq + size - 1, head) << "partial group at seq " << seq;
    for (int64_t i = 0; i < size && seq + i <= head; ++i) {
      auto record = log.Read(seq + i);
      EXPECT_OK(record);
      if (!record.ok()) return head;
      EXPECT_EQ(record->group(), seq);
      EXPECT_EQ(record->event().getDeposit().getAccount(), static_cast<uint64_t>(i + 1));
    }
    seq += size;
  }
  return head;
}

TEST(CrashTest, KillNineLosesNothingAcknowledgedAndLeavesNoHalfGroup) {
  const uint32_t seed = testing::TestSeed("KillNineLosesNothingAcknowledgedAndLeavesNoHalfGroup");
  std::mt19937 rng(seed);
  TempDir dir;
  auto key = PrivateKey::Generate();
  ASSERT_OK(key);
  ASSERT_OK(key->SavePem(dir.Sub("key.pem")));
  Keyring keyring;
  keyring.Add(key->public_key());
  SequenceNumber verified_head{0};
  for (int kill = 0; kill < kKills; ++kill) {
    SCOPED_TRACE(::testing::Message() << "kill " << kill << " seed " << seed);
    testing::Child child = testing::SpawnChild(
        {LEDGER_TEST_CHILD, "append", dir.Sub("log"), dir.Sub("key.pem"), std::to_string(rng())});
    const int acks_before_kill = 1 + static_cast<int>(rng() % 300);
    std::vector<SequenceNumber> acknowledged;
    std::string buffer, line;
    for (int i = 0; i < acks_before_kill; ++i) {
      ASSERT_TRUE(testing::ReadLine(child, &line, kReadTimeoutMs, &buffer)) << "child stalled";
      acknowledged.push_back(SequenceNumber{std::stoull(line)});
    }
    ASSERT_EQ(::kill(child.pid, SIGKILL), 0);
    std::string rest;
    int status = testing::FinishChild(child, &rest);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    buffer += rest;
    for (size_t pos = 0, end; (end = buffer.find('\n', pos)) != std::string::npos; pos = end + 1) {
      acknowledged.push_back(SequenceNumber{std::stoull(buffer.substr(pos, end - pos))});
    }
    // Reopen for writing (that runs WAL recovery), check groups, verify the new part.
    LogOptions options;
    auto log = EventLog::Open(dir.Sub("log"), options);
    ASSERT_OK(log);
    SequenceNumber head = CheckWholeGroups(**log, verified_head + 1, acknowledged);
    VerifyOptions verify;
    verify.first = verified_head + 1;
    VerifyReport report = Verify(**log, keyring, verify);
    ASSERT_TRUE(report.ok) << report.message;
    EXPECT_GE(head, acknowledged.back());
    verified_head = head;
  }
  auto log = EventLog::Open(dir.Sub("log"), {});
  ASSERT_OK(log);
  VerifyReport report = Verify(**log, keyring, {});
  EXPECT_TRUE(report.ok) << report.message;
  EXPECT_EQ(report.head_seq, verified_head);
  std::printf("kill -9 test: %d kills, %llu records\n", kKills,
              static_cast<unsigned long long>(verified_head.value()));
}

}  // namespace
}  // namespace ledger
