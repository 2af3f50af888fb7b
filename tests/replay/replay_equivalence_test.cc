// Replay equivalence (STYLE.md D3): the live state hash equals the full-replay hash and the
// snapshot-plus-tail hash at many points of a seeded stream.
//
// Goal and method: a sequencer ingests the seeded engine stream, taking snapshots as it goes;
// at checkpoints the live state hash is recorded with the head seq. Then one full replay from
// genesis compares its hash at every checkpoint, and every snapshot is loaded, imported and
// replayed to the next checkpoint. Reopening the sequencer (recovery) must land on the same
// hash as the live engine had.

#include <filesystem>
#include <fstream>
#include <map>

#include "replay/recovery.h"
#include "replay/replayer.h"
#include "snapshots/snapshot_store.h"
#include "tests/replay/replay_test_util.h"

namespace replay::testing {
namespace {

using ledger::SequenceNumber;

class ReplayEquivalenceTest : public ReplayTest {
 protected:
  // Feeds `inputs` in `checkpoints` slices, recording the live hash after each.
  std::map<SequenceNumber, ledger::Hash> FeedWithCheckpoints(int64_t inputs, int checkpoints) {
    std::map<SequenceNumber, ledger::Hash> live;
    for (int c = 0; c < checkpoints; ++c) {
      Feed(inputs / checkpoints);
      live[sequencer_->log().head_seq()] = HashOf(sequencer_->engine());
    }
    return live;
  }
};

TEST_F(ReplayEquivalenceTest, LiveEqualsFullReplayAndSnapshotPlusTail) {
  OpenSequencer(/*snapshot_every_records=*/100'000);
  const auto live = FeedWithCheckpoints(400'000, 100);
  const SequenceNumber head = sequencer_->log().head_seq();
  CloseSequencer();
  auto log = ReadOnlyLog();
  ASSERT_GE(head, ledger::SequenceNumber{1'000'000}) << "a stream of at least a million events";
  RecordProperty("records", std::to_string(head.value()));

  // Full replay from genesis, compared at every checkpoint.
  // The live engine checks every invariant after every input; the replaying ones need not.
  engine::EngineOptions unchecked;
  unchecked.verify_invariants = false;
  engine::RiskEngine replayed(unchecked);
  ReplayOptions options;
  int compared = 0;
  options.after_group = [&](SequenceNumber seq, const engine::RiskEngine& engine) {
    auto it = live.find(seq);
    if (it != live.end()) {
      EXPECT_EQ(HashOf(engine), it->second) << "full replay differs at seq " << seq;
      ++compared;
    }
    return base::Status::OK();
  };
  auto result = Replay(*log, ledger::SequenceNumber{1}, ledger::SequenceNumber{0}, ledger::Hash{},
                       &replayed, options);
  ASSERT_OK(result);
  EXPECT_FALSE(result->divergence) << result->divergence->what;
  EXPECT_EQ(compared, static_cast<int>(live.size()));

  // Every snapshot plus the tail to each later checkpoint.
  snapshots::SnapshotStoreOptions store_options;
  store_options.read_only = true;
  auto store = snapshots::SnapshotStore::Open(data_.snapshots, store_options);
  ASSERT_OK(store);
  auto list = (*store)->List();
  ASSERT_OK(list);
  ASSERT_GE(list->size(), 4u);
  for (const auto& info : *list) {
    auto loaded = (*store)->Load(info.seq, Keyring(), log->chain_id());
    ASSERT_OK(loaded);
    std::string error;
    auto engine = engine::RiskEngine::Import(loaded->state, &error, unchecked);
    ASSERT_TRUE(engine) << error;
    auto next = live.upper_bound(info.seq);
    ASSERT_NE(next, live.end());
    auto tail = Replay(*log, info.seq + 1, next->first, loaded->meta.log_head_hash, &*engine,
                       ReplayOptions());
    ASSERT_OK(tail);
    EXPECT_EQ(HashOf(*engine), next->second) << "snapshot " << info.seq << " + tail";
  }
}

TEST_F(ReplayEquivalenceTest, ReopenRecoversTheLiveStateFromTheNewestSnapshot) {
  OpenSequencer(/*snapshot_every_records=*/5'000);
  Feed(8'000);
  const ledger::Hash live = HashOf(sequencer_->engine());
  const SequenceNumber head = sequencer_->log().head_seq();
  OpenSequencer(5'000);
  EXPECT_EQ(HashOf(sequencer_->engine()), live);
  EXPECT_GT(sequencer_->recovered_from_snapshot(), head - 5'000 - 4'096);
  EXPECT_LT(sequencer_->recovered_records(), 5'000u + 4'096);
  EXPECT_TRUE(warnings_.empty());
  Feed(100);  // And the chain continues.
  EXPECT_GT(sequencer_->log().head_seq(), head);
}

TEST_F(ReplayEquivalenceTest, CorruptNewestSnapshotIsSkippedLoudlyForAnOlderOne) {
  OpenSequencer(/*snapshot_every_records=*/3'000);
  Feed(6'000);
  const ledger::Hash live = HashOf(sequencer_->engine());
  CloseSequencer();
  snapshots::SnapshotStoreOptions store_options;
  auto store = snapshots::SnapshotStore::Open(data_.snapshots, store_options);
  ASSERT_OK(store);
  auto list = (*store)->List();
  ASSERT_OK(list);
  ASSERT_GE(list->size(), 3u);
  const auto& newest = list->at(0);
  const auto& second = list->at(1);
  {  // Flip one byte in the middle of the newest snapshot.
    std::fstream file(newest.path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(newest.size_bytes / 2));
    file.put('\x5a');
  }
  OpenSequencer(3'000);
  EXPECT_EQ(HashOf(sequencer_->engine()), live);
  ASSERT_FALSE(warnings_.empty());
  EXPECT_NE(warnings_[0].find(std::to_string(newest.seq.value())), std::string::npos)
      << warnings_[0];
  EXPECT_EQ(sequencer_->recovered_from_snapshot(), second.seq);
  CloseSequencer();
  // Truncate the second one and delete the newest: the third is used.
  std::filesystem::remove(newest.path);
  std::filesystem::resize_file(second.path, second.size_bytes / 3);
  OpenSequencer(3'000);
  EXPECT_EQ(HashOf(sequencer_->engine()), live);
  EXPECT_EQ(sequencer_->recovered_from_snapshot(), list->at(2).seq);
  EXPECT_FALSE(warnings_.empty());
}

}  // namespace
}  // namespace replay::testing
