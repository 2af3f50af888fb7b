// EventLog behaviour: create/open rules, dense seqs, the chain across reopen, reads and
// iteration, group commit through the pipeline, failure handling and key rotation.
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "ledger/internal/event_log_impl.h"
#include "tests/ledger/ledger_test_util.h"

namespace ledger {

using base::Result;
using base::Status;
namespace {

using testing::DepositGroup;
using testing::LogTest;

TEST_F(LogTest, AppendCloseReopenContinueVerifiesClean) {
  CreateLog();
  EXPECT_EQ(AppendGroups(10), SequenceNumber{19});  // Group sizes cycle 1, 3, 2: 3 * 6 + 1 records.
  Hash head = log_->head_hash();
  Reopen();
  EXPECT_EQ(log_->head_seq(), ledger::SequenceNumber{19});
  EXPECT_EQ(log_->head_hash(), head);
  EXPECT_EQ(AppendGroups(3), SequenceNumber{25});
  Reopen();
  VerifyReport report = VerifyLog();
  EXPECT_TRUE(report.ok) << report.message;
  EXPECT_EQ(report.records_checked, 25u);
  EXPECT_EQ(report.checkpoints_checked, 13u);       // One per group commit,
  EXPECT_EQ(report.signatures_checked, 13u + 13u);  // and each group's end.
  EXPECT_EQ(report.head_seq, ledger::SequenceNumber{25});
  VerifyReport all = VerifyLog(/*all_signatures=*/true);
  EXPECT_TRUE(all.ok) << all.message;
  EXPECT_EQ(all.signatures_checked, 25u + 13u);
}

TEST_F(LogTest, FirstRecordChainsFromZeroHashAndSeqsAreDense) {
  CreateLog();
  AppendGroups(4);
  auto first = log_->Read(SequenceNumber{1});
  ASSERT_OK(first);
  EXPECT_EQ(first->prev_hash(), Hash{});
  for (SequenceNumber seq{2}; seq <= log_->head_seq(); ++seq) {
    auto record = log_->Read(seq);
    ASSERT_OK(record);
    auto previous = log_->Read(seq - 1);
    ASSERT_OK(previous);
    EXPECT_EQ(record->seq(), seq);
    EXPECT_EQ(record->prev_hash(), previous->hash());
  }
}

TEST_F(LogTest, RecordsCarryGroupTimeKeyAndEvent) {
  CreateLog();
  AppendGroups(2, {1, 3});
  auto record = log_->Read(SequenceNumber{4});
  ASSERT_OK(record);
  EXPECT_EQ(record->group(), ledger::SequenceNumber{2});
  EXPECT_EQ(record->key_id(), key_.key_id());
  ASSERT_TRUE(record->event().isDeposit());
  EXPECT_EQ(record->event().getDeposit().getAccount(), 3u);
  auto group_start = log_->Read(SequenceNumber{2});
  ASSERT_OK(group_start);
  EXPECT_EQ(group_start->time_ns(), record->time_ns());  // One stamp per group.
  auto first = log_->Read(SequenceNumber{1});
  ASSERT_OK(first);
  EXPECT_LT(first->time_ns(), record->time_ns());
}

TEST_F(LogTest, ReadBeyondHeadIsNotFound) {
  CreateLog();
  AppendGroups(1);
  EXPECT_TRUE(log_->Read(SequenceNumber{2}).status().IsNotFound());
  EXPECT_TRUE(log_->Read(SequenceNumber{0}).status().IsNotFound());
}

TEST_F(LogTest, IteratorYieldsRangeInOrder) {
  CreateLog();
  AppendGroups(5);
  std::vector<SequenceNumber> seen;
  for (auto it = log_->NewIterator(SequenceNumber{3}, SequenceNumber{7}); it->Valid(); it->Next()) {
    seen.push_back(it->key_seq());
    ASSERT_OK(DecodeRecord(it->value()));
  }
  EXPECT_EQ(seen,
            (std::vector<SequenceNumber>{SequenceNumber{3}, SequenceNumber{4}, SequenceNumber{5},
                                         SequenceNumber{6}, SequenceNumber{7}}));
  auto to_end = log_->NewIterator(SequenceNumber{9}, SequenceNumber{0});
  size_t count = 0;
  for (; to_end->Valid(); to_end->Next()) ++count;
  EXPECT_OK(to_end->status());
  EXPECT_EQ(count, 2u);
}

TEST_F(LogTest, CreateRefusesAnExistingFolder) {
  CreateLog();
  Close();
  auto again = EventLog::Create(log_dir(), testing::SigningOptions(key_));
  EXPECT_TRUE(again.status().IsInvalidArgument()) << again.status().ToString();
}

TEST_F(LogTest, OpenOfAMissingLogIsNotFound) {
  auto log = EventLog::Open(log_dir(), {});
  EXPECT_TRUE(log.status().IsNotFound()) << log.status().ToString();
  std::filesystem::create_directories(log_dir());
  auto empty_dir = EventLog::Open(log_dir(), {});
  EXPECT_TRUE(empty_dir.status().IsNotFound()) << empty_dir.status().ToString();
}

TEST_F(LogTest, SecondWriterIsBusy) {
  CreateLog();
  auto second = EventLog::Open(log_dir(), {});
  EXPECT_TRUE(second.status().IsBusy()) << second.status().ToString();
}

TEST_F(LogTest, OpenWithAnotherKeyIsRefused) {
  CreateLog();
  AppendGroups(1);
  Close();
  auto other = PrivateKey::Generate();
  ASSERT_OK(other);
  auto log = EventLog::Open(log_dir(), testing::SigningOptions(*other));
  EXPECT_TRUE(log.status().IsInvalidArgument()) << log.status().ToString();
}

TEST_F(LogTest, LogWithoutSigningKeyRefusesAppends) {
  CreateLog();
  Reopen(/*read_only=*/true);
  auto range = log_->Append(DepositGroup(1));
  EXPECT_TRUE(range.status().IsInvalidArgument());
}

TEST_F(LogTest, RejectsEmptyOversizedAndRotationGroups) {
  CreateLog();
  EXPECT_TRUE(log_->Append(EventGroup()).status().IsInvalidArgument());
  EXPECT_TRUE(log_->Append(DepositGroup(kMaxGroupRecords + 1)).status().IsInvalidArgument());
  EventGroup rotation;
  rotation.Add().initKeyRotation();
  EXPECT_TRUE(log_->Append(rotation).status().IsInvalidArgument());
  EventGroup big;
  big.Add().initMarketListed().setSymbol(std::string(kMaxEventBytes, 'x'));
  EXPECT_TRUE(log_->Append(big).status().IsInvalidArgument());
  EXPECT_EQ(log_->head_seq(), ledger::SequenceNumber{0});
  EXPECT_EQ(AppendGroups(1), SequenceNumber{1});  // Nothing was consumed by the refused groups.
}

TEST_F(LogTest, AGroupOfThousandsOfEffectsAppendsAtomicallyAndVerifies) {
  // One mark tick that liquidates a crowded side yields thousands of effects in one group
  // (replay_bench's stream produced 4,973): it must append as one group and verify.
  CreateLog();
  const auto range = log_->Append(DepositGroup(5'000));
  ASSERT_OK(range.status());
  EXPECT_EQ(range->first, ledger::SequenceNumber{1});
  EXPECT_EQ(range->last, ledger::SequenceNumber{5'000});
  EXPECT_EQ(AppendGroups(1), SequenceNumber{5'001});
  auto record = log_->Read(SequenceNumber{5'000});
  ASSERT_OK(record.status());
  EXPECT_EQ(record->group(), SequenceNumber{1});
  const VerifyReport report = VerifyLog();
  EXPECT_TRUE(report.ok) << report.message;
}

TEST_F(LogTest, SubmittedGroupsAreAcknowledgedInOrderAfterDurability) {
  CreateLog();
  std::mutex mu;
  std::vector<GroupRange> acknowledged;
  std::vector<GroupValues> handed_over;
  SequenceNumber expected_first{1};
  for (int i = 0; i < 300; ++i) {
    EventGroup group = DepositGroup(1 + i % 4);
    auto range = log_->Submit(group.readers(), [&](const Status& s, GroupRange r, GroupValues v) {
      EXPECT_OK(s);
      std::lock_guard lock(mu);
      acknowledged.push_back(r);
      handed_over.push_back(std::move(v));
    });
    ASSERT_OK(range);
    EXPECT_EQ(range->first, expected_first);
    expected_first = range->last + 1;
  }
  ASSERT_OK(log_->Flush());
  std::lock_guard lock(mu);
  ASSERT_EQ(acknowledged.size(), 300u);
  for (size_t i = 1; i < acknowledged.size(); ++i) {
    EXPECT_EQ(acknowledged[i].first, acknowledged[i - 1].last + 1);
  }
  EXPECT_EQ(log_->head_seq(), acknowledged.back().last);
  // Each callback was handed its records' values: the bytes the log stored.
  for (size_t i = 0; i < acknowledged.size(); ++i) {
    ASSERT_EQ(handed_over[i].size(), acknowledged[i].last - acknowledged[i].first + 1);
    for (SequenceNumber seq = acknowledged[i].first; seq <= acknowledged[i].last; ++seq) {
      auto record = log_->Read(seq);
      ASSERT_OK(record.status());
      const std::vector<uint8_t>& value = handed_over[i][seq - acknowledged[i].first];
      EXPECT_TRUE(std::ranges::equal(value, record->record_bytes())) << seq;
    }
  }
  auto stored = log_->StoredHead();
  ASSERT_OK(stored);
  EXPECT_EQ(stored->first, acknowledged.back().last);
  EXPECT_TRUE(VerifyLog().ok);
}

// The signer queue counts records submitted and not yet taken by a signer: Submit outruns
// the signers (an envelope and a hash per record against an Ed25519 signature), so some
// submission sees records waiting; none once everything is durable, and never any in a log
// signed by checkpoints, where no signer runs.
TEST_F(LogTest, SignerQueueDepthCountsRecordsWaitingForASigner) {
  for (const SigningMode mode : {SigningMode::kEvery, SigningMode::kCheckpoint}) {
    SCOPED_TRACE(mode == SigningMode::kEvery ? "every" : "checkpoint");
    signing_ = mode;
    CreateLog();
    uint64_t most = 0;
    for (int i = 0; i < 500; ++i) {
      EventGroup group = DepositGroup(4);
      ASSERT_OK(log_->Submit(group.readers(),
                             [](const Status& s, GroupRange, GroupValues) { EXPECT_OK(s); }));
      most = std::max(most, log_->signer_queue_depth());
    }
    ASSERT_OK(log_->Flush());
    EXPECT_EQ(log_->signer_queue_depth(), 0u);
    if (mode == SigningMode::kEvery) {
      EXPECT_GT(most, 0u);
    } else {
      EXPECT_EQ(most, 0u);
    }
    Close();
    std::filesystem::remove_all(log_dir());
  }
}

TEST_F(LogTest, ConcurrentSubmittersGetDisjointDenseRanges) {
  CreateLog();
  std::vector<std::thread> threads;
  std::atomic<uint64_t> records{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto range = log_->Append(DepositGroup(2));
        EXPECT_OK(range);
        records += 2;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(log_->head_seq().value(), records.load());
  VerifyReport report = VerifyLog();
  EXPECT_TRUE(report.ok) << report.message;
}

TEST_F(LogTest, FailedWriteMakesTheLogReadOnlyAndLeavesNoPartialGroup) {
  CreateLog();
  AppendGroups(2);  // Seqs 1..4.
  internal::EventLogAccess::FailWritesForTest(*log_);
  auto failed = log_->Append(DepositGroup(3));
  EXPECT_TRUE(failed.status().IsIOError()) << failed.status().ToString();
  auto after = log_->Append(DepositGroup(1));
  EXPECT_TRUE(after.status().IsIOError()) << after.status().ToString();
  EXPECT_FALSE(log_->signing_key_id().has_value());
  Reopen();
  EXPECT_EQ(log_->head_seq(), SequenceNumber{4});
  EXPECT_TRUE(log_->Read(SequenceNumber{5}).status().IsNotFound());
  EXPECT_TRUE(VerifyLog().ok);
  EXPECT_EQ(AppendGroups(1),
            SequenceNumber{5});  // The chain continues from the last durable group.
}

TEST_F(LogTest, KeyRotationSwitchesTheSigningKey) {
  CreateLog();
  AppendGroups(2);
  auto new_key = PrivateKey::Generate();
  ASSERT_OK(new_key);
  auto rotation = log_->RotateKey(*new_key);
  ASSERT_OK(rotation);
  EXPECT_EQ(log_->signing_key_id(), new_key->key_id());
  AppendGroups(2);
  auto after = log_->Read(rotation->last + 1);
  ASSERT_OK(after);
  EXPECT_EQ(after->key_id(), new_key->key_id());
  // The keyring holds only the first key: the rotation record introduces the second.
  VerifyReport report = VerifyLog(/*all_signatures=*/true);
  EXPECT_TRUE(report.ok) << report.message;
  Close();
  auto old_key_open = EventLog::Open(log_dir(), testing::SigningOptions(key_));
  EXPECT_TRUE(old_key_open.status().IsInvalidArgument());
  auto reopened = EventLog::Open(log_dir(), testing::SigningOptions(*new_key));
  ASSERT_OK(reopened);
}

TEST_F(LogTest, ReadOnlyOpenSeesEverythingAcknowledged) {
  CreateLog();
  AppendGroups(3);
  Hash head = log_->head_hash();
  Reopen(/*read_only=*/true);
  EXPECT_EQ(log_->head_hash(), head);
  EXPECT_TRUE(VerifyLog().ok);
}

}  // namespace
}  // namespace ledger
