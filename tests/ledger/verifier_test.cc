// Verify() against damaged logs. Goal: every kind of damage is reported with the right first
// bad seq and a message saying what is wrong. Method: build a clean signed log, then rewrite
// stored values through the RocksDB API (byte flips, swaps, copies, forged records).
#include <capnp/message.h>
#include <rocksdb/db.h>

#include <cstring>
#include <random>

#include "ledger/internal/codec.h"
#include "ledger/internal/event_log_impl.h"
#include "tests/ledger/ledger_test_util.h"

namespace ledger {
namespace {

using internal::EncodeSeqKey;
using internal::EventLogAccess;
using testing::DepositGroup;

class VerifierTest : public testing::LogTest {
 protected:
  void SetUp() override {
    LogTest::SetUp();
    CreateLog();
    AppendGroups(8);  // 16 records in groups of 1, 3, 2.
  }

  std::string Get(SequenceNumber seq) {
    std::string value;
    EXPECT_TRUE(
        EventLogAccess::db(*log_)
            ->Get(rocksdb::ReadOptions(), EventLogAccess::events(*log_), EncodeSeqKey(seq), &value)
            .ok());
    return value;
  }
  void Put(SequenceNumber seq, const std::string& value) {
    ASSERT_TRUE(
        EventLogAccess::db(*log_)
            ->Put(rocksdb::WriteOptions(), EventLogAccess::events(*log_), EncodeSeqKey(seq), value)
            .ok());
  }
  void Delete(SequenceNumber seq) {
    ASSERT_TRUE(
        EventLogAccess::db(*log_)
            ->Delete(rocksdb::WriteOptions(), EventLogAccess::events(*log_), EncodeSeqKey(seq))
            .ok());
  }
  void PutMeta(const char* key, const std::string& value) {
    ASSERT_TRUE(EventLogAccess::db(*log_)
                    ->Put(rocksdb::WriteOptions(), EventLogAccess::meta(*log_), key, value)
                    .ok());
  }
  // Stores the tree nodes that record `seq` with chain hash `hash` completes.
  void PutTreeNodes(SequenceNumber seq, const Hash& hash) {
    NodeReader read = internal::MakeNodeReader(EventLogAccess::db(*log_),
                                               EventLogAccess::tree(*log_), rocksdb::ReadOptions());
    std::vector<Hash> subtrees;
    for (const TreeNode& node : CompleteSubtrees(seq.value() - 1))
      subtrees.push_back(*read(node.level, node.index));
    auto frontier = TreeFrontier::FromSubtrees(seq.value() - 1, subtrees);
    ASSERT_OK(frontier);
    base::Sha256 sha;
    std::vector<TreeNode> nodes;
    frontier->Append(sha, LeafHash(sha, hash), &nodes);
    for (const TreeNode& node : nodes) {
      ASSERT_TRUE(EventLogAccess::db(*log_)
                      ->Put(rocksdb::WriteOptions(), EventLogAccess::tree(*log_),
                            EncodeSeqKey(StoredNodePosition(node.level, node.index)),
                            std::string(reinterpret_cast<const char*>(node.hash.data()), 32))
                      .ok());
    }
  }
  // Expects verification (in the given mode) to fail first at `seq` with `text` in the message.
  void ExpectBad(SequenceNumber seq, const std::string& text, bool all_signatures = false) {
    VerifyReport report = VerifyLog(all_signatures);
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_seq, seq) << report.message;
    EXPECT_NE(report.message.find(text), std::string::npos) << report.message;
  }
  // A correctly chained record for `seq` after `prev_hash`, signed by `key`.
  std::string Forge(SequenceNumber seq, const Hash& prev_hash, const PrivateKey& key,
                    SequenceNumber group) {
    EventGroup events = DepositGroup(1);
    std::vector<uint8_t> envelope;
    EXPECT_OK(EncodeEnvelope(seq, int64_t{2'000'000'000} * 1'000'000'000, key.key_id(), group,
                             events.readers()[0], &envelope));
    base::Sha256 sha;
    Hash hash = ChainHash(sha, log_->domain_tag(), prev_hash, seq, envelope);
    Signer signer(key);
    auto signature = signer.Sign(hash);
    EXPECT_OK(signature);
    std::vector<uint8_t> value;
    EncodeRecord(prev_hash, hash, &*signature, envelope, &value);
    return std::string(value.begin(), value.end());
  }
  // Appends a forged record after the head and moves the meta head to it.
  void AppendForged(const PrivateKey& key) {
    SequenceNumber seq = log_->head_seq() + 1;
    std::string value = Forge(seq, log_->head_hash(), key, seq);
    Put(seq, value);
    auto record = DecodeRecord({reinterpret_cast<const uint8_t*>(value.data()), value.size()});
    ASSERT_OK(record);
    PutMeta(internal::kMetaHeadSeq, EncodeSeqKey(seq));
    PutMeta(internal::kMetaHeadHash,
            std::string(reinterpret_cast<const char*>(record->hash().data()), 32));
  }
};

TEST_F(VerifierTest, CleanLogVerifiesInBothModes) {
  EXPECT_TRUE(VerifyLog(false).ok);
  VerifyReport all = VerifyLog(true);
  EXPECT_TRUE(all.ok) << all.message;
  EXPECT_EQ(all.checkpoints_checked, 8u);  // One per group commit: 8 appends, 8 commits.
  EXPECT_EQ(all.signatures_checked, 16u + 8u);
}

// Goal: any single-byte change of a stored record is caught and blamed on that record.
// Method: seeded random (record, offset, xor mask) triples; rewrite, verify, restore.
TEST_F(VerifierTest, EverySingleByteFlipIsReportedAtItsSeq) {
  const uint32_t seed = testing::TestSeed("EverySingleByteFlipIsReportedAtItsSeq");
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  constexpr int kFlips = 240;
  for (int trial = 0; trial < kFlips; ++trial) {
    SequenceNumber seq{1 + rng() % log_->head_seq().value()};
    std::string original = Get(seq);
    size_t offset = rng() % original.size();
    uint8_t mask = static_cast<uint8_t>(1 + rng() % 255);
    SCOPED_TRACE(::testing::Message() << "seq " << seq << " offset " << offset);
    auto record = log_->Read(seq);
    ASSERT_OK(record);
    auto bytes = record->record_bytes();
    auto signature_at = std::search(bytes.begin(), bytes.end(), record->signature().begin(),
                                    record->signature().end());
    ASSERT_NE(signature_at, bytes.end());
    size_t signature_offset = static_cast<size_t>(signature_at - bytes.begin());
    bool in_signature = offset >= signature_offset && offset < signature_offset + kSignatureBytes;
    auto next = log_->Read(seq + 1);
    bool group_end = !next.ok() || next->group() == seq + 1;
    std::string damaged = original;
    damaged[offset] = static_cast<char>(damaged[offset] ^ mask);
    Put(seq, damaged);
    VerifyReport all = VerifyLog(/*all_signatures=*/true);
    EXPECT_FALSE(all.ok);
    EXPECT_EQ(all.first_bad_seq, seq) << all.message;
    // Default mode checks signatures at group ends only: a flip inside the signature of a
    // record in the middle of a group is, by design, left to all_signatures.
    if (!in_signature || group_end) {
      VerifyReport fast = VerifyLog(/*all_signatures=*/false);
      EXPECT_FALSE(fast.ok);
      EXPECT_EQ(fast.first_bad_seq, seq) << fast.message;
    }
    Put(seq, original);
  }
  EXPECT_TRUE(VerifyLog(true).ok);
}

TEST_F(VerifierTest, GarbageValueIsReportedNotCrashed) {
  std::mt19937 rng(7);
  for (size_t size : {0, 1, 7, 8, 64, 200, 4096}) {
    std::string garbage(size, '\0');
    for (char& c : garbage) c = static_cast<char>(rng());
    Put(SequenceNumber{5}, garbage);
    ExpectBad(SequenceNumber{5}, "seq 5:");
  }
}

TEST_F(VerifierTest, KeyMissingFromKeyringIsReported) {
  keyring_ = Keyring();
  auto other = PrivateKey::Generate();
  ASSERT_OK(other);
  keyring_.Add(other->public_key());
  ExpectBad(SequenceNumber{1}, "is not in the keyring");
}

TEST_F(VerifierTest, SignatureByAnotherKeyIsReported) {
  auto other = PrivateKey::Generate();
  ASSERT_OK(other);
  // Same envelope and chain, but signed by a key that is not the one named in the envelope.
  auto record = log_->Read(SequenceNumber{4});
  ASSERT_OK(record);
  Signer signer(*other);
  auto signature = signer.Sign(record->hash());
  ASSERT_OK(signature);
  std::vector<uint8_t> value;
  EncodeRecord(record->prev_hash(), record->hash(), &*signature, record->envelope_bytes(), &value);
  Put(SequenceNumber{4}, std::string(value.begin(), value.end()));
  ExpectBad(SequenceNumber{4}, "bad signature", /*all_signatures=*/true);
  ExpectBad(SequenceNumber{4}, "bad signature");  // Seq 4 ends its group.
}

TEST_F(VerifierTest, RecordSignedByAnUnrotatedKeyIsReported) {
  auto other = PrivateKey::Generate();
  ASSERT_OK(other);
  keyring_.Add(other->public_key());
  AppendForged(*other);
  ExpectBad(SequenceNumber{17}, "keys change only through a keyRotation");
}

TEST_F(VerifierTest, RecordAfterRotationSignedByTheOldKeyIsReported) {
  auto new_key = PrivateKey::Generate();
  ASSERT_OK(new_key);
  ASSERT_OK(log_->RotateKey(*new_key));  // Seq 17.
  AppendForged(key_);                    // Seq 18, by the old key.
  ExpectBad(SequenceNumber{18}, "keys change only through a keyRotation");
}

TEST_F(VerifierTest, TruncatedSignatureIsReported) {
  auto record = log_->Read(SequenceNumber{6});
  ASSERT_OK(record);
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::Record>();
  root.setPrevHash(capnp::Data::Reader(record->prev_hash().data(), kHashBytes));
  root.setHash(capnp::Data::Reader(record->hash().data(), kHashBytes));
  root.setSignature(capnp::Data::Reader(record->signature().data(), kSignatureBytes - 1));
  auto envelope = record->envelope_bytes();
  root.setEnvelope(capnp::Data::Reader(envelope.data(), envelope.size()));
  auto words = capnp::canonicalize(root.asReader());
  auto bytes = words.asBytes();
  Put(SequenceNumber{6}, std::string(bytes.begin(), bytes.end()));
  ExpectBad(SequenceNumber{6}, "signature is 63 bytes");
}

// An effect whose envelope is not in canonical form (a zero word appended), correctly hashed,
// chained and signed: Verify refuses it; EnvelopeCheck::kInputsOnly lets it through to a caller
// that compares effects (the audit), and CheckEnvelope then refuses it at its seq.
TEST_F(VerifierTest, NonCanonicalEffectEnvelopeIsCaughtInBothCheckModes) {
  const SequenceNumber seq = log_->head_seq() + 1;
  const SequenceNumber group{14};  // The last group (sizes 1, 3, 2, ...) starts at seq 14.
  capnp::MallocMessageBuilder message;
  message.initRoot<schema::Event>().initInsuranceFundCredit().setAsset(1);
  std::vector<uint8_t> envelope;
  ASSERT_OK(EncodeEnvelope(seq, int64_t{2'000'000'000} * 1'000'000'000, key_.key_id(), group,
                           message.getRoot<schema::Event>(), &envelope));
  envelope.resize(envelope.size() + sizeof(capnp::word));  // Still readable; not canonical.
  base::Sha256 sha;
  const Hash hash = ChainHash(sha, log_->domain_tag(), log_->head_hash(), seq, envelope);
  auto signature = Signer(key_).Sign(hash);
  ASSERT_OK(signature);
  std::vector<uint8_t> value;
  EncodeRecord(log_->head_hash(), hash, &*signature, envelope, &value);
  Put(seq, std::string(value.begin(), value.end()));
  PutMeta(internal::kMetaHeadSeq, EncodeSeqKey(seq));
  PutMeta(internal::kMetaHeadHash, std::string(reinterpret_cast<const char*>(hash.data()), 32));
  PutTreeNodes(seq, hash);  // A forger with write access rewrites the tree too.

  ExpectBad(seq, "Envelope is not canonical");

  ChainVerifier verifier(*log_, keyring_, VerifyOptions());
  LogRecord record;
  auto it = log_->NewIterator(SequenceNumber{1}, SequenceNumber{0});
  for (; it->Valid(); it->Next()) {
    ASSERT_TRUE(
        verifier.CheckValue(it->key_seq(), it->value(), &record, EnvelopeCheck::kInputsOnly));
  }
  EXPECT_EQ(record.seq(), seq);
  EXPECT_FALSE(CheckEnvelopeCanonical(record).ok());
  EXPECT_FALSE(verifier.CheckEnvelope(record));
  const VerifyReport report = verifier.Finish(*it);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, seq) << report.message;
  EXPECT_NE(report.message.find("not canonical"), std::string::npos) << report.message;
}

TEST_F(VerifierTest, SwappedRecordsAreReported) {
  std::string third = Get(SequenceNumber{3});
  Put(SequenceNumber{3}, Get(SequenceNumber{4}));
  Put(SequenceNumber{4}, third);
  ExpectBad(SequenceNumber{3}, "the record says seq 4");
}

TEST_F(VerifierTest, DuplicatedRecordIsReported) {
  Put(SequenceNumber{8}, Get(SequenceNumber{7}));
  ExpectBad(SequenceNumber{8}, "the record says seq 7");
}

TEST_F(VerifierTest, MissingRecordIsReported) {
  Delete(SequenceNumber{9});
  ExpectBad(SequenceNumber{9}, "seq 9: missing");
}

TEST_F(VerifierTest, RecordCopiedFromAnotherLogIsReported) {
  // Same key, same clock, same events: the other log's first record differs only in the
  // chain id of its domain tag.
  auto other = EventLog::Create(dir_.Sub("other"), testing::SigningOptions(key_));
  ASSERT_OK(other);
  ASSERT_OK((*other)->Append(DepositGroup(1)));
  auto foreign = (*other)->Read(SequenceNumber{1});
  ASSERT_OK(foreign);
  auto own = log_->Read(SequenceNumber{1});
  ASSERT_OK(own);
  ASSERT_TRUE(std::equal(foreign->envelope_bytes().begin(), foreign->envelope_bytes().end(),
                         own->envelope_bytes().begin(), own->envelope_bytes().end()));
  auto bytes = foreign->record_bytes();
  Put(SequenceNumber{1}, std::string(bytes.begin(), bytes.end()));
  ExpectBad(SequenceNumber{1}, "hash mismatch");
}

TEST_F(VerifierTest, MetaHeadMismatchIsReported) {
  PutMeta(internal::kMetaHeadSeq, EncodeSeqKey(15));
  ExpectBad(SequenceNumber{16}, "meta head");
}

TEST_F(VerifierTest, MetaHeadHashMismatchIsReported) {
  PutMeta(internal::kMetaHeadHash, std::string(32, 'x'));
  ExpectBad(SequenceNumber{16}, "meta head");
}

TEST_F(VerifierTest, LostTailIsReportedThroughTheMetaHead) {
  Delete(SequenceNumber{16});
  ExpectBad(SequenceNumber{16}, "meta head (seq 16");
}

TEST_F(VerifierTest, WritableOpenRefusesAMismatchedHead) {
  PutMeta(internal::kMetaHeadSeq, EncodeSeqKey(15));
  Close();
  auto log = EventLog::Open(log_dir(), testing::SigningOptions(key_));
  EXPECT_TRUE(log.status().IsCorruption()) << log.status().ToString();
}

TEST_F(VerifierTest, RangeVerificationChecksOnlyTheRange) {
  Put(SequenceNumber{2}, "garbage!");
  VerifyOptions options;
  options.first = SequenceNumber{5};
  options.last = SequenceNumber{12};
  VerifyReport report = Verify(*log_, keyring_, options);
  EXPECT_TRUE(report.ok) << report.message;
  EXPECT_EQ(report.records_checked, 8u);
  options.first = SequenceNumber{2};
  EXPECT_EQ(Verify(*log_, keyring_, options).first_bad_seq, ledger::SequenceNumber{2});
}

TEST_F(VerifierTest, ProgressEndsAtTheTotal) {
  uint64_t last_done = 0, last_total = 0;
  VerifyOptions options;
  options.progress = [&](uint64_t done, uint64_t total) {
    last_done = done;
    last_total = total;
  };
  EXPECT_TRUE(Verify(*log_, keyring_, options).ok);
  EXPECT_EQ(last_done, 16u);
  EXPECT_EQ(last_total, 16u);
}

}  // namespace
}  // namespace ledger
