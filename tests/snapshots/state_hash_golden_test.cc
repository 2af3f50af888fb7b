// Golden values for the bytes that must never change silently: the state hash of a non-trivial
// engine state (engine::EncodeCanonical, then SHA-256) and the snapshot body that carries it.
//
// Goal and method: MakeEngineState() runs a real engine through a listing, four funded
// accounts, a mark and crossing orders (balances, long and short positions, resting bids and
// asks, fees, an insurance top-up). Its state hash, the size of its canonical encoding and the
// SHA-256 of the snapshot body encoded from it are pinned as literals. A change to the engine's
// canonical encoding, to the state the engine keeps, or to the snapshot body codec changes one of
// them: if that change is intended, it needs a new format version (docs/formats/snapshot.md)
// and new golden values here, in the same commit.

#include <gtest/gtest.h>

#include "engine/state.h"
#include "ledger/keys.h"
#include "snapshot_test_util.h"
#include "snapshots/internal/snapshot_format.h"
#include "snapshots/internal/state_codec.h"
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

TEST(StateHashGoldenTest, SnapshotBodyBytesArePinned) {
  const engine::EngineState state = testing::MakeEngineState();
  internal::BodyFields fields;
  fields.format_version = internal::kBodyVersion;
  fields.meta.seq = 42;
  fields.meta.time_ns = 123;
  fields.meta.log_head_hash.fill(0xAB);
  fields.meta.chain_id.fill(0x11);
  fields.state_hash = StateHash(state);
  fields.key_id.fill(0x22);
  auto body = internal::EncodeBody(fields, state, 1 << 20);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  ledger::Sha256 sha;
  EXPECT_EQ(body->size(), 1256u);
  EXPECT_EQ(HexOf(sha.Of(*body)),
            "aa97133b34e2eb123905d678f310f5c772799bb42516fd9b8500a323296d4ab1");
}

}  // namespace
}  // namespace snapshots
