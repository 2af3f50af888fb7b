// Unit tests of the private pieces: CRC-32C, file names, framing and the body codec.
//
// Goal and method: pin the checksum to its published check value, round-trip names and bodies,
// and feed the body decoder seeded random words (some dressed as a plausible root pointer) to
// show that arbitrary bytes yield Corruption, never a crash or an exception.

#include "snapshots/internal/snapshot_format.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string_view>

#include "ledger/keys.h"
#include "snapshot_test_util.h"
#include "snapshots/internal/crc32c.h"
#include "snapshots/internal/state_codec.h"
#include "snapshots/state_hash.h"

namespace snapshots {
namespace {

using internal::BodyFields;

std::span<const uint8_t> Bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

BodyFields Fields(const engine::EngineState& state) {
  BodyFields fields;
  fields.format_version = internal::kBodyVersion;
  fields.meta.seq = ledger::SequenceNumber{42};
  fields.meta.time_ns = 123;
  fields.meta.log_head_hash.fill(0xAB);
  fields.meta.chain_id.fill(0x11);
  fields.state_hash = StateHash(state);
  fields.key_id.fill(0x22);
  return fields;
}

TEST(Crc32cTest, MatchesTheCheckValue) {
  EXPECT_EQ(internal::Crc32c(Bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(internal::Crc32c(Bytes("")), 0u);
}

TEST(Crc32cTest, ExtendEqualsOneShot) {
  const uint32_t head = internal::Crc32c(Bytes("1234"));
  EXPECT_EQ(internal::Crc32cExtend(head, Bytes("56789")), 0xE3069283u);
}

TEST(SnapshotFileNameTest, RoundTripsAndRejectsOthers) {
  EXPECT_EQ(internal::FileNameFor(ledger::SequenceNumber{1000000}),
            "snapshot-00000000000001000000.bin");
  EXPECT_EQ(internal::ParseFileName("snapshot-00000000000001000000.bin"),
            ledger::SequenceNumber{1000000});
  EXPECT_EQ(internal::ParseFileName(internal::FileNameFor(ledger::SequenceNumber{UINT64_MAX})),
            ledger::SequenceNumber{UINT64_MAX});
  EXPECT_FALSE(internal::ParseFileName("snapshot-99999999999999999999.bin"));  // > 2^64.
  EXPECT_FALSE(internal::ParseFileName("snapshot-00000000000001000000.bin.partial"));
  EXPECT_FALSE(internal::ParseFileName("snapshot-0000000000000100000x.bin"));
  EXPECT_FALSE(internal::ParseFileName("snapshot-1000000.bin"));
  EXPECT_TRUE(internal::IsPartialFileName("snapshot-00000000000001000000.bin.partial"));
}

TEST(SnapshotFramingTest, EncodeThenParseGivesBodyAndSignature) {
  const std::vector<uint8_t> body(64, 0x5A);
  ledger::Signature signature;
  signature.fill(0x77);
  const std::vector<uint8_t> file = internal::EncodeFile(body, signature);
  ASSERT_EQ(file.size(), internal::kFramingBytes + body.size());
  EXPECT_EQ(std::memcmp(file.data(), "BKSNAP01", 8), 0);
  auto view = internal::ParseFile(file);
  ASSERT_OK(view);
  EXPECT_TRUE(std::equal(view->body.begin(), view->body.end(), body.begin(), body.end()));
  EXPECT_EQ(view->signature, signature);
}

TEST(SnapshotCodecTest, BodyRoundTripsTheState) {
  const engine::EngineState state = testing::MakeEngineState();
  auto body = internal::EncodeBody(Fields(state), state, kMaxSnapshotBytes);
  ASSERT_OK(body);
  engine::EngineState decoded;
  auto fields = internal::DecodeBody(*body, &decoded);
  ASSERT_OK(fields);
  EXPECT_EQ(decoded, state);
  EXPECT_EQ(fields->meta, Fields(state).meta);
  EXPECT_EQ(fields->state_hash, StateHash(decoded));
}

TEST(SnapshotCodecTest, TheTestStateIsNotTrivial) {
  const engine::EngineState state = testing::MakeEngineState();
  EXPECT_EQ(state.markets.size(), 2u);
  EXPECT_EQ(state.markets[0].spec.tiers.size(), 3u);
  EXPECT_EQ(state.accounts.size(), 5u);  // Account 0 and four traders.
  EXPECT_GE(state.orders.size(), 4u);
  bool long_seen = false;
  bool short_seen = false;
  for (const auto& account : state.accounts) {
    for (const auto& position : account.positions) {
      long_seen |= position.quantity > 0;
      short_seen |= position.quantity < 0;
    }
  }
  EXPECT_TRUE(long_seen && short_seen);
  EXPECT_NE(StateHash(state), StateHash(testing::MakeEngineState(1)));
}

// The body of a non-trivial state, byte for byte (its SHA-256): a change to the body codec or to
// the engine state it carries fails here; an intended one bumps kBodyVersion and this value.
TEST(SnapshotCodecTest, SnapshotBodyBytesArePinned) {
  const engine::EngineState state = testing::MakeEngineState();
  auto body = internal::EncodeBody(Fields(state), state, 1 << 20);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  base::Sha256 sha;
  EXPECT_EQ(body->size(), 1256u);
  EXPECT_EQ(ledger::ToHex(sha.Of(*body)),
            "aa97133b34e2eb123905d678f310f5c772799bb42516fd9b8500a323296d4ab1");
}

TEST(SnapshotCodecTest, OversizedStateIsRefused) {
  const engine::EngineState state = testing::MakeEngineState();
  auto body = internal::EncodeBody(Fields(state), state, 64);
  ASSERT_FALSE(body.ok());
  EXPECT_TRUE(body.status().IsInvalidArgument()) << body.status().ToString();
}

// Seeded random words, half of them behind a well-formed root struct pointer, must decode to
// Corruption or to some state, but never crash.
TEST(SnapshotCodecTest, RandomWordsNeverCrashTheDecoder) {
  const uint64_t seed = 20261122;
  std::mt19937_64 random(seed);
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  int rejected = 0;
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint8_t> body(8 * (1 + random() % 64));
    for (uint8_t& byte : body) byte = static_cast<uint8_t>(random());
    if (round % 2 == 0) {
      // Root pointer: a Snapshot-shaped struct (3 data words, 5 pointers) right after it.
      const uint64_t root = (uint64_t{5} << 48) | (uint64_t{3} << 32);
      std::memcpy(body.data(), &root, 8);
    }
    engine::EngineState state;
    auto fields = internal::DecodeBody(body, &state);
    if (!fields.ok()) {
      EXPECT_TRUE(fields.status().IsCorruption());
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 2900);
}

}  // namespace
}  // namespace snapshots
