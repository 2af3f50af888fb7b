// Audit: a clean log audits clean; an insider who rewrites a logged effect and re-signs the
// whole chain with the right key passes `verify` but is caught by re-derivation; a snapshot
// whose state disagrees with the replay is named. The audit runs segments between snapshots in
// parallel: a segment is accepted only on an established start (a forged snapshot in the
// middle, a divergence before a snapshot, a key rotation before one).

#include <capnp/message.h>
#include <fmt/format.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <functional>

#include "base/strong_type_fmt.h"
#include "ledger/checkpoint.h"
#include "ledger/event_codec.h"
#include "ledger/internal/codec.h"
#include "ledger/internal/event_log_impl.h"
#include "ledger/verifier.h"
#include "replay/auditor.h"
#include "replay/recovery.h"
#include "replay/replayer.h"
#include "snapshots/snapshot_store.h"
#include "tests/replay/replay_test_util.h"

namespace replay::testing {
namespace {

using ledger::SequenceNumber;

class AuditTest : public ReplayTest {
 protected:
  AuditReport RunAudit(const DataDir& data, AuditOptions options = AuditOptions()) {
    ledger::LogOptions log_options;
    log_options.read_only = true;
    auto log = ledger::EventLog::Open(data.log, std::move(log_options));
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    auto report = Audit(**log, data, Keyring(), options);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : AuditReport();
  }
  void ExpectForgedMiddleSnapshotNamed(const std::function<void(engine::EngineState*)>& forge);
  // Feeds 2,000 inputs, then copies the log into root_/forged with its first fill rewritten and
  // re-signed (rewritten_ is that seq). Returns the source log, open read-only.
  std::unique_ptr<ledger::EventLog> ForgedCopy();

  SequenceNumber rewritten_{0};
};

TEST_F(AuditTest, CleanLogAuditsClean) {
  OpenSequencer(/*snapshot_every_records=*/2'000);
  Feed(3'000);
  const SequenceNumber head = sequencer_->log().head_seq();
  CloseSequencer();
  const AuditReport report = RunAudit(data_);
  EXPECT_TRUE(report.ok()) << report.findings[0].what;
  EXPECT_EQ(report.records_replayed, head.value());
  EXPECT_EQ(report.records_verified, head.value());
  EXPECT_GE(report.snapshots_checked, 2u);

  snapshots::SnapshotStoreOptions store_options;
  store_options.read_only = true;
  auto store = snapshots::SnapshotStore::Open(data_.snapshots, store_options);
  ASSERT_OK(store);
  auto list = (*store)->List();
  ASSERT_OK(list);
  AuditOptions options;
  options.from_snapshot = list->back().seq;
  const AuditReport partial = RunAudit(data_, options);
  EXPECT_TRUE(partial.ok()) << partial.findings[0].what;
  EXPECT_EQ(partial.records_replayed, head - options.from_snapshot);
  EXPECT_EQ(partial.start_seq, options.from_snapshot);
}

TEST_F(AuditTest, ReopeningWithAClockBehindTheLogKeepsEngineAndEnvelopeTimesEqual) {
  OpenSequencer(/*snapshot_every_records=*/500);
  Feed(300);
  fake_time_ns_ -= 1'000'000'000;  // The new process's clock is a second behind the log.
  OpenSequencer(500);
  Feed(300);
  CloseSequencer();
  const AuditReport report = RunAudit(data_);
  EXPECT_TRUE(report.ok()) << report.findings[0].what;
  EXPECT_GE(report.snapshots_checked, 1u);
}

// Copies the log record by record into a new log signed with the same key, changing the
// first effect of kind `target` (its amount or price field) on the way.
SequenceNumber RewriteFirstEffect(const ledger::EventLog& source, const DataDir& target,
                                  const ledger::PrivateKey& key) {
  ledger::LogOptions options;
  options.signing_key = key;
  int64_t time_ns = 0;
  options.clock = [&time_ns] { return time_ns; };
  auto out = ledger::EventLog::Create(target.log, std::move(options));
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  SequenceNumber rewritten{0};
  ledger::EventGroup group;
  auto flush = [&] {
    if (group.size() == 0) return;
    EXPECT_TRUE((*out)->Append(group).ok());
    group = ledger::EventGroup();
  };
  for (SequenceNumber seq{1}; seq <= source.head_seq(); ++seq) {
    auto record = source.Read(seq);
    EXPECT_TRUE(record.ok());
    if (record->group() == seq) flush();
    time_ns = record->time_ns();
    EXPECT_TRUE(group.AddCopy(record->event()).ok());
    if (rewritten == ledger::SequenceNumber{0} && record->event().isFill()) {
      // The insider moves one fill's price by one tick in the copy.
      capnp::MallocMessageBuilder builder;
      builder.setRoot(record->event());
      auto fill = builder.getRoot<ledger::schema::Event>().getFill();
      fill.setPrice(fill.getPrice() + 1);
      group = [&] {
        ledger::EventGroup copy;
        auto readers = group.readers();
        for (size_t i = 0; i + 1 < readers.size(); ++i) EXPECT_TRUE(copy.AddCopy(readers[i]).ok());
        EXPECT_TRUE(copy.AddCopy(builder.getRoot<ledger::schema::Event>().asReader()).ok());
        return copy;
      }();
      rewritten = seq;
    }
  }
  flush();
  return rewritten;
}

std::unique_ptr<ledger::EventLog> AuditTest::ForgedCopy() {
  OpenSequencer();
  Feed(2'000);
  CloseSequencer();
  auto source = ReadOnlyLog();
  const DataDir forged = DataDir::At(root_ + "/forged");
  std::filesystem::create_directories(forged.root);
  rewritten_ = RewriteFirstEffect(*source, forged, key_);
  return source;
}

TEST_F(AuditTest, InsiderRewriteWithTheRightKeyPassesVerifyButNotAudit) {
  auto source = ForgedCopy();
  const DataDir forged = DataDir::At(root_ + "/forged");
  const SequenceNumber rewritten = rewritten_;
  ASSERT_GT(rewritten, ledger::SequenceNumber{0}) << "the stream should contain fills";

  ledger::LogOptions options;
  options.read_only = true;
  auto forged_log = ledger::EventLog::Open(forged.log, std::move(options));
  ASSERT_OK(forged_log);
  const ledger::VerifyReport verified = ledger::Verify(**forged_log, Keyring(), {});
  EXPECT_TRUE(verified.ok) << verified.message;

  const AuditReport report = RunAudit(forged);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings[0].seq, rewritten);
  EXPECT_NE(report.findings[0].what.find("differs"), std::string::npos);
  EXPECT_FALSE(report.findings[0].expected.empty());
  EXPECT_NE(report.findings[0].expected, report.findings[0].found);
}

// Writes a snapshot of `state` bound to record `seq` of `log`, signed by `key`.
void WriteSnapshot(const DataDir& data, const ledger::EventLog& log, SequenceNumber seq,
                   const engine::EngineState& state, const ledger::PrivateKey& key) {
  snapshots::SnapshotStoreOptions store_options;
  store_options.create_if_missing = true;
  auto store = snapshots::SnapshotStore::Open(data.snapshots, store_options);
  ASSERT_OK(store);
  auto record = log.Read(seq);
  ASSERT_OK(record);
  snapshots::SnapshotMeta meta{seq, record->hash(), record->time_ns(), log.chain_id()};
  ASSERT_OK((*store)->Write(state, meta, key));
}

// A snapshot signed with the right key but holding a state changed by `forge`, in the middle
// of the log, and a genuine one after it: the audit names the forged one, re-derives the rest
// from the replayed state (so the genuine one matches), and reports nothing else.
void AuditTest::ExpectForgedMiddleSnapshotNamed(
    const std::function<void(engine::EngineState*)>& forge) {
  OpenSequencer();
  Feed(800);
  const SequenceNumber forged_at = sequencer_->log().head_seq();
  engine::EngineState state = sequencer_->engine().Export();
  forge(&state);
  WriteSnapshot(data_, sequencer_->log(), forged_at, state, key_);
  Feed(400);
  ASSERT_OK(sequencer_->TakeSnapshot());
  Feed(400);
  const SequenceNumber head = sequencer_->log().head_seq();
  CloseSequencer();
  const AuditReport report = RunAudit(data_);
  ASSERT_EQ(report.findings.size(), 1u) << report.findings[1].what;
  EXPECT_EQ(report.findings[0].seq, forged_at);
  EXPECT_NE(report.findings[0].what.find("snapshot state hash"), std::string::npos);
  EXPECT_EQ(report.records_replayed, head.value());
  EXPECT_EQ(report.records_verified, head.value());
  EXPECT_EQ(report.snapshots_checked, 2u);
}

TEST_F(AuditTest, ForgedSnapshotInTheMiddleThatImportsIsNotReplayedFrom) {
  ExpectForgedMiddleSnapshotNamed([](engine::EngineState* state) {
    state->next_internal_order_id =  // Still a valid state.
        engine::OrderId{state->next_internal_order_id.value() + 1000};
  });
}

TEST_F(AuditTest, ForgedSnapshotInTheMiddleThatDoesNotImportIsNamed) {
  ExpectForgedMiddleSnapshotNamed([](engine::EngineState* state) {
    state->assets.at(0).fee_account += engine::Money{1};  // Money from nowhere: Import refuses it.
  });
}

TEST_F(AuditTest, AfterADivergenceLaterSegmentsAreVerifiedButNotReDerived) {
  auto source = ForgedCopy();
  const DataDir forged = DataDir::At(root_ + "/forged");
  const SequenceNumber rewritten = rewritten_;
  ASSERT_GT(rewritten, ledger::SequenceNumber{0});
  // A snapshot of the true state past the rewrite, bound to the forged log's record there:
  // the segment after it would replay clean, but it stands on a diverged history.
  auto at = GroupEnd(*source, ledger::SequenceNumber{source->head_seq().value() / 2});
  ASSERT_OK(at);
  ASSERT_GT(*at, rewritten);
  engine::RiskEngine engine;
  ASSERT_OK(
      Replay(*source, ledger::SequenceNumber{1}, *at, ledger::Hash{}, &engine, ReplayOptions()));
  {
    ledger::LogOptions options;
    options.read_only = true;
    auto forged_log = ledger::EventLog::Open(forged.log, std::move(options));
    ASSERT_OK(forged_log);
    WriteSnapshot(forged, **forged_log, *at, engine.Export(), key_);
  }
  const AuditReport report = RunAudit(forged);
  ASSERT_EQ(report.findings.size(), 1u) << report.findings[1].what;
  EXPECT_EQ(report.findings[0].seq, rewritten);
  EXPECT_EQ(report.records_replayed, rewritten.value() - 1);
  EXPECT_EQ(report.records_verified, source->head_seq().value());
  EXPECT_EQ(report.snapshots_checked, 0u);
}

TEST_F(AuditTest, KeysARotationIntroducedAreTrustedInLaterSegments) {
  const ledger::PrivateKey first_key = key_;
  OpenSequencer();
  Feed(300);
  CloseSequencer();
  auto new_key = ledger::PrivateKey::Generate();
  ASSERT_OK(new_key);
  {
    ledger::LogOptions options;
    options.signing_key = key_;
    options.clock = [this] { return fake_time_ns_ += 1000; };
    auto log = ledger::EventLog::Open(data_.log, std::move(options));
    ASSERT_OK(log);
    ASSERT_OK((*log)->RotateKey(*new_key));
  }
  key_ = *new_key;
  OpenSequencer();
  Feed(300);
  // A snapshot after the rotation signed by the first key (the keyring's only key): the
  // segment after it must trust the rotated-in key that the segment before it introduced.
  WriteSnapshot(data_, sequencer_->log(), sequencer_->log().head_seq(),
                sequencer_->engine().Export(), first_key);
  Feed(300);
  const SequenceNumber head = sequencer_->log().head_seq();
  CloseSequencer();
  ledger::LogOptions options;
  options.read_only = true;
  auto log = ledger::EventLog::Open(data_.log, std::move(options));
  ASSERT_OK(log);
  ledger::Keyring keyring;
  keyring.Add(first_key.public_key());
  auto report = Audit(**log, data_, keyring, AuditOptions());
  ASSERT_OK(report);
  EXPECT_TRUE(report->ok()) << report->findings[0].what;
  EXPECT_EQ(report->records_replayed, head.value());
  EXPECT_EQ(report->records_verified, head.value());
  EXPECT_EQ(report->snapshots_checked, 1u);
}

TEST_F(AuditTest, SnapshotWithAStateTheReplayDisagreesWithIsNamed) {
  OpenSequencer();
  Feed(1'000);
  const SequenceNumber head = sequencer_->log().head_seq();
  // A snapshot, signed with the right key, of a state that is not the log's.
  engine::EngineState state = sequencer_->engine().Export();
  state.assets.at(0).fee_account += engine::Money{1};
  snapshots::SnapshotStoreOptions store_options;
  store_options.create_if_missing = true;
  auto store = snapshots::SnapshotStore::Open(data_.snapshots, store_options);
  ASSERT_OK(store);
  auto record = sequencer_->log().Read(head);
  ASSERT_OK(record);
  snapshots::SnapshotMeta meta{head, record->hash(), record->time_ns(),
                               sequencer_->log().chain_id()};
  ASSERT_OK((*store)->Write(state, meta, key_));
  CloseSequencer();
  const AuditReport report = RunAudit(data_);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings[0].seq, head);
  EXPECT_NE(report.findings[0].what.find("snapshot state hash"), std::string::npos);
}

// Rewrites the last effect below the head of the log at `data` (opening a log reads its head)
// with its envelope in non-canonical form (a zero word appended: the same event, still
// readable), and re-chains and re-signs every record after it, through RocksDB. Returns its seq.
SequenceNumber MakeLastEffectNonCanonical(const DataDir& data, const ledger::PrivateKey& key) {
  ledger::LogOptions options;
  options.signing_key = key;
  options.clock = [] { return int64_t{0}; };  // Appends nothing: it writes through RocksDB.
  auto log = ledger::EventLog::Open(data.log, std::move(options));
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  if (!log.ok()) return ledger::SequenceNumber{0};
  SequenceNumber target = (*log)->head_seq() - 1;
  for (; target > ledger::SequenceNumber{1}; --target) {
    auto record = (*log)->Read(target);
    if (record.ok() && !ledger::IsInput(record->event())) break;
  }
  auto previous = (*log)->Read(target - 1);
  EXPECT_TRUE(previous.ok());
  ledger::Hash prev_hash = previous->hash();
  base::Sha256 sha;
  ledger::Signer signer(key);
  rocksdb::WriteBatch batch;
  for (SequenceNumber seq = target; seq <= (*log)->head_seq(); ++seq) {
    auto record = (*log)->Read(seq);
    EXPECT_TRUE(record.ok());
    std::vector<uint8_t> envelope(record->envelope_bytes().begin(), record->envelope_bytes().end());
    if (seq == target) envelope.resize(envelope.size() + sizeof(capnp::word));
    const ledger::Hash hash =
        ledger::ChainHash(sha, (*log)->domain_tag(), prev_hash, seq, envelope);
    auto signature = signer.Sign(hash);
    EXPECT_TRUE(signature.ok());
    std::vector<uint8_t> value;
    ledger::EncodeRecord(prev_hash, hash, record->has_signature() ? &*signature : nullptr, envelope,
                         &value);
    batch.Put(ledger::internal::EventLogAccess::events(**log), ledger::internal::EncodeSeqKey(seq),
              rocksdb::Slice(reinterpret_cast<const char*>(value.data()), value.size()));
    prev_hash = hash;
  }
  batch.Put(ledger::internal::EventLogAccess::meta(**log), ledger::internal::kMetaHeadHash,
            rocksdb::Slice(reinterpret_cast<const char*>(prev_hash.data()), prev_hash.size()));
  rocksdb::WriteOptions synced;
  synced.sync = true;
  EXPECT_TRUE(ledger::internal::EventLogAccess::db(**log)->Write(synced, &batch).ok());
  // The insider holds the key: the tree is rebuilt and every later checkpoint re-signed, so
  // that verify passes and only the audit's re-derivation can tell.
  base::Status rebuilt = (*log)->RebuildTree(nullptr);
  EXPECT_TRUE(rebuilt.ok()) << rebuilt.ToString();
  auto sizes = (*log)->CheckpointSizes(target.value(), 0);
  EXPECT_TRUE(sizes.ok());
  for (uint64_t size : *sizes) {
    auto root = (*log)->TreeRoot(size);
    auto head = (*log)->Read(ledger::SequenceNumber{size});
    EXPECT_TRUE(root.ok() && head.ok());
    auto note = ledger::SignCheckpoint({(*log)->origin(), size, *root, head->hash()}, key);
    EXPECT_TRUE(note.ok());
    EXPECT_TRUE(ledger::internal::EventLogAccess::db(**log)
                    ->Put(synced, ledger::internal::EventLogAccess::checkpoints(**log),
                          ledger::internal::EncodeSeqKey(size), *note)
                    .ok());
  }
  return target;
}

// The audit and replay skip the canonical-form check of an effect's envelope when it compares
// equal to the canonical re-derivation (equal bytes are canonical): one that is not canonical
// is still refused at its seq, not trusted and not crashed on.
TEST_F(AuditTest, NonCanonicalEffectEnvelopeIsReportedByAuditAndReplay) {
  OpenSequencer();
  Feed(500);
  CloseSequencer();
  const SequenceNumber target = MakeLastEffectNonCanonical(data_, key_);
  ASSERT_GT(target, ledger::SequenceNumber{1});

  const AuditReport report = RunAudit(data_);
  ASSERT_FALSE(report.ok());
  bool named = false;
  for (const AuditFinding& finding : report.findings) {
    named |= finding.seq == target && finding.what.find("not canonical") != std::string::npos;
  }
  EXPECT_TRUE(named) << report.findings[0].what;

  auto log = ReadOnlyLog();
  engine::RiskEngine engine;
  auto replayed = Replay(*log, ledger::SequenceNumber{1}, ledger::SequenceNumber{0}, ledger::Hash{},
                         &engine, ReplayOptions());
  ASSERT_FALSE(replayed.ok());
  const std::string message = replayed.status().message();
  EXPECT_NE(message.find(fmt::format("seq {}: ", target)), std::string::npos) << message;
  EXPECT_NE(message.find("not canonical"), std::string::npos) << message;
}

}  // namespace
}  // namespace replay::testing
