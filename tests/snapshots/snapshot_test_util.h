// Shared fixture for snapshot tests: a fresh temporary folder and store per test, signing keys
// made once per binary, and a small but non-trivial engine state built by a real RiskEngine.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/state.h"
#include "ledger/keys.h"
#include "ledger/record.h"
#include "snapshots/snapshot_store.h"

// Fails the test and prints the Status unless `expr` (a Status or Result) is OK.
#define ASSERT_OK(expr)                                             \
  do {                                                              \
    const auto& snapshot_test_status_ = (expr);                     \
    ASSERT_TRUE(snapshot_test_status_.ok())                         \
        << ::snapshots::testing::StatusText(snapshot_test_status_); \
  } while (false)
#define EXPECT_OK(expr)                                             \
  do {                                                              \
    const auto& snapshot_test_status_ = (expr);                     \
    EXPECT_TRUE(snapshot_test_status_.ok())                         \
        << ::snapshots::testing::StatusText(snapshot_test_status_); \
  } while (false)

namespace snapshots::testing {

std::string StatusText(const base::Status& status);
template <typename T>
std::string StatusText(const base::Result<T>& result) {
  return result.status().ToString();
}

// A RiskEngine driven through a listing, four accounts, deposits, a mark and crossing orders,
// so that the state has balances, long and short positions, resting bids and asks, fees and
// an insurance top-up. `step` varies the last order so that states differ between snapshots.
engine::EngineState MakeEngineState(int step = 0);

// Reads / writes a whole file (test helpers: they fail the test on error).
std::vector<uint8_t> ReadBytes(const std::string& path);
void WriteBytes(const std::string& path, const std::vector<uint8_t>& bytes);

class SnapshotTest : public ::testing::Test {
 protected:
  // Two Ed25519 keys, made once per binary (key generation is not what is tested).
  static void SetUpTestSuite();
  void SetUp() override;     // A fresh folder `dir_` and a store opened on it.
  void TearDown() override;  // Removes the folder.

  // The meta of a snapshot at `seq` in the test chain (hashes derived from seq).
  SnapshotMeta MetaAt(ledger::SequenceNumber seq) const;
  // Writes MakeEngineState(step) at `seq` signed by key_a(); fails the test on error.
  SnapshotInfo WriteAt(ledger::SequenceNumber seq, int step = 0);
  // A keyring that trusts key_a() only.
  ledger::Keyring TrustA() const;
  base::Result<LoadedSnapshot> LoadAt(ledger::SequenceNumber seq) const {
    return store_->Load(seq, TrustA(), chain_);
  }

  static const ledger::PrivateKey& key_a();
  static const ledger::PrivateKey& key_b();

  std::string dir_;
  std::unique_ptr<SnapshotStore> store_;
  ledger::ChainId chain_{};
};

}  // namespace snapshots::testing
