// Damaged, forged and misplaced snapshots must never load (STYLE.md T3).
//
// Goal and method: write one real snapshot, then produce variants of its file: every single
// byte flipped (with the storage CRCs left stale, and again with them recomputed, as a forger
// would), every truncation, trailing junk, bodies signed by the wrong key, bodies naming
// another chain or the wrong state hash, files renamed to another seq. Each variant must yield
// Corruption with a message naming the snapshot and the failed check, and never a state.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "snapshot_test_util.h"
#include "snapshots/internal/crc32c.h"
#include "snapshots/internal/snapshot_format.h"
#include "snapshots/internal/state_codec.h"
#include "snapshots/state_hash.h"

namespace snapshots {
namespace {

namespace fs = std::filesystem;
using testing::SnapshotTest;

constexpr ledger::SequenceNumber kSeq = ledger::SequenceNumber{1000000};

void PutU32(std::vector<uint8_t>* bytes, size_t offset, uint32_t value) {
  for (int i = 0; i < 4; ++i) (*bytes)[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

// Recomputes both CRCs, so that only the deeper checks (capnp, signature, hash) can object.
void FixCrcs(std::vector<uint8_t>* bytes) {
  if (bytes->size() < internal::kFramingBytes) return;
  PutU32(bytes, 12, internal::Crc32c(std::span(*bytes).first(12)));
  const size_t footer = bytes->size() - internal::kFooterBytes;
  PutU32(bytes, footer, internal::Crc32c(std::span(*bytes).first(footer)));
}

class SnapshotCorruptionTest : public SnapshotTest {
 protected:
  void SetUp() override {
    SnapshotTest::SetUp();
    path_ = WriteAt(kSeq).path;
    original_ = testing::ReadBytes(path_);
    ASSERT_GT(original_.size(), internal::kFramingBytes + 512);
  }

  // Loads `bytes` as snapshot kSeq; expects Corruption whose message contains `expected`.
  // Returns the message.
  std::string ExpectCorrupt(const std::vector<uint8_t>& bytes, const std::string& expected,
                            const std::string& what) {
    testing::WriteBytes(path_, bytes);
    auto loaded = LoadAt(kSeq);
    EXPECT_FALSE(loaded.ok()) << what;
    if (loaded.ok()) return "";
    EXPECT_TRUE(loaded.status().IsCorruption()) << what << ": " << loaded.status().ToString();
    const std::string message = loaded.status().message();
    EXPECT_EQ(message.rfind("snapshot 1000000: ", 0), 0u) << what << ": " << message;
    EXPECT_NE(message.find(expected), std::string::npos) << what << ": " << message;
    return message;
  }

  // A file for kSeq whose body is built from `fields` and `state` and signed by `key`.
  std::vector<uint8_t> Forge(const internal::BodyFields& fields, const engine::EngineState& state,
                             const ledger::PrivateKey& key, const ledger::ChainId& sign_chain) {
    auto body = internal::EncodeBody(fields, state, kMaxSnapshotBytes);
    EXPECT_TRUE(body.ok());
    base::Sha256 sha;
    ledger::Signer signer(key);
    auto signature = signer.Sign(internal::SigningHash(sha, sign_chain, *body));
    EXPECT_TRUE(signature.ok());
    return internal::EncodeFile(*body, *signature);
  }

  internal::BodyFields HonestFields(const engine::EngineState& state) const {
    internal::BodyFields fields;
    fields.format_version = internal::kBodyVersion;
    fields.meta = MetaAt(kSeq);
    fields.state_hash = StateHash(state);
    fields.key_id = key_a().key_id();
    return fields;
  }

  std::string path_;
  std::vector<uint8_t> original_;
};

TEST_F(SnapshotCorruptionTest, TheUntouchedFileLoads) { ASSERT_OK(LoadAt(kSeq)); }

TEST_F(SnapshotCorruptionTest, EverySingleByteFlipIsRejected) {
  for (size_t position = 0; position < original_.size(); ++position) {
    for (const uint8_t mask :
         {uint8_t{0x01}, static_cast<uint8_t>(1u << (position % 8)), uint8_t{0xFF}}) {
      std::vector<uint8_t> bytes = original_;
      bytes[position] ^= mask;
      ExpectCorrupt(bytes, "", "flip at " + std::to_string(position));
      if (HasFailure()) return;
    }
  }
}

// A forger who recomputes the CRCs still meets the canonical-form, signature and version checks.
TEST_F(SnapshotCorruptionTest, ByteFlipsWithRecomputedCrcsAreStillRejected) {
  std::map<std::string, int> reasons;  // Message without the varying numbers, for the log.
  for (size_t position = 0; position < original_.size(); ++position) {
    std::vector<uint8_t> bytes = original_;
    bytes[position] ^= static_cast<uint8_t>(1u << (position % 8));
    FixCrcs(&bytes);
    if (bytes == original_) continue;  // The flip hit a CRC, which was just recomputed.
    const std::string message =
        ExpectCorrupt(bytes, "", "flip with fixed CRCs at " + std::to_string(position));
    if (HasFailure()) return;
    ++reasons[message.substr(0, std::min(message.size(), size_t{48}))];
  }
  for (const auto& [reason, count] : reasons) std::printf("%6d  %s\n", count, reason.c_str());
  // Body and signature flips reach the deepest checks, not just the framing.
  EXPECT_GT(reasons["snapshot 1000000: signature invalid"], 100);
}

TEST_F(SnapshotCorruptionTest, SignatureFlipNamesTheSignature) {
  std::vector<uint8_t> bytes = original_;
  bytes[bytes.size() - internal::kFooterBytes - 10] ^= 0x04;
  FixCrcs(&bytes);
  ExpectCorrupt(bytes, "signature invalid", "signature flip");
}

TEST_F(SnapshotCorruptionTest, EveryTruncationIsRejected) {
  for (size_t length = 0; length < original_.size(); ++length) {
    std::vector<uint8_t> bytes(original_.begin(), original_.begin() + length);
    ExpectCorrupt(bytes, "truncated", "truncated to " + std::to_string(length));
    if (HasFailure()) return;
  }
}

TEST_F(SnapshotCorruptionTest, TrailingBytesAreRejected) {
  std::vector<uint8_t> bytes = original_;
  bytes.insert(bytes.end(), 8, 0);
  ExpectCorrupt(bytes, "trailing bytes", "8 bytes appended");
}

TEST_F(SnapshotCorruptionTest, BadMagicAndHeaderAreNamed) {
  std::vector<uint8_t> bytes = original_;
  bytes[0] = 'X';
  ExpectCorrupt(bytes, "bad magic", "magic");
  bytes = original_;
  bytes[8] ^= 1;  // Version byte: the header CRC catches it first.
  ExpectCorrupt(bytes, "header crc mismatch", "version");
  bytes = original_;
  bytes[8] = 2;
  FixCrcs(&bytes);
  ExpectCorrupt(bytes, "unsupported file version 2", "version 2");
}

TEST_F(SnapshotCorruptionTest, UnknownKeyIsRejected) {
  ledger::Keyring only_b;
  only_b.Add(key_b().public_key());
  auto loaded = store_->Load(kSeq, only_b, chain_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            "snapshot 1000000: signed by unknown key " + ledger::ToHex(key_a().key_id()));
  EXPECT_TRUE(store_->Load(kSeq, ledger::Keyring(), chain_).status().IsCorruption());
}

TEST_F(SnapshotCorruptionTest, SignatureByAnotherKeyIsRejected) {
  const engine::EngineState state = testing::MakeEngineState();
  // The body claims key A, but key B signed it.
  ExpectCorrupt(Forge(HonestFields(state), state, key_b(), chain_), "signature invalid",
                "signed by B");
}

TEST_F(SnapshotCorruptionTest, AnotherChainIsRejected) {
  ledger::ChainId other = chain_;
  other[0] ^= 0xFF;
  auto loaded = store_->Load(kSeq, TrustA(), other);
  ASSERT_FALSE(loaded.ok());
  EXPECT_TRUE(loaded.status().IsCorruption());
  EXPECT_NE(loaded.status().message().find("chain id"), std::string::npos);
  // A body that names our chain but was signed under another chain's tag.
  const engine::EngineState state = testing::MakeEngineState();
  ExpectCorrupt(Forge(HonestFields(state), state, key_a(), other), "signature invalid",
                "signed for another chain");
}

TEST_F(SnapshotCorruptionTest, SignedButWrongStateHashIsRejected) {
  const engine::EngineState state = testing::MakeEngineState();
  internal::BodyFields fields = HonestFields(state);
  fields.state_hash = StateHash(testing::MakeEngineState(1));
  ExpectCorrupt(Forge(fields, state, key_a(), chain_), "state hash mismatch", "state hash");
}

TEST_F(SnapshotCorruptionTest, UnknownBodyVersionIsRejected) {
  const engine::EngineState state = testing::MakeEngineState();
  internal::BodyFields fields = HonestFields(state);
  fields.format_version = 2;
  ExpectCorrupt(Forge(fields, state, key_a(), chain_), "unsupported body format version 2",
                "body version");
}

TEST_F(SnapshotCorruptionTest, FileRenamedToAnotherSeqIsRejected) {
  fs::copy_file(path_, store_->PathFor(kSeq + 1));
  auto loaded = LoadAt(kSeq + 1);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            "snapshot 1000001: seq 1000000 in the body differs from the file name's");
}

}  // namespace
}  // namespace snapshots
