// Fixture for replay tests (see replay_test_util.h).

#include "tests/replay/replay_test_util.h"

#include <stdlib.h>

#include <filesystem>

#include "snapshots/state_hash.h"
#include "tests/engine/engine_test_util.h"

namespace replay::testing {

class StreamHolder {
 public:
  explicit StreamHolder(uint64_t seed) : stream(seed) {}
  engine::testing::RandomStream stream;
};

ledger::Hash HashOf(const engine::RiskEngine& engine) {
  return snapshots::StateHash(engine.Export());
}

ReplayTest::ReplayTest()
    : key_(*ledger::PrivateKey::Generate()),
      seed_(::testing::UnitTest::GetInstance()->random_seed()),
      stream_(std::make_unique<StreamHolder>(seed_)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "backstop-replay-XXXXXX");
  root_ = mkdtemp(pattern.data());
  data_ = DataDir::At(root_);
  std::filesystem::create_directories(data_.keyring);
  EXPECT_TRUE(key_.public_key().SavePem(data_.keyring + "/signer.pem").ok());
  ledger::LogOptions options;
  auto log = ledger::EventLog::Create(data_.log, std::move(options));
  EXPECT_TRUE(log.ok()) << log.status().ToString();
}

ReplayTest::~ReplayTest() {
  sequencer_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

void ReplayTest::OpenSequencer(uint64_t snapshot_every_records, size_t keep_snapshots) {
  sequencer_.reset();
  SequencerOptions options;
  options.signing_key = key_;
  options.clock = [this] { return fake_time_ns_ += 1000; };
  options.snapshot_every_records = snapshot_every_records;
  options.keep_snapshots = keep_snapshots;
  options.engine_options = engine_options_;
  warnings_.clear();
  auto opened = Sequencer::Open(data_, options, &warnings_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  sequencer_ = std::move(*opened);
}

void ReplayTest::Feed(int64_t count) {
  SCOPED_TRACE("seed " + std::to_string(seed_));
  for (int64_t i = 0; i < count; ++i) {
    auto submitted = sequencer_->Submit(stream_->stream.Next());
    ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  }
  ASSERT_OK(sequencer_->Flush());
}

std::unique_ptr<ledger::EventLog> ReplayTest::ReadOnlyLog() const {
  ledger::LogOptions options;
  options.read_only = true;
  auto log = ledger::EventLog::Open(data_.log, std::move(options));
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(*log) : nullptr;
}

ledger::Keyring ReplayTest::Keyring() const {
  ledger::Keyring keyring;
  keyring.Add(key_.public_key());
  return keyring;
}

}  // namespace replay::testing
