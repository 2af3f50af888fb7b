// Golden values for the bytes that must never change silently: the state hash of a non-trivial
// engine state (engine::EncodeCanonical, then SHA-256). The snapshot body that carries it is
// pinned beside the body codec's tests (snapshot_format_test.cc, SnapshotBodyBytesArePinned).
//
// Goal and method: MakeEngineState() runs a real engine through a listing, four funded
// accounts, a mark and crossing orders (balances, long and short positions, resting bids and
// asks, fees, an insurance top-up). Its state hash and the size of its canonical encoding are
// pinned as literals. A change to the engine's
// canonical encoding, to the state the engine keeps, or to the snapshot body codec changes one of
// them: if that change is intended, it needs a new format version (docs/formats/snapshot.md)
// and new golden values here, in the same commit.

#include <gtest/gtest.h>

#include "engine/state.h"
#include "ledger/keys.h"
#include "snapshot_test_util.h"
#include "snapshots/state_hash.h"

namespace snapshots {
namespace {

std::string HexOf(const ledger::Hash& hash) { return ledger::ToHex(hash); }

TEST(StateHashGoldenTest, NonTrivialStateHashIsPinned) {
  const engine::EngineState state = testing::MakeEngineState();
  ASSERT_EQ(state.accounts.size(), 5u);  // The state is the one described above.
  EXPECT_EQ(engine::EncodeCanonical(state).size(), 825u);
  EXPECT_EQ(HexOf(StateHash(state)),
            "3ee0eb651c004f831b3e6c8471e3fab8aed300a9832723144c050045a45d5a3e");
  EXPECT_EQ(HexOf(StateHash(testing::MakeEngineState(1))),
            "e4df90091946873333555ebe833f584cbc04f656e29adae486215b47709d2e86");
}

}  // namespace
}  // namespace snapshots
