// DecodeRecord's canonical-form check of the stored Record is done by hand (codec.cc): these
// tests hold it to capnp's own verdict, byte flip by byte flip, and to non-canonical encodings.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>

#include "ledger/checkpoint.h"
#include "ledger/internal/codec.h"
#include "ledger/record.h"
#include "tests/testing/status_testing.h"

namespace ledger {
namespace {

// A stored Record value (seq 42, group 40) whose envelope grows with `note_bytes`.
std::vector<uint8_t> StoredRecord(size_t note_bytes) {
  capnp::MallocMessageBuilder event_message;
  auto event = event_message.initRoot<schema::Event>();
  auto rotation = event.initKeyRotation();
  rotation.initNewKeyId(kKeyIdBytes);
  rotation.initNewPublicKey(32 + note_bytes);  // Any byte length: sizes the envelope.
  std::vector<uint8_t> envelope;
  KeyId key_id{};
  key_id[0] = 7;
  EXPECT_OK(EncodeEnvelope(SequenceNumber{42}, 1000, key_id, SequenceNumber{40}, event.asReader(),
                           &envelope));
  Hash prev{};
  Hash hash{};
  Signature signature{};
  prev[1] = 1;
  hash[2] = 2;
  signature[3] = 3;
  std::vector<uint8_t> value;
  EncodeRecord(prev, hash, &signature, envelope, &value);
  return value;
}

// capnp's verdict: a canonical Record with 32/32/64-byte hashes and signature and a non-empty
// envelope whose size is a multiple of 8 (the envelope itself is checked the same way by both).
bool CapnpAccepts(const std::vector<uint8_t>& value) {
  if (value.empty() || value.size() % 8 != 0) return false;
  std::vector<capnp::word> words(value.size() / 8);
  std::memcpy(words.data(), value.data(), value.size());
  try {
    kj::ArrayPtr<const capnp::word> segment(words.data(), words.size());
    capnp::SegmentArrayMessageReader reader(kj::arrayPtr(&segment, 1));
    if (!reader.isCanonical()) return false;
    auto root = reader.getRoot<schema::Record>();
    const size_t envelope = root.getEnvelope().size();
    return root.getPrevHash().size() == 32 && root.getHash().size() == 32 &&
           root.getSignature().size() == 64 && envelope > 0 && envelope % 8 == 0;
  } catch (const kj::Exception&) {
    return false;
  }
}

TEST(RecordCodecTest, DecodesWhatTheEncoderWritesForManyEnvelopeSizes) {
  for (size_t note = 0; note < 40; ++note) {
    const std::vector<uint8_t> value = StoredRecord(note);
    ASSERT_TRUE(CapnpAccepts(value));
    auto decoded = DecodeRecord(value);
    ASSERT_OK(decoded.status());
    const LogRecord& record = *decoded;
    EXPECT_EQ(record.seq(), ledger::SequenceNumber{42});
    EXPECT_EQ(record.group(), ledger::SequenceNumber{40});
    EXPECT_EQ(record.time_ns(), 1000);
    EXPECT_EQ(record.prev_hash()[1], 1);
    EXPECT_EQ(record.hash()[2], 2);
    EXPECT_EQ(record.signature()[3], 3);
    EXPECT_EQ(record.key_id()[0], 7);
    EXPECT_EQ(record.record_bytes().size(), value.size());
  }
}

// EncodeRecord writes the words by hand: they must be capnp's canonical form of the same
// Record, byte for byte, signed or not, whatever the envelope's length.
TEST(RecordCodecTest, TheEncoderWritesWhatCapnpCanonicalizeWrites) {
  Hash prev{};
  Hash hash{};
  Signature signature{};
  for (size_t i = 0; i < prev.size(); ++i) prev[i] = static_cast<uint8_t>(i + 1);
  for (size_t i = 0; i < hash.size(); ++i) hash[i] = static_cast<uint8_t>(0xff - i);
  for (size_t i = 0; i < signature.size(); ++i) signature[i] = static_cast<uint8_t>(i * 3);
  for (size_t words = 1; words <= 40; words += 3) {
    std::vector<uint8_t> envelope(words * 8);
    for (size_t i = 0; i < envelope.size(); ++i) envelope[i] = static_cast<uint8_t>(i * 7 + 1);
    for (const Signature* signed_by : std::array<const Signature*, 2>{nullptr, &signature}) {
      capnp::MallocMessageBuilder message;
      auto record = message.initRoot<schema::Record>();
      record.setPrevHash(capnp::Data::Reader(prev.data(), prev.size()));
      record.setHash(capnp::Data::Reader(hash.data(), hash.size()));
      if (signed_by != nullptr) {
        record.setSignature(capnp::Data::Reader(signed_by->data(), signed_by->size()));
      }
      record.setEnvelope(capnp::Data::Reader(envelope.data(), envelope.size()));
      const kj::Array<capnp::word> canonical = capnp::canonicalize(record.asReader());
      const auto expected = canonical.asBytes();
      std::vector<uint8_t> value;
      EncodeRecord(prev, hash, signed_by, envelope, &value);
      ASSERT_EQ(value, std::vector<uint8_t>(expected.begin(), expected.end()))
          << words << " envelope words, " << (signed_by ? "signed" : "unsigned");
    }
  }
}

TEST(RecordCodecTest, EveryHeaderByteFlipIsJudgedAsCapnpJudgesIt) {
  const std::vector<uint8_t> value = StoredRecord(5);
  std::mt19937_64 rng(11);
  LogRecord reused;
  // Every bit of the five header words, then random flips anywhere in the value.
  for (size_t trial = 0; trial < 5 * 64 + 2000; ++trial) {
    std::vector<uint8_t> damaged = value;
    const size_t bit = trial < 5 * 64 ? trial : rng() % (value.size() * 8);
    damaged[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    const bool ours = DecodeRecordInto(damaged, &reused).ok();
    // A flip inside the envelope may still be canonical, and is the envelope check's business:
    // compare only flips outside it, where capnp's Record verdict is the whole verdict.
    if (bit / 8 >= 21 * 8) continue;
    EXPECT_EQ(ours, CapnpAccepts(damaged)) << "bit " << bit;
    if (bit < 5 * 64) {
      EXPECT_FALSE(ours) << "bit " << bit;  // Header flips never stay valid.
    }
  }
  ASSERT_OK(DecodeRecordInto(value, &reused));  // Reuse after failures still decodes.
  EXPECT_EQ(reused.seq(), ledger::SequenceNumber{42});
}

TEST(RecordCodecTest, NonCanonicalLayoutOfTheSameFieldsIsRejected) {
  const std::vector<uint8_t> value = StoredRecord(3);
  auto original = DecodeRecord(value);
  ASSERT_OK(original.status());
  const LogRecord& record = *original;
  // The same four fields, built with the envelope allocated first: valid capnp, not canonical.
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::Record>();
  auto envelope = root.initEnvelope(record.envelope_bytes().size());
  std::memcpy(envelope.begin(), record.envelope_bytes().data(), envelope.size());
  root.setPrevHash(capnp::Data::Reader(record.prev_hash().data(), 32));
  root.setHash(capnp::Data::Reader(record.hash().data(), 32));
  root.setSignature(capnp::Data::Reader(record.signature().data(), 64));
  auto words = capnp::messageToFlatArray(message);
  // Drop the segment table: what remains is the one segment a stored value holds.
  std::vector<uint8_t> shuffled(words.asBytes().begin() + 8, words.asBytes().end());
  EXPECT_FALSE(CapnpAccepts(shuffled));
  auto decoded = DecodeRecord(shuffled);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("not canonical"), std::string::npos)
      << decoded.status().message();
}

}  // namespace
}  // namespace ledger

namespace ledger {
namespace {

// Found by scripts/fuzz.sh (fuzz_record): a canonical record whose event says orderCancelled
// but whose member pointer is not a struct. It decoded, and the first reader of the effect
// (IndexEntries, run by verify, audit and reindex) threw kj::Exception outside the codec,
// ending the process. DecodeRecord now refuses it as Corruption.
TEST(RecordCodecRegressionTest, EventMemberThatIsNotAStructIsCorruption) {
  constexpr char kFound[] =
      "AAAAAAAABAANAAAAAgEAABkAAAACAQAAAAAAAAAAAAAhAAAAwgIAAGHpT9m6M4A1xJLxbxMf0fXuvGiJ3a02+keqkipr"
      "2/Oi7FZCA/mvhfMa0+E3KUfkGFpSwIPDG77ePwS4ronggocAAAAAAwACAAIAAAAAAAAAGuoqCkDJ7hgCAAAAAAAAAAUA"
      "AACCAAAACAAAAAIAAQDnaKPcg5w0uJcAAAAAAAAADgAAAAAAAAAAAAAAAAABAAEAAAAAAAAA";
  auto bytes = FromBase64(kFound, kMaxRecordBytes);
  ASSERT_OK(bytes);
  auto record = DecodeRecord(*bytes);
  ASSERT_FALSE(record.ok());
  EXPECT_TRUE(record.status().IsCorruption()) << record.status().ToString();
  EXPECT_NE(record.status().message().find("not a struct"), std::string::npos)
      << record.status().ToString();
}

}  // namespace
}  // namespace ledger
