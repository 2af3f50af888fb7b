// Goal: the event log keeps its promise on a disk that fails: an acknowledged group survives a
// power loss byte for byte, a group is never half there, a failed sync or write is never
// acknowledged, and a full disk stops the log with a clear error and loses nothing promised.
// Method: open the log on FaultFs (fault_fs.h), append groups, crash or inject a failure at a
// seeded random write or sync, then drop what was not synced and reopen on the real file
// system: the survivors must match what was read back before the crash, and Verify (chain,
// signatures, tree and checkpoints) must pass. Seeded (LEDGER_TEST_SEED replays a run);
// LEDGER_FAULT_ROUNDS sets the crash rounds per signing mode (default 80; the random-fault
// rounds are half as many).
#include <rocksdb/env.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <random>

#include "tests/ledger/fault_fs.h"
#include "tests/ledger/ledger_test_util.h"

namespace ledger::testing {

using base::Result;
using base::Status;
namespace {

using Op = FaultFs::Op;
using Error = FaultFs::Error;
constexpr SigningMode kModes[] = {SigningMode::kCheckpoint, SigningMode::kEvery};

// Groups acknowledged durable, in the order the writer reported them.
struct Acks {
  std::mutex mu;
  std::vector<GroupRange> ok;  // Guarded by mu.
  int failed = 0;              // Groups whose callback had an error; guarded by mu.
};

// What one round appended, as the client saw it.
struct Appended {
  std::vector<GroupRange> submitted;             // Sequenced, in order.
  std::vector<GroupRange> acked;                 // Reported durable: a prefix of submitted.
  std::map<SequenceNumber, std::string> values;  // The acked records as read before the crash.
  SequenceNumber acked_head() const {
    return acked.empty() ? SequenceNumber{0} : acked.back().last;
  }
};

// The file system's status as ours, for ASSERT_OK.
Status FromIo(const rocksdb::IOStatus& s) {
  return s.ok() ? Status::OK() : Status::IOError("FaultFs", s.ToString());
}

int CrashRounds() {
  const char* rounds = std::getenv("LEDGER_FAULT_ROUNDS");
  return rounds != nullptr ? std::atoi(rounds) : 80;
}

// The stored values of records [1, last] (none when last is 0).
std::map<SequenceNumber, std::string> ReadValues(const EventLog& log, SequenceNumber last) {
  std::map<SequenceNumber, std::string> values;
  if (last == SequenceNumber{0}) return values;
  auto it = log.NewIterator(SequenceNumber{1}, last);
  for (; it->Valid(); it->Next()) {
    values[it->key_seq()] =
        std::string(reinterpret_cast<const char*>(it->value().data()), it->value().size());
  }
  EXPECT_OK(it->status());
  return values;
}

class FaultInjectionTest : public LogTest {
 protected:
  // Options signing with key_, on `fs` (nullptr: the real file system).
  LogOptions Options(const std::shared_ptr<FaultFs>& fs) {
    LogOptions options = SigningOptions(key_);
    if (fs != nullptr) options.env = NewFaultEnv(fs);
    return options;
  }

  // Copies the closed log in `source` (whose groups `source_appended` lists) to `dir`, opens
  // the copy on fs_ and warms it up. Copying is much faster than creating a log (which writes
  // and syncs dozens of files); the copied files count as synced.
  std::unique_ptr<EventLog> CopyAndOpen(const std::string& source, const Appended& source_appended,
                                        const std::string& dir, Appended* appended) {
    std::filesystem::copy(source, dir, std::filesystem::copy_options::recursive);
    *appended = source_appended;
    auto log = EventLog::Open(dir, Options(fs_));
    EXPECT_OK(log);
    if (!log.ok()) return nullptr;
    WarmUp(**log, appended);
    return std::move(log).value();
  }

  // Appends one group to `log` and records it acknowledged. The first append after an open
  // starts RocksDB's compactions (a burst of metadata writes): done before a fault is armed.
  void WarmUp(EventLog& log, Appended* appended) {
    auto range = log.Append(DepositGroup(1));
    ASSERT_OK(range);
    appended->submitted.push_back(*range);
    appended->acked.push_back(*range);
  }

  // A closed log in `dir`, created on the real file system, holding one group (`appended`).
  void CreateTemplate(const std::string& dir, SigningMode mode, Appended* appended) {
    LogOptions options = Options(nullptr);
    options.signing = mode;
    auto log = EventLog::Create(dir, std::move(options));
    ASSERT_OK(log);
    WarmUp(**log, appended);
    ReadAcked(**log, appended);
  }

  // Appends groups of 1 to 3 deposits one at a time (each one its own WAL write and sync) until
  // one fails or `count` are in; returns the failure (OK if none). Records the acknowledged
  // ones, and fails the test if any is acknowledged after a failure.
  Status AppendUntilFailure(EventLog& log, int count, Appended* appended) {
    Status failure;
    for (int i = 0; i < count; ++i) {
      auto range = log.Append(DepositGroup(1 + i % 3));
      if (range.ok()) {
        EXPECT_TRUE(failure.ok()) << "acknowledged after a failure: " << range->first;
        appended->submitted.push_back(*range);
        appended->acked.push_back(*range);
      } else if (failure.ok()) {
        failure = range.status();
      }
    }
    return failure;
  }

  // Submits up to `count` groups of 1 to 4 deposits without waiting, stopping at the first
  // refusal, then waits for all of them; fills `appended` (values: see ReadAcked).
  void SubmitGroups(EventLog& log, std::mt19937& rng, int count, Appended* appended) {
    auto acks = std::make_shared<Acks>();
    for (int i = 0; i < count; ++i) {
      EventGroup group = DepositGroup(1 + rng() % 4);
      auto range =
          log.Submit(group.readers(), [acks](const Status& s, GroupRange range, GroupValues) {
            std::lock_guard lock(acks->mu);
            if (s.ok()) {
              EXPECT_EQ(acks->failed, 0)
                  << "group " << range.first << " acknowledged after a failure";
              acks->ok.push_back(range);
            } else {
              ++acks->failed;
            }
          });
      if (!range.ok()) {
        EXPECT_TRUE(range.status().IsIOError()) << range.status().ToString();
        break;
      }
      appended->submitted.push_back(*range);
    }
    Status flushed = log.Flush();
    std::lock_guard lock(acks->mu);
    appended->acked.insert(appended->acked.end(), acks->ok.begin(), acks->ok.end());
    EXPECT_EQ(flushed.ok(), acks->failed == 0) << flushed.ToString();
  }

  // Reads back the acknowledged records (reads still work after a crash or failure).
  void ReadAcked(const EventLog& log, Appended* appended) {
    ASSERT_LE(appended->acked.size(), appended->submitted.size());
    for (size_t i = 0; i < appended->acked.size(); ++i) {
      EXPECT_EQ(appended->acked[i].last, appended->submitted[i].last) << "acks out of order";
    }
    appended->values = ReadValues(log, appended->acked_head());
    EXPECT_EQ(appended->values.size(), appended->acked_head().value());
  }

  // Opens `dir` on `fs` (nullptr: real) and checks it against `appended`: every acknowledged
  // record byte for byte, the head at the end of a submitted group, Verify passing (chain,
  // signatures of the commit ends, tree and checkpoints). Returns the open log.
  std::unique_ptr<EventLog> OpenAndCheck(const std::string& dir, const std::shared_ptr<FaultFs>& fs,
                                         const Appended& appended) {
    auto opened = EventLog::Open(dir, Options(fs));
    EXPECT_OK(opened);
    if (!opened.ok()) return nullptr;
    std::unique_ptr<EventLog> log = std::move(opened).value();
    const SequenceNumber head = log->head_seq();
    EXPECT_GE(head, appended.acked_head()) << "acknowledged records lost";
    bool group_end = head == appended.acked_head();
    for (const GroupRange& range : appended.submitted) group_end = group_end || range.last == head;
    EXPECT_TRUE(group_end) << "head " << head << " is inside a group";
    std::map<SequenceNumber, std::string> stored = ReadValues(*log, head);
    for (const auto& [seq, value] : appended.values) {
      EXPECT_EQ(stored[seq], value) << "seq " << seq << " differs from what was acknowledged";
    }
    VerifyOptions verify_options;
    verify_options.threads = 1;
    VerifyReport report = Verify(*log, keyring_, verify_options);
    EXPECT_TRUE(report.ok) << report.message;
    EXPECT_EQ(report.head_seq, head);
    if (log->signing_mode() == SigningMode::kCheckpoint && head > SequenceNumber{0}) {
      EXPECT_GT(report.checkpoints_checked, 0u);
    }
    return log;
  }

  // OpenAndCheck, then the log takes one more group of 2. Returns the head before that group.
  SequenceNumber CheckSurvivors(const std::string& dir, const std::shared_ptr<FaultFs>& fs,
                                const Appended& appended) {
    std::unique_ptr<EventLog> log = OpenAndCheck(dir, fs, appended);
    if (log == nullptr) return SequenceNumber{0};
    const SequenceNumber head = log->head_seq();
    EXPECT_OK(log->Append(DepositGroup(2)));
    return head;
  }

  // After a failed write, the log is read-only for good: Submit refuses at once, and Append
  // and Flush fail (even once the disk works again).
  void ExpectRefusesAppends(EventLog& log) {
    EventGroup group = DepositGroup(1);
    auto called = std::make_shared<std::atomic<bool>>(false);
    auto submitted = log.Submit(
        group.readers(), [called](const Status&, GroupRange, GroupValues) { *called = true; });
    EXPECT_TRUE(submitted.status().IsIOError()) << submitted.status().ToString();
    EXPECT_FALSE(*called);
    EXPECT_TRUE(log.Append(group).status().IsIOError());
    EXPECT_TRUE(log.Flush().IsIOError());
  }

  // How a round arms its fault or crash, given its generator and the groups it will submit.
  using Arm = std::function<void(std::mt19937& rng, int groups)>;
  struct RoundStats {
    int rounds = 0;
    int cut_off = 0;            // Rounds in which a failure or the crash cut off groups in flight.
    uint64_t acked_groups = 0;  // Acknowledged while armed (not counting warm-ups).
    void Print(const char* what) const {
      std::printf("%d %s rounds; %d cut off groups in flight; %llu groups acknowledged\n", rounds,
                  what, cut_off, static_cast<unsigned long long>(acked_groups));
    }
  };

  // Runs `rounds` rounds on one log of `mode`: each opens the log on a fresh FaultFs (checking
  // the previous round), warms it up, arms it with `arm`, submits 1 to 12 groups, crashes and
  // drops what was not synced. The last round is checked on the real file system.
  void RunRounds(SigningMode mode, uint32_t seed, int rounds, RoundStats* stats, const Arm& arm) {
    const std::string dir = dir_.Sub(std::string(SigningModeName(mode)));
    Appended last;  // What the previous round appended, checked by the next open.
    CreateTemplate(dir, mode, &last);
    for (int round = 0; round < rounds && !HasFailure(); ++round) {
      std::mt19937 rng(seed + round + (mode == SigningMode::kEvery ? 1'000'000 : 0));
      SCOPED_TRACE(::testing::Message() << SigningModeName(mode) << " round " << round);
      fs_ = std::make_shared<FaultFs>();
      std::unique_ptr<EventLog> log = OpenAndCheck(dir, fs_, last);
      ASSERT_NE(log, nullptr);
      Appended appended;
      WarmUp(*log, &appended);
      const int groups = 1 + static_cast<int>(rng() % 12);
      arm(rng, groups);
      SubmitGroups(*log, rng, groups, &appended);
      ReadAcked(*log, &appended);
      fs_->CrashAtCall(0);  // If the run ended first, the crash comes now.
      log.reset();          // Closes RocksDB; no write reaches the disk any more.
      ASSERT_OK(FromIo(fs_->DropUnsyncedData()));
      ++stats->rounds;
      stats->cut_off += appended.acked.size() < appended.submitted.size() ? 1 : 0;
      stats->acked_groups += appended.acked.size() - 1;
      last = std::move(appended);
    }
    std::unique_ptr<EventLog> log = OpenAndCheck(dir, nullptr, last);
    ASSERT_NE(log, nullptr);
    ASSERT_OK(log->Append(DepositGroup(2)));
  }

  std::shared_ptr<FaultFs> fs_ = std::make_shared<FaultFs>();
};

// The file system itself: a crash keeps synced bytes in files whose folder was synced, and
// nothing else.
TEST(FaultFsTest, CrashDropsUnsyncedBytesAndUnsyncedFiles) {
  TempDir dir;
  auto fs = std::make_shared<FaultFs>();
  const rocksdb::IOOptions io;
  std::unique_ptr<rocksdb::FSDirectory> folder;
  ASSERT_TRUE(fs->NewDirectory(dir.path(), io, &folder, nullptr).ok());
  std::unique_ptr<rocksdb::FSWritableFile> old_file;
  std::unique_ptr<rocksdb::FSWritableFile> new_file;
  ASSERT_TRUE(fs->NewWritableFile(dir.Sub("old"), {}, &old_file, nullptr).ok());
  ASSERT_TRUE(old_file->Append("synced", io, nullptr).ok());
  ASSERT_TRUE(old_file->Sync(io, nullptr).ok());
  ASSERT_TRUE(folder->Fsync(io, nullptr).ok());
  ASSERT_TRUE(old_file->Append(" but not this", io, nullptr).ok());
  ASSERT_TRUE(fs->NewWritableFile(dir.Sub("new"), {}, &new_file, nullptr).ok());
  ASSERT_TRUE(new_file->Append("x", io, nullptr).ok());
  ASSERT_TRUE(new_file->Sync(io, nullptr).ok());  // Its bytes are synced, its name is not.
  fs->CrashAtCall(0);
  EXPECT_FALSE(old_file->Append("after the crash", io, nullptr).ok());
  EXPECT_FALSE(folder->Fsync(io, nullptr).ok());
  old_file->Close(io, nullptr).PermitUncheckedError();
  new_file->Close(io, nullptr).PermitUncheckedError();
  ASSERT_OK(FromIo(fs->DropUnsyncedData()));
  EXPECT_EQ(std::filesystem::file_size(dir.Sub("old")), 6u);
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("new")));
}

// A full disk: a short write, then every write fails with NoSpace until space is freed.
TEST(FaultFsTest, DiskFullWritesAPrefixAndStaysFull) {
  TempDir dir;
  auto fs = std::make_shared<FaultFs>();
  const rocksdb::IOOptions io;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  ASSERT_TRUE(fs->NewWritableFile(dir.Sub("f"), {}, &file, nullptr).ok());
  FaultFs::Fault fault;
  fault.call = 2;
  fault.error = Error::kNoSpace;
  fault.sticky = true;
  fault.short_write = true;
  fs->Inject(fault);
  ASSERT_TRUE(file->Append("1234", io, nullptr).ok());
  rocksdb::IOStatus full = file->Append("abcdefgh", io, nullptr);
  EXPECT_TRUE(full.IsNoSpace()) << full.ToString();
  EXPECT_TRUE(file->Append("z", io, nullptr).IsNoSpace());
  fs->ClearFaults();
  ASSERT_TRUE(file->Append("!", io, nullptr).ok());
  ASSERT_TRUE(file->Close(io, nullptr).ok());
  EXPECT_EQ(std::filesystem::file_size(dir.Sub("f")), 4u + 4u + 1u);
  EXPECT_EQ(fs->failures(), 2u);
}

// Each round opens the log (checking the previous round's crash), appends a group, then
// submits 1 to 12 groups with a crash at a random write or sync among them.
TEST_F(FaultInjectionTest, AcknowledgedGroupsSurviveCrashesAtRandomPoints) {
  const uint32_t seed = TestSeed("AcknowledgedGroupsSurviveCrashesAtRandomPoints");
  RoundStats stats;
  for (SigningMode mode : kModes) {
    RunRounds(mode, seed, CrashRounds(), &stats, [this](std::mt19937& rng, int groups) {
      // A synced batch (one or more groups) is one WAL write and one sync, so most crash
      // points land inside the run; the others crash after it.
      fs_->CrashAtCall(FaultFs::RandomCall(rng(), groups + 2));
    });
  }
  stats.Print("crash");
}

// As above, but first a random fault: a write or a sync of any file (WAL, MANIFEST, tables,
// OPTIONS), EIO or ENOSPC, once or for good, short or not; the crash comes after the run.
TEST_F(FaultInjectionTest, AcknowledgedGroupsSurviveAnyFaultThenACrash) {
  const uint32_t seed = TestSeed("AcknowledgedGroupsSurviveAnyFaultThenACrash");
  RoundStats stats;
  for (SigningMode mode : kModes) {
    RunRounds(mode, seed, CrashRounds() / 2, &stats, [this](std::mt19937& rng, int groups) {
      FaultFs::Fault fault;
      fault.op = rng() % 2 == 0 ? Op::kWrite : Op::kSync;
      fault.call = FaultFs::RandomCall(rng(), groups + 2);
      fault.error = rng() % 2 == 0 ? Error::kIo : Error::kNoSpace;
      fault.sticky = rng() % 2 == 0;
      fault.short_write = rng() % 2 == 0;
      fs_->Inject(fault);
    });
  }
  stats.Print("fault");
}

TEST_F(FaultInjectionTest, FailedSyncIsNeverAcknowledged) {
  const uint32_t seed = TestSeed("FailedSyncIsNeverAcknowledged");
  std::mt19937 rng(seed);
  for (SigningMode mode : kModes) {
    const std::string source = dir_.Sub(std::string(SigningModeName(mode)));
    Appended source_appended;
    CreateTemplate(source, mode, &source_appended);
    for (int round = 0; round < 8 && !HasFailure(); ++round) {
      SCOPED_TRACE(::testing::Message() << SigningModeName(mode) << " round " << round);
      const std::string dir = dir_.Sub("sync" + std::to_string(round));
      fs_ = std::make_shared<FaultFs>();
      Appended appended;
      std::unique_ptr<EventLog> log = CopyAndOpen(source, source_appended, dir, &appended);
      ASSERT_NE(log, nullptr);
      // One sync fails, once: a retried sync would then "succeed" on a disk that lost the data.
      FaultFs::Fault fault;
      fault.op = Op::kSync;
      fault.call = FaultFs::RandomCall(rng(), 8);
      fault.file_suffix = ".log";
      fs_->Inject(fault);
      Status failure = AppendUntilFailure(*log, 12, &appended);
      EXPECT_TRUE(failure.IsIOError()) << failure.ToString();
      ExpectRefusesAppends(*log);
      ReadAcked(*log, &appended);
      log.reset();  // The disk works again: closing must not make the failed group durable.
      ASSERT_OK(FromIo(fs_->DropUnsyncedData()));
      CheckSurvivors(dir, nullptr, appended);
      std::filesystem::remove_all(dir);
    }
  }
}

TEST_F(FaultInjectionTest, DiskFullStopsTheLogAndLosesNothing) {
  const uint32_t seed = TestSeed("DiskFullStopsTheLogAndLosesNothing");
  std::mt19937 rng(seed);
  for (SigningMode mode : kModes) {
    const std::string source = dir_.Sub(std::string(SigningModeName(mode)));
    Appended source_appended;
    CreateTemplate(source, mode, &source_appended);
    for (int round = 0; round < 4 && !HasFailure(); ++round) {
      SCOPED_TRACE(::testing::Message() << SigningModeName(mode) << " round " << round);
      const std::string dir = dir_.Sub("full" + std::to_string(round));
      fs_ = std::make_shared<FaultFs>();
      Appended appended;
      std::unique_ptr<EventLog> log = CopyAndOpen(source, source_appended, dir, &appended);
      ASSERT_NE(log, nullptr);
      // The disk fills up in the middle of a write, and stays full.
      FaultFs::Fault fault;
      fault.call = FaultFs::RandomCall(rng(), 8);
      fault.error = Error::kNoSpace;
      fault.sticky = true;
      fault.short_write = true;
      fs_->Inject(fault);
      Status failure = AppendUntilFailure(*log, 12, &appended);
      ASSERT_TRUE(failure.IsIOError()) << failure.ToString();
      EXPECT_NE(failure.ToString().find("No space left on device"), std::string::npos)
          << failure.ToString();
      ExpectRefusesAppends(*log);
      ReadAcked(*log, &appended);
      fs_->ClearFaults();  // Space is freed: the same log stays read-only,
      ExpectRefusesAppends(*log);
      log.reset();
      // and a reopened one (no crash in between) continues.
      SequenceNumber head = CheckSurvivors(dir, fs_, appended);
      Appended after = appended;
      after.submitted.push_back(GroupRange{head + 1, head + 2});  // CheckSurvivors' group.
      CheckSurvivors(dir, nullptr, after);
      std::filesystem::remove_all(dir);
    }
  }
}

}  // namespace
}  // namespace ledger::testing
