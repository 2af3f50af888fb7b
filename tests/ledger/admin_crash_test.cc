// Goal: a crash in the middle of the log's administrative operations (EventLog::Create,
// RotateKey, RebuildIndexes and RebuildTree, which `init` and `reindex` run) never leaves a
// log that opens as valid but is not: after the crash the log is either whole (it opens,
// Verify passes, its indexes match the events, nothing acknowledged is lost) or every open
// that would rely on the broken part fails with an error that names it.
// Method: run the operation once on FaultFs (fault_fs.h) to count its writes and syncs, then
// again with a crash at a seeded random sample of them (every one for a short operation);
// after each crash drop what was not synced and reopen on the real file system. Seeded
// (LEDGER_TEST_SEED replays a run).
#include <fmt/format.h>
#include <rocksdb/env.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <limits>
#include <numeric>
#include <random>

#include "tests/ledger/fault_fs.h"
#include "tests/ledger/ledger_test_util.h"

namespace ledger::testing {

using base::Result;
using base::Status;
namespace {

Status FromIo(const rocksdb::IOStatus& s) {
  return s.ok() ? Status::OK() : Status::IOError("FaultFs", s.ToString());
}

bool Contains(const Status& status, std::string_view text) {
  return status.ToString().find(text) != std::string::npos;
}

class AdminCrashTest : public LogTest {
 protected:
  LogOptions Options(const std::shared_ptr<FaultFs>& fs) {
    LogOptions options = SigningOptions(key_);
    if (fs != nullptr) options.env = NewFaultEnv(fs);
    return options;
  }

  // A closed log in `dir` (real file system) of `mode` with `groups` groups of `size` deposits.
  void MakeTemplate(const std::string& dir, SigningMode mode, int groups, size_t size) {
    LogOptions options = Options(nullptr);
    options.signing = mode;
    auto log = EventLog::Create(dir, std::move(options));
    ASSERT_OK(log);
    for (int i = 0; i < groups; ++i) ASSERT_OK((*log)->Append(DepositGroup(size)));
  }

  // Verify passes and reports `head`; the indexes match the events.
  void ExpectWhole(const EventLog& log, SequenceNumber head, const Keyring& keyring) {
    VerifyOptions verify_options;
    verify_options.threads = 1;
    VerifyReport report = Verify(log, keyring, verify_options);
    EXPECT_TRUE(report.ok) << report.message;
    EXPECT_EQ(report.head_seq, head);
    auto indexes = log.CheckIndexes();
    ASSERT_OK(indexes);
    EXPECT_EQ(*indexes, "") << "indexes disagree with the events";
  }

  using Prepare = std::function<std::string(int round)>;
  using Operation =
      std::function<Status(const std::string& dir, const std::shared_ptr<FaultFs>& fs)>;
  using Check = std::function<void(const std::string& dir, bool ok)>;

  // One round: `prepare` makes the round's folder; `operation` runs on a fresh FaultFs (it
  // arms the crash at next_call_ once its setup is done); then the crash, the loss of what
  // was not synced, and `check` of the folder, told whether the operation returned OK.
  // Returns the writes and syncs the operation made (all of them if it met no crash).
  uint64_t Round(int round, const Prepare& prepare, const Operation& operation,
                 const Check& check) {
    const std::string dir = prepare(round);
    auto fs = std::make_shared<FaultFs>();
    Status status = operation(dir, fs);
    const uint64_t calls = fs->calls();
    fs->CrashAtCall(0);
    EXPECT_OK(FromIo(fs->DropUnsyncedData()));
    check(dir, status.ok());
    std::filesystem::remove_all(dir);
    return calls;
  }

  // A dry run counts the operation's writes and syncs (and checks a crash right after it
  // ends); then up to `points` rounds crash at a seeded random sample of them, in order.
  // Returns the rounds run.
  int CrashSweep(uint32_t seed, size_t points, const Prepare& prepare, const Operation& operation,
                 const Check& check) {
    next_call_ = std::numeric_limits<uint64_t>::max();
    const uint64_t total = Round(0, prepare, operation, check);
    std::vector<uint64_t> calls(total);
    std::iota(calls.begin(), calls.end(), 1);
    std::mt19937 rng(seed);
    std::shuffle(calls.begin(), calls.end(), rng);
    calls.resize(std::min(points, calls.size()));
    std::sort(calls.begin(), calls.end());
    int rounds = 1;
    for (uint64_t call : calls) {
      if (HasFailure()) break;
      SCOPED_TRACE(::testing::Message() << "crash at call " << call << " of " << total);
      next_call_ = call;
      Round(rounds++, prepare, operation, check);
    }
    return rounds;
  }

  uint64_t next_call_ = 1;  // The crash point of the sweep's current round.
};

// A crash anywhere in Create leaves no log (Open: NotFound), a log that opens empty and
// verifies, or a folder that every open refuses saying the creation did not finish.
TEST_F(AdminCrashTest, CrashDuringCreateLeavesNoHalfCreatedLog) {
  const uint32_t seed = TestSeed("CrashDuringCreateLeavesNoHalfCreatedLog");
  int unfinished = 0;
  int rounds = CrashSweep(
      seed, 40, [&](int round) { return dir_.Sub(fmt::format("c{}", round)); },
      [&](const std::string& dir, const std::shared_ptr<FaultFs>& fs) {
        fs->CrashAtCall(next_call_);
        LogOptions options = Options(fs);
        options.signing = next_call_ % 2 == 0 ? SigningMode::kEvery : SigningMode::kCheckpoint;
        auto log = EventLog::Create(dir, std::move(options));
        return log.status();
      },
      [&](const std::string& dir, bool created) {
        auto log = EventLog::Open(dir, Options(nullptr));
        if (log.ok()) {
          EXPECT_EQ((*log)->head_seq(), ledger::SequenceNumber{0});
          ExpectWhole(**log, SequenceNumber{0}, keyring_);
          EXPECT_OK((*log)->Append(DepositGroup(2)));
          return;
        }
        EXPECT_FALSE(created) << "Create succeeded, then the log did not open: "
                              << log.status().ToString();
        if (log.status().IsNotFound()) return;
        ++unfinished;
        EXPECT_TRUE(Contains(log.status(), "creation did not finish")) << log.status().ToString();
        LogOptions read_only;
        read_only.read_only = true;
        auto reader = EventLog::Open(dir, std::move(read_only));
        EXPECT_FALSE(reader.ok()) << "a half-created log opens read-only";
      });
  std::printf("%d crash points in Create; %d left an unfinished folder\n", rounds, unfinished);
}

// A crash during RotateKey leaves the rotation whole or absent: opened with the old key the
// log is either unchanged or refuses naming the new key, with which it then opens; either way
// it verifies. A rotation that returned OK is there.
TEST_F(AdminCrashTest, CrashDuringRotateKeyIsAllOrNothing) {
  const uint32_t seed = TestSeed("CrashDuringRotateKeyIsAllOrNothing");
  auto next = PrivateKey::Generate();
  ASSERT_OK(next);
  for (SigningMode mode : {SigningMode::kCheckpoint, SigningMode::kEvery}) {
    SCOPED_TRACE(SigningModeName(mode));
    const std::string source = dir_.Sub(fmt::format("t{}", SigningModeName(mode)));
    MakeTemplate(source, mode, 3, 5);
    const SequenceNumber before{15};
    int rotated = 0;
    int rounds = CrashSweep(
        seed, 24,
        [&](int round) {
          const std::string dir = dir_.Sub(fmt::format("r{}", round));
          std::filesystem::copy(source, dir, std::filesystem::copy_options::recursive);
          return dir;
        },
        [&](const std::string& dir, const std::shared_ptr<FaultFs>& fs) {
          auto log = EventLog::Open(dir, Options(fs));
          if (!log.ok()) return log.status();
          fs->CrashAtCall(next_call_);
          return (*log)->RotateKey(*next).status();
        },
        [&](const std::string& dir, bool ok) {
          auto log = EventLog::Open(dir, Options(nullptr));
          Keyring keyring = keyring_;
          if (log.ok()) {
            EXPECT_FALSE(ok) << "RotateKey returned OK, then the log opened with the old key";
            EXPECT_EQ((*log)->head_seq(), before);
            ExpectWhole(**log, before, keyring);
            return;
          }
          EXPECT_TRUE(log.status().IsInvalidArgument()) << log.status().ToString();
          EXPECT_TRUE(Contains(log.status(), ToHex(next->key_id()))) << log.status().ToString();
          LogOptions options = SigningOptions(*next);
          auto rotated_log = EventLog::Open(dir, std::move(options));
          ASSERT_OK(rotated_log);
          ++rotated;
          EXPECT_EQ((*rotated_log)->head_seq(), before + 1);
          ExpectWhole(**rotated_log, before + 1, keyring);
          EXPECT_OK((*rotated_log)->Append(DepositGroup(1)));
        });
    EXPECT_GT(rotated, 0);
    std::printf("%d crash points in RotateKey (%s); %d kept the rotation\n", rounds,
                std::string(SigningModeName(mode)).c_str(), rotated);
  }
}

// A crash during RebuildIndexes and RebuildTree (`backstop reindex`) leaves a log whose
// indexes and tree are whole, or one that refuses appends and index reads until reindex runs
// again (an index missing entries would answer queries wrongly, and a missing client-command
// entry would let a resent command run twice).
TEST_F(AdminCrashTest, CrashDuringReindexLeavesWholeIndexesOrARefusal) {
  const uint32_t seed = TestSeed("CrashDuringReindexLeavesWholeIndexesOrARefusal");
  const std::string source = dir_.Sub("template");
  // 5,000 records: two index batches (4,096 records each at most).
  MakeTemplate(source, SigningMode::kCheckpoint, 2, 2500);
  const SequenceNumber head = SequenceNumber{5'000};
  int refused = 0;
  int rounds = CrashSweep(
      seed, 40,
      [&](int round) {
        const std::string dir = dir_.Sub(fmt::format("x{}", round));
        std::filesystem::copy(source, dir, std::filesystem::copy_options::recursive);
        return dir;
      },
      [&](const std::string& dir, const std::shared_ptr<FaultFs>& fs) {
        LogOptions options;
        options.env = NewFaultEnv(fs);
        auto log = EventLog::Open(dir, std::move(options));
        if (!log.ok()) return log.status();
        fs->CrashAtCall(next_call_);
        BACKSTOP_RETURN_IF_ERROR((*log)->RebuildIndexes(nullptr));
        return (*log)->RebuildTree(nullptr);
      },
      [&](const std::string& dir, bool ok) {
        auto log = EventLog::Open(dir, Options(nullptr));
        if (log.ok()) {
          EXPECT_EQ((*log)->head_seq(), head);
          ExpectWhole(**log, head, keyring_);
          return;
        }
        EXPECT_FALSE(ok) << "reindex succeeded, then: " << log.status().ToString();
        EXPECT_TRUE(Contains(log.status(), "run reindex")) << log.status().ToString();
        ++refused;
        LogOptions read_only;
        read_only.read_only = true;
        auto reader = EventLog::Open(dir, std::move(read_only));
        ASSERT_OK(reader);
        if (Contains(log.status(), "index rebuild")) {
          // Index reads refuse, and the audit's index check names the unfinished rebuild.
          EXPECT_FALSE((*reader)->ScanIndex(Index::kAccountEvent, "", "", 1).ok());
          auto check = (*reader)->CheckIndexes();
          ASSERT_OK(check);
          EXPECT_NE(check->find("did not finish"), std::string::npos) << *check;
        } else {
          // The tree may be whole (only the end mark lost) or not: Verify checks every node.
          EXPECT_TRUE(Contains(log.status(), "Merkle tree rebuild")) << log.status().ToString();
        }
        reader->reset();
        // Reindex again (as `backstop reindex` opens: no signing key): then the log is whole.
        {
          auto writer = EventLog::Open(dir, LogOptions());
          ASSERT_OK(writer);
          ASSERT_OK((*writer)->RebuildIndexes(nullptr));
          ASSERT_OK((*writer)->RebuildTree(nullptr));
        }
        auto reopened = EventLog::Open(dir, Options(nullptr));
        ASSERT_OK(reopened);
        ExpectWhole(**reopened, head, keyring_);
      });
  EXPECT_GT(refused, 0);
  std::printf("%d crash points in reindex; %d left a log that refuses until reindex\n", rounds,
              refused);
}

}  // namespace
}  // namespace ledger::testing
