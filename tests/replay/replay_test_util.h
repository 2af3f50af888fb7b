// Fixture for replay tests: a scratch data directory with a signing key, a sequencer over it,
// and the seeded engine input stream of the engine tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ledger/keys.h"
#include "replay/data_dir.h"
#include "replay/sequencer.h"
#include "tests/testing/status_testing.h"

namespace replay::testing {

// SHA-256 state hash of an engine, as snapshots and audit compute it.
ledger::Hash HashOf(const engine::RiskEngine& engine);

class ReplayTest : public ::testing::Test {
 protected:
  ReplayTest();
  ~ReplayTest() override;

  // Opens (or reopens) the sequencer; warnings from recovery land in warnings_.
  void OpenSequencer(uint64_t snapshot_every_records = 0, size_t keep_snapshots = 100);
  void CloseSequencer() { sequencer_.reset(); }
  // Submits `count` inputs of the seeded stream (continuing it).
  void Feed(int64_t count);
  // Opens the log read-only (for Verify, Replay, Audit).
  std::unique_ptr<ledger::EventLog> ReadOnlyLog() const;
  ledger::Keyring Keyring() const;

  std::string root_;
  DataDir data_;
  ledger::PrivateKey key_;
  std::unique_ptr<Sequencer> sequencer_;
  std::vector<std::string> warnings_;
  engine::EngineOptions engine_options_;  // The sequencer's engine (OpenSequencer).
  uint64_t seed_;
  std::unique_ptr<class StreamHolder> stream_;
  int64_t fake_time_ns_ = 1'700'000'000'000'000'000;
};

}  // namespace replay::testing
