// A log signed by checkpoints: records unsigned, one signed checkpoint per group commit over the
// Merkle tree. Goal: every altered record, tree node or checkpoint is found and named, keys
// rotate safely, proofs from the log check out, and the external checkpoint file refuses a log
// that lost acknowledged records. Also: a format-1 log written by an earlier main still opens,
// verifies and takes appends in its own format.
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>

#include "ledger/checkpoint.h"
#include "ledger/internal/event_log_impl.h"
#include "ledger/merkle.h"
#include "tests/ledger/ledger_test_util.h"

namespace ledger {
namespace {

using internal::EncodeSeqKey;
using internal::EventLogAccess;

class CheckpointLogTest : public testing::LogTest {
 protected:
  void SetUp() override {
    LogTest::SetUp();
    signing_ = SigningMode::kCheckpoint;
    CreateLog();
    AppendGroups(8);  // 16 records in groups of 1, 3, 2: one group commit each.
  }
  rocksdb::DB* db() { return EventLogAccess::db(*log_); }
  std::string Get(rocksdb::ColumnFamilyHandle* cf, uint64_t key) {
    std::string value;
    EXPECT_TRUE(db()->Get(rocksdb::ReadOptions(), cf, EncodeSeqKey(key), &value).ok());
    return value;
  }
  void Put(rocksdb::ColumnFamilyHandle* cf, uint64_t key, const std::string& value) {
    ASSERT_TRUE(db()->Put(rocksdb::WriteOptions(), cf, EncodeSeqKey(key), value).ok());
  }
  void ExpectBad(SequenceNumber seq, const std::string& text) {
    VerifyReport report = VerifyLog();
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_seq, seq) << report.message;
    EXPECT_NE(report.message.find(text), std::string::npos) << report.message;
  }
};

TEST_F(CheckpointLogTest, RecordsAreUnsignedAndEveryCommitIsCheckpointed) {
  EXPECT_EQ(log_->format_version(), 3u);
  EXPECT_EQ(log_->signing_mode(), SigningMode::kCheckpoint);
  auto record = log_->Read(SequenceNumber{5});
  ASSERT_OK(record);
  EXPECT_FALSE(record->has_signature());
  VerifyReport report = VerifyLog();
  ASSERT_TRUE(report.ok) << report.message;
  EXPECT_EQ(report.checkpoints_checked, 8u);
  EXPECT_EQ(report.signatures_checked, 8u);  // The checkpoints' signatures, nothing else.
  auto sizes = log_->CheckpointSizes(1, 0);
  ASSERT_OK(sizes);
  EXPECT_EQ(*sizes, (std::vector<uint64_t>{1, 4, 6, 7, 10, 12, 13, 16}));
  // The newest checkpoint opens with the key and names the head.
  auto latest = log_->LatestCheckpoint();
  ASSERT_OK(latest);
  auto opened = OpenCheckpoint(*latest, key_.public_key());
  ASSERT_OK(opened);
  EXPECT_EQ(opened->checkpoint.size, 16u);
  EXPECT_EQ(opened->checkpoint.head_hash, log_->head_hash());
  EXPECT_EQ(opened->checkpoint.origin, log_->origin());
  auto root = log_->TreeRoot(16);
  ASSERT_OK(root);
  EXPECT_EQ(opened->checkpoint.root, *root);
}

TEST_F(CheckpointLogTest, ReopenedLogContinuesTheTree) {
  Reopen();
  AppendGroups(5);
  Reopen(/*read_only=*/true);
  VerifyReport report = VerifyLog();
  EXPECT_TRUE(report.ok) << report.message;
  EXPECT_EQ(report.records_checked, 16u + 10u);
}

TEST_F(CheckpointLogTest, EveryAlteredRecordByteIsNamed) {
  for (const SequenceNumber seq : {SequenceNumber{1}, SequenceNumber{5}, SequenceNumber{16}}) {
    std::string good = Get(EventLogAccess::events(*log_), seq.value());
    for (size_t offset = 0; offset < good.size(); offset += 7) {
      std::string bad = good;
      bad[offset] ^= 0x20;
      Put(EventLogAccess::events(*log_), seq.value(), bad);
      VerifyReport report = VerifyLog();
      EXPECT_FALSE(report.ok) << "seq " << seq << " offset " << offset;
      EXPECT_EQ(report.first_bad_seq, seq) << report.message;
    }
    Put(EventLogAccess::events(*log_), seq.value(), good);
  }
  EXPECT_TRUE(VerifyLog().ok);
}

TEST_F(CheckpointLogTest, AlteredTreeNodeIsNamedWithItsRecord) {
  // Node (level 1, index 2) covers leaves 4 and 5: records 5 and 6; record 6 completes it.
  uint64_t position = StoredNodePosition(1, 2);
  std::string good = Get(EventLogAccess::tree(*log_), position);
  std::string bad = good;
  bad[3] ^= 0x01;
  Put(EventLogAccess::tree(*log_), position, bad);
  ExpectBad(SequenceNumber{6}, "tree node (level 1, index 2) differs");
  ASSERT_TRUE(
      db()->Delete(rocksdb::WriteOptions(), EventLogAccess::tree(*log_), EncodeSeqKey(position))
          .ok());
  ExpectBad(SequenceNumber{6}, "tree node (level 1, index 2) is missing");
}

TEST_F(CheckpointLogTest, EveryAlteredCheckpointByteIsNamedWithItsTreeSize) {
  std::string good = Get(EventLogAccess::checkpoints(*log_), 10);
  for (size_t offset = 0; offset < good.size(); ++offset) {
    std::string bad = good;
    bad[offset] ^= 0x01;
    Put(EventLogAccess::checkpoints(*log_), 10, bad);
    VerifyReport report = VerifyLog();
    EXPECT_FALSE(report.ok) << "offset " << offset;
    EXPECT_EQ(report.first_bad_seq, ledger::SequenceNumber{10}) << report.message;
    EXPECT_NE(report.message.find("checkpoint at tree size 10"), std::string::npos)
        << report.message;
  }
  Put(EventLogAccess::checkpoints(*log_), 10, good);
  EXPECT_TRUE(VerifyLog().ok);
}

TEST_F(CheckpointLogTest, HeadWithoutItsCheckpointIsReported) {
  ASSERT_TRUE(
      db()->Delete(rocksdb::WriteOptions(), EventLogAccess::checkpoints(*log_), EncodeSeqKey(16))
          .ok());
  ExpectBad(SequenceNumber{16}, "covered by no signed checkpoint");
}

TEST_F(CheckpointLogTest, CheckpointMovedToAnotherSizeIsReported) {
  std::string note = Get(EventLogAccess::checkpoints(*log_), 12);
  Put(EventLogAccess::checkpoints(*log_), 11, note);
  ExpectBad(SequenceNumber{11}, "says tree size 12");
}

TEST_F(CheckpointLogTest, KeyRotationIsSignedOffByTheOldKey) {
  auto next = PrivateKey::Generate();
  ASSERT_OK(next);
  auto rotation = log_->RotateKey(*next);
  ASSERT_OK(rotation);
  // Appends under the new key, through a reopened log.
  log_.reset();
  LogOptions options = testing::SigningOptions(*next);
  auto reopened = EventLog::Open(log_dir(), std::move(options));
  ASSERT_OK(reopened);
  log_ = std::move(reopened).value();
  AppendGroups(3);
  VerifyReport report = VerifyLog();
  ASSERT_TRUE(report.ok) << report.message;
  // The rotation's checkpoint is the old key's; the next one the new key's.
  auto at_rotation = log_->ReadCheckpoint(rotation->last.value());
  ASSERT_OK(at_rotation);
  EXPECT_OK(OpenCheckpoint(*at_rotation, key_.public_key()));
  auto after = log_->ReadCheckpoint(rotation->last.value() + 1);
  ASSERT_OK(after);
  EXPECT_OK(OpenCheckpoint(*after, next->public_key()));
}

TEST_F(CheckpointLogTest, RotationNotSignedOffByTheOldKeyIsRefused) {
  // An insider rotates to a key of their own and removes the old key's checkpoint of the
  // rotation: the new key would vouch for its own introduction.
  auto next = PrivateKey::Generate();
  ASSERT_OK(next);
  auto rotation = log_->RotateKey(*next);
  ASSERT_OK(rotation);
  ASSERT_TRUE(db()->Delete(rocksdb::WriteOptions(), EventLogAccess::checkpoints(*log_),
                           EncodeSeqKey(rotation->last))
                  .ok());
  ExpectBad(rotation->last, "keyRotation ends no checkpoint");
}

// Verify checks long ranges in parallel segments; they must report what one pass reports,
// including across a key rotation (a later segment meets the rotated-in key) and with damage in
// two segments (the lowest seq wins).
TEST_F(CheckpointLogTest, ParallelSegmentsReportWhatOnePassReports) {
  auto next = PrivateKey::Generate();
  ASSERT_OK(next);
  ASSERT_OK(log_->RotateKey(*next));  // Seq 17.
  log_.reset();
  auto reopened = EventLog::Open(log_dir(), testing::SigningOptions(*next));
  ASSERT_OK(reopened);
  log_ = std::move(reopened).value();
  AppendGroups(15);  // Up to seq 47.
  VerifyOptions one_pass;
  one_pass.min_segment_records = uint64_t{1} << 40;
  VerifyOptions segments;
  segments.threads = 3;
  segments.min_segment_records = 4;  // 3 segments: 1-15, 16-30, 31-47.
  auto run = [&](const VerifyOptions& options) { return Verify(*log_, keyring_, options); };
  VerifyReport a = run(one_pass);
  VerifyReport b = run(segments);
  ASSERT_TRUE(a.ok) << a.message;
  ASSERT_TRUE(b.ok) << b.message;
  EXPECT_EQ(b.records_checked, a.records_checked);
  EXPECT_EQ(b.checkpoints_checked, a.checkpoints_checked);
  EXPECT_EQ(b.signatures_checked, a.signatures_checked);
  EXPECT_EQ(b.head_seq, a.head_seq);
  EXPECT_EQ(b.head_hash, a.head_hash);
  ASSERT_EQ(b.introduced_keys.size(), 1u);
  EXPECT_EQ(b.introduced_keys[0].key_id(), next->key_id());
  for (const SequenceNumber seq : {SequenceNumber{40}, SequenceNumber{20}}) {
    std::string bad = Get(EventLogAccess::events(*log_), seq.value());
    bad[bad.size() - 3] ^= 0x10;
    Put(EventLogAccess::events(*log_), seq.value(), bad);
    VerifyReport x = run(one_pass);
    VerifyReport y = run(segments);
    EXPECT_FALSE(y.ok);
    EXPECT_EQ(y.first_bad_seq, seq) << y.message;
    EXPECT_EQ(y.first_bad_seq, x.first_bad_seq);
    EXPECT_EQ(y.message, x.message);
  }
}

TEST_F(CheckpointLogTest, ProofsFromTheLogCheckAgainstItsCheckpoints) {
  auto sizes = log_->CheckpointSizes(1, 0);
  ASSERT_OK(sizes);
  base::Sha256 sha;
  for (uint64_t size : *sizes) {
    auto note = log_->ReadCheckpoint(size);
    ASSERT_OK(note);
    auto opened = OpenCheckpoint(*note, key_.public_key());
    ASSERT_OK(opened);
    for (SequenceNumber seq{1}; seq <= SequenceNumber{size}; ++seq) {
      auto record = log_->Read(seq);
      ASSERT_OK(record);
      auto proof = log_->InclusionProof(seq, size);
      ASSERT_OK(proof);
      EXPECT_TRUE(VerifyInclusion(seq.value() - 1, size, LeafHash(sha, record->hash()), *proof,
                                  opened->checkpoint.root));
    }
    for (uint64_t old_size : *sizes) {
      if (old_size > size) break;
      auto old_note = OpenCheckpoint(*log_->ReadCheckpoint(old_size), key_.public_key());
      ASSERT_OK(old_note);
      auto proof = log_->ConsistencyProof(old_size, size);
      ASSERT_OK(proof);
      EXPECT_TRUE(VerifyConsistency(old_size, size, old_note->checkpoint.root,
                                    opened->checkpoint.root, *proof));
    }
  }
  EXPECT_FALSE(log_->InclusionProof(SequenceNumber{17}, 17).ok());  // Beyond the head.
}

// What `backstop proof verify` runs: a proof file from the log checks out with the key alone,
// and any single altered byte of it (record, index, path, checkpoint, signature) is refused.
TEST_F(CheckpointLogTest, EveryAlteredByteOfAProofFileIsRefused) {
  auto record = log_->Read(SequenceNumber{5});
  auto proof = log_->InclusionProof(SequenceNumber{5}, 16);
  auto note = log_->ReadCheckpoint(16);
  ASSERT_OK(record);
  ASSERT_OK(proof);
  ASSERT_OK(note);
  InclusionProofFile file;
  file.extra.assign(record->record_bytes().begin(), record->record_bytes().end());
  file.index = 4;
  file.proof = *proof;
  file.checkpoint = *note;
  const std::string text = FormatInclusionProofFile(file);
  auto proven = CheckInclusionProofFile(text, keyring_, log_->chain_id());
  ASSERT_OK(proven);
  EXPECT_EQ(proven->record.seq(), ledger::SequenceNumber{5});
  EXPECT_EQ(proven->checkpoint.size, 16u);
  for (size_t i = 0; i < text.size(); ++i) {
    std::string bad = text;
    bad[i] ^= 0x01;
    EXPECT_FALSE(CheckInclusionProofFile(bad, keyring_, std::nullopt).ok()) << "byte " << i;
  }
  ChainId other = log_->chain_id();
  other[0] ^= 0x01;
  EXPECT_FALSE(CheckInclusionProofFile(text, keyring_, other).ok());
  Keyring stranger;
  stranger.Add(PrivateKey::Generate()->public_key());
  EXPECT_FALSE(CheckInclusionProofFile(text, stranger, std::nullopt).ok());

  auto older = log_->ReadCheckpoint(6);
  auto consistency = log_->ConsistencyProof(6, 16);
  ASSERT_OK(older);
  ASSERT_OK(consistency);
  const std::string linked = FormatConsistencyProofFile({6, 16, *consistency});
  EXPECT_OK(CheckConsistencyProofFile(linked, *older, *note, keyring_, std::nullopt));
  for (size_t i = 0; i < linked.size(); ++i) {
    std::string bad = linked;
    bad[i] ^= 0x01;
    EXPECT_FALSE(CheckConsistencyProofFile(bad, *older, *note, keyring_, std::nullopt).ok())
        << "byte " << i;
  }
  EXPECT_FALSE(CheckConsistencyProofFile(linked, *note, *older, keyring_, std::nullopt).ok());
}

TEST_F(CheckpointLogTest, RebuiltTreeEqualsTheOneWrittenWithTheRecords) {
  auto root = log_->TreeRoot(16);
  ASSERT_OK(root);
  ASSERT_TRUE(db()->DeleteRange(rocksdb::WriteOptions(), EventLogAccess::tree(*log_), "",
                                std::string(9, '\xff'))
                  .ok());
  EXPECT_FALSE(VerifyLog().ok);
  ASSERT_OK(log_->RebuildTree(nullptr));
  auto rebuilt = log_->TreeRoot(16);
  ASSERT_OK(rebuilt);
  EXPECT_EQ(*rebuilt, *root);
  EXPECT_TRUE(VerifyLog().ok);
}

TEST_F(CheckpointLogTest, DamagedTreeStopsAppendsUntilReindexRebuildsIt) {
  // Node (level 4, index 0) is the head's largest complete subtree (16 records).
  ASSERT_TRUE(db()->Delete(rocksdb::WriteOptions(), EventLogAccess::tree(*log_),
                           EncodeSeqKey(StoredNodePosition(4, 0)))
                  .ok());
  log_.reset();
  auto writer = EventLog::Open(log_dir(), testing::SigningOptions(key_));
  ASSERT_FALSE(writer.ok());
  EXPECT_NE(writer.status().message().find("reindex"), std::string::npos)
      << writer.status().ToString();
  auto keyless = EventLog::Open(log_dir(), LogOptions());  // What `backstop reindex` opens.
  ASSERT_OK(keyless);
  ASSERT_OK((*keyless)->RebuildTree(nullptr));
  keyless->reset();
  Reopen();
  EXPECT_EQ(AppendGroups(2), SequenceNumber{20});
  VerifyReport report = VerifyLog();
  EXPECT_TRUE(report.ok) << report.message;
}

TEST_F(CheckpointLogTest, CheckpointFileRefusesALogThatLostAcknowledgedRecords) {
  const std::string file = dir_.Sub("head.checkpoint");
  const std::string copy = dir_.Sub("log-copy");
  log_.reset();
  std::filesystem::copy(log_dir(), copy);  // A stale copy: 16 records.
  LogOptions options = testing::SigningOptions(key_);
  options.checkpoint_file = file;
  auto log = EventLog::Open(log_dir(), options);
  ASSERT_OK(log);
  log_ = std::move(log).value();
  AppendGroups(3);
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto latest = log_->LatestCheckpoint();
  ASSERT_OK(latest);
  EXPECT_EQ(text, *latest);
  log_.reset();
  // The stale copy is behind the checkpoint: refused, with the reason.
  auto stale = EventLog::Open(copy, options);
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.status().message().find("behind the checkpoint"), std::string::npos)
      << stale.status().ToString();
  // The real log opens.
  EXPECT_OK(EventLog::Open(log_dir(), options));
}

TEST(FormatOneLogTest, PreCheckpointLogVerifiesAndKeepsItsFormat) {
  // Written by main before checkpoints (scripts: keygen, init, ingest docs/examples/
  // crash-demo.jsonl, snapshot create), kept in tests/fixtures/v1-crash-demo.
  testing::TempDir dir;
  std::filesystem::copy(std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures/v1-crash-demo",
                        dir.path(), std::filesystem::copy_options::recursive);
  Keyring keyring;
  ASSERT_OK(keyring.AddPemFile(dir.Sub("trusted-signer.pub.pem")));
  LogOptions read_only;
  read_only.read_only = true;
  auto log = EventLog::Open(dir.Sub("log"), read_only);
  ASSERT_OK(log);
  EXPECT_EQ((*log)->format_version(), 1u);
  EXPECT_EQ((*log)->signing_mode(), SigningMode::kEvery);
  EXPECT_FALSE((*log)->has_tree());
  VerifyOptions all;
  all.all_signatures = true;
  VerifyReport report = Verify(**log, keyring, all);
  ASSERT_TRUE(report.ok) << report.message;
  EXPECT_EQ(report.records_checked, 48u);
  EXPECT_EQ(report.signatures_checked, 48u);
  EXPECT_EQ(report.checkpoints_checked, 0u);
  EXPECT_FALSE((*log)->InclusionProof(SequenceNumber{1}, 48).ok());
}

}  // namespace
}  // namespace ledger
