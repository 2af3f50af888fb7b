// The ledger's Cap'n Proto adapter: canonical encoding and defensive decoding of records.
// The only ledger file that lets capnp touch untrusted bytes; every kj::Exception stops here.
//
// Stored format (docs/formats/event_log.md has the worked byte example):
//
//   events CF:  key   := seq                              (8 bytes, big-endian, seq >= 1)
//               value := canonical(Record)                (one capnp segment, no segment table)
//   Record      := { prevHash: Data(32), hash: Data(32), signature: Data(64) or null,
//                    envelope: Data(8k bytes) = canonical(Envelope) }
//   Envelope    := { seq: UInt64, timeNs: Int64, keyId: Data(16), group: UInt64, event: Event }
//   tag         := "backstop-log-v1:" (16 ASCII bytes) || chain id (16 bytes)
//   hash        := SHA-256(tag || prevHash || seq as 8 bytes big-endian || envelope)
//   signature   := Ed25519(signing key, hash)               (64 bytes, over the 32-byte hash;
//                  null in a log signed by checkpoints, docs/formats/checkpoint.md)
//   prevHash(1) := 32 zero bytes;  prevHash(n) := hash(n - 1)
//
// A reader copies the value into 8-byte-aligned words, reads it with SegmentArrayMessageReader
// under explicit limits, and rejects it unless both the Record and the Envelope are canonical.
#include "ledger/internal/codec.h"

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include <bit>
#include <cstring>
#include <exception>
#include <optional>

#include "ledger/event_codec.h"

namespace ledger {

using base::Result;
using base::Status;
namespace {

// Traversal budget of a kept reader: generous, since callers may walk a record many times.
constexpr uint64_t kTraversalLimitWords = 64 * (kMaxRecordBytes / sizeof(capnp::word));

static_assert(kMaxEventBytes % sizeof(capnp::word) == 0);
static_assert(kMaxRecordBytes < (1u << 24));
static_assert(kDomainTagPrefix.size() + kChainIdBytes == kDomainTagBytes);

capnp::ReaderOptions LimitedReaderOptions() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = kTraversalLimitWords;
  options.nestingLimit = static_cast<int>(kReaderNestingLimit);
  return options;
}

template <size_t N>
bool CopyFixed(capnp::Data::Reader data, std::array<uint8_t, N>* out) {
  if (data.size() != N) return false;
  std::memcpy(out->data(), data.begin(), N);
  return true;
}

Status CapnpError(std::string_view what, const kj::Exception& e) {
  return Status::Corruption("capnp", fmt::format("{}: {}", what, e.getDescription().cStr()));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// LogRecord

struct LogRecord::Storage {
  // The stored value, copied to 8-byte alignment. (capnp::word cannot be moved, so a vector of
  // it cannot grow: libstdc++ under clang refuses resize.)
  std::vector<uint64_t> aligned;
  std::span<const capnp::word> words() const {
    static_assert(sizeof(capnp::word) == sizeof(uint64_t));
    return {reinterpret_cast<const capnp::word*>(aligned.data()), aligned.size()};
  }
  kj::ArrayPtr<const capnp::word> envelope_segment;  // Inside `aligned`.
  std::optional<capnp::SegmentArrayMessageReader> envelope_reader;
  schema::Envelope::Reader envelope_root;  // Of `envelope_reader`, read once.
  schema::Event::Reader event_root;        // Its event, read once.
};

LogRecord::LogRecord() = default;
LogRecord::~LogRecord() = default;
LogRecord::LogRecord(LogRecord&&) noexcept = default;
LogRecord& LogRecord::operator=(LogRecord&&) noexcept = default;

std::span<const uint8_t> LogRecord::record_bytes() const {
  const auto& aligned = storage_->aligned;
  return {reinterpret_cast<const uint8_t*>(aligned.data()), aligned.size() * sizeof(uint64_t)};
}

std::span<const uint8_t> LogRecord::envelope_bytes() const {
  const auto segment = storage_->envelope_segment;
  return {reinterpret_cast<const uint8_t*>(segment.begin()), segment.size() * sizeof(capnp::word)};
}

schema::Envelope::Reader LogRecord::envelope() const {
  // Validated (canonical, within limits) by DecodeRecordInto, so reading it cannot fail, unless
  // EnvelopeCheck::kInputsOnly left an effect's check to the caller (record.h).
  return storage_->envelope_root;
}

schema::Event::Reader LogRecord::event() const { return storage_->event_root; }

namespace {

Status CheckCanonicalSize(std::string_view what, size_t size_bytes, size_t max_bytes) {
  if (size_bytes == 0 || size_bytes % sizeof(capnp::word) != 0 || size_bytes > max_bytes) {
    return Status::Corruption(
        "record", fmt::format("{} is {} bytes: not a positive multiple of 8 up to {}", what,
                              size_bytes, max_bytes));
  }
  return Status::OK();
}

// The canonical layout of a Record, which has no data section and four Data pointers of
// fixed or known length, is fully determined by the envelope's length: the root struct
// pointer, the four list pointers, then the four byte lists in field order, each starting on
// a word. Checking those five words and the total size is an exact canonical-form check that
// needs no capnp reader (docs/formats/event_log.md).
constexpr size_t kRecordHeaderWords = 5;  // Root pointer + four pointers.
constexpr size_t kPrevHashWord = kRecordHeaderWords;
constexpr size_t kHashWord = kPrevHashWord + kHashBytes / 8;
constexpr size_t kSignatureWord = kHashWord + kHashBytes / 8;
constexpr size_t kEnvelopeWord = kSignatureWord + kSignatureBytes / 8;
static_assert(kHashBytes % 8 == 0 && kSignatureBytes % 8 == 0);

uint64_t ListPointer(size_t pointer_word, size_t target_word, uint64_t byte_count) {
  const uint64_t offset = target_word - pointer_word - 1;
  return 1 | (offset << 2) | (uint64_t{2} << 32) | (byte_count << 35);  // Byte elements.
}

// The five header words of a canonical Record.
std::array<uint64_t, kRecordHeaderWords> RecordHeader(bool is_signed, uint64_t envelope_bytes) {
  const size_t envelope_word = is_signed ? kEnvelopeWord : kSignatureWord;
  return {
      uint64_t{4} << 48,  // Root: struct at offset 0, no data, four pointers.
      ListPointer(1, kPrevHashWord, kHashBytes),
      ListPointer(2, kHashWord, kHashBytes),
      is_signed ? ListPointer(3, kSignatureWord, kSignatureBytes) : 0,
      ListPointer(4, envelope_word, envelope_bytes),
  };
}

static_assert(std::endian::native == std::endian::little, "capnp words are little-endian");
uint64_t LoadWord(const capnp::word* word) {
  uint64_t value = 0;
  std::memcpy(&value, word, sizeof(value));
  return value;
}

// A signed record (every-mode logs) holds a 64-byte signature; an unsigned one (checkpoint
// mode) has a null signature pointer and its envelope where the signature would start.
Status CheckRecordLayout(std::span<const capnp::word> words, bool* is_signed) {
  if (words.size() <= kSignatureWord) return Status::Corruption("record", "Record is too short");
  *is_signed = LoadWord(&words[3]) != 0;
  const size_t envelope_word = *is_signed ? kEnvelopeWord : kSignatureWord;
  if (words.size() <= envelope_word) return Status::Corruption("record", "Record is too short");
  const uint64_t envelope_bytes = LoadWord(&words[4]) >> 35;
  BACKSTOP_RETURN_IF_ERROR(CheckCanonicalSize("envelope", envelope_bytes, kMaxEnvelopeBytes));
  const std::array<uint64_t, kRecordHeaderWords> expected =
      RecordHeader(*is_signed, envelope_bytes);
  constexpr std::array<std::string_view, 3> kNames = {"prevHash", "hash", "signature"};
  constexpr std::array<uint64_t, 3> kBytes = {kHashBytes, kHashBytes, kSignatureBytes};
  for (size_t i = 0; i < kRecordHeaderWords; ++i) {
    const uint64_t found = LoadWord(&words[i]);
    if (found == expected[i]) continue;
    if (i >= 1 && i <= 3 && (found & 3) == 1 && (found >> 35) != kBytes[i - 1]) {
      return Status::Corruption("record", fmt::format("{} is {} bytes, not {}", kNames[i - 1],
                                                      found >> 35, kBytes[i - 1]));
    }
    return Status::Corruption("record", "Record is not canonical");
  }
  if (words.size() != envelope_word + envelope_bytes / sizeof(capnp::word)) {
    return Status::Corruption("record", "Record is not canonical (size)");
  }
  return Status::OK();
}

template <size_t N>
void CopyAt(std::span<const capnp::word> words, size_t word, std::array<uint8_t, N>* out) {
  std::memcpy(out->data(), &words[word], N);
}

}  // namespace

Status DecodeRecordInto(std::span<const uint8_t> value, LogRecord* record, EnvelopeCheck check) {
  BACKSTOP_RETURN_IF_ERROR(CheckCanonicalSize("record", value.size(), kMaxRecordBytes));
  if (record->storage_ == nullptr) record->storage_ = std::make_unique<LogRecord::Storage>();
  LogRecord::Storage& storage = *record->storage_;
  storage.envelope_reader.reset();
  storage.aligned.resize(value.size() / sizeof(uint64_t));
  std::memcpy(storage.aligned.data(), value.data(), value.size());
  const std::span<const capnp::word> words = storage.words();
  bool is_signed = false;
  BACKSTOP_RETURN_IF_ERROR(CheckRecordLayout(words, &is_signed));
  CopyAt(words, kPrevHashWord, &record->prev_hash_);
  CopyAt(words, kHashWord, &record->hash_);
  record->has_signature_ = is_signed;
  if (is_signed) {
    CopyAt(words, kSignatureWord, &record->signature_);
  } else {
    record->signature_ = Signature{};
  }
  const size_t envelope_word = is_signed ? kEnvelopeWord : kSignatureWord;
  storage.envelope_segment =
      kj::ArrayPtr<const capnp::word>(words.data() + envelope_word, words.size() - envelope_word);
  try {
    storage.envelope_reader.emplace(kj::arrayPtr(&storage.envelope_segment, 1),
                                    LimitedReaderOptions());
    if (check == EnvelopeCheck::kAll) BACKSTOP_RETURN_IF_ERROR(CheckEnvelopeCanonical(*record));
    storage.envelope_root = storage.envelope_reader->getRoot<schema::Envelope>();
    const auto envelope_root = storage.envelope_root;
    if (!envelope_root.hasEvent()) return Status::Corruption("record", "envelope has no event");
    storage.event_root = envelope_root.getEvent();
    // Every member of the Event union is a struct, in pointer slot 0: a pointer of another kind
    // there would make the member's reader throw outside this adapter (found by fuzz_record).
    const auto event_pointers = capnp::AnyStruct::Reader(storage.event_root).getPointerSection();
    if (event_pointers.size() == 0 ||
        (!event_pointers[0].isNull() &&
         event_pointers[0].getPointerType() != capnp::PointerType::STRUCT)) {
      return Status::Corruption("record", "the event's member is not a struct");
    }
    if (check == EnvelopeCheck::kInputsOnly && IsInput(storage.event_root)) {
      BACKSTOP_RETURN_IF_ERROR(CheckEnvelopeCanonical(*record));
    }
    if (!CopyFixed(envelope_root.getKeyId(), &record->key_id_)) {
      return Status::Corruption("record", "keyId is not 16 bytes");
    }
    record->seq_ = SequenceNumber{envelope_root.getSeq()};
    record->time_ns_ = envelope_root.getTimeNs();
    record->group_ = SequenceNumber{envelope_root.getGroup()};
  } catch (const kj::Exception& e) {
    return CapnpError("malformed record", e);
  } catch (const std::exception& e) {
    return Status::Corruption("record", e.what());
  }
  return Status::OK();
}

Status CheckEnvelopeCanonical(const LogRecord& record) {
  try {
    if (record.storage_->envelope_reader->isCanonical()) return Status::OK();
  } catch (const kj::Exception& e) {
    return CapnpError("malformed record", e);
  }
  return Status::Corruption("record", "Envelope is not canonical");
}

Result<LogRecord> DecodeRecord(std::span<const uint8_t> value) {
  LogRecord record;
  BACKSTOP_RETURN_IF_ERROR(DecodeRecordInto(value, &record));
  return record;
}

// ---------------------------------------------------------------------------------------------
// Encoders

namespace {

// The canonical layout of an Envelope: the root pointer; the data section (seq, timeNs, group:
// group >= 1, so it is never truncated); the pointer section (keyId, event, never null); keyId's
// 16 bytes; then the event, laid out as in its own canonical message.
constexpr size_t kEnvelopeDataWords = 3;
constexpr size_t kEnvelopePointersWord = 1 + kEnvelopeDataWords;
constexpr size_t kEnvelopeEventPointerWord = kEnvelopePointersWord + 1;
constexpr size_t kEnvelopeKeyIdWord = kEnvelopePointersWord + 2;
constexpr size_t kEnvelopeEventWord = kEnvelopeKeyIdWord + kKeyIdBytes / sizeof(capnp::word);
static_assert(kKeyIdBytes % sizeof(capnp::word) == 0);

}  // namespace

// The event is canonicalized alone and the envelope written around it: its words hold only
// offsets relative to themselves, so they move unchanged, and the root pointer becomes the
// envelope's event pointer. Building the envelope and canonicalizing it whole copied and walked
// the event twice more. RecordCodecTest and EventCodecTest hold the bytes to capnp's.
Status EncodeEnvelope(SequenceNumber seq, int64_t time_ns, const KeyId& key_id,
                      SequenceNumber group, schema::Event::Reader event,
                      std::vector<uint8_t>* out) {
  BACKSTOP_ASSERT(seq >= SequenceNumber{1}, seq);
  BACKSTOP_ASSERT(group >= SequenceNumber{1} && group <= seq, group, seq);
  kj::Array<capnp::word> canonical;
  try {
    canonical = capnp::canonicalize(event);
  } catch (const kj::Exception& e) {
    return Status::InvalidArgument("append",
                                   fmt::format("malformed event: {}", e.getDescription().cStr()));
  }
  const size_t event_bytes = (canonical.size() - 1) * sizeof(capnp::word);
  if (event_bytes > kMaxEventBytes) {
    return Status::InvalidArgument(
        "append",
        fmt::format("event is {} bytes, over kMaxEventBytes {}", event_bytes, kMaxEventBytes));
  }
  // A canonical root pointer: a struct at offset 0, sized by its upper 32 bits. Every Event
  // has a member pointer, so the struct is never empty (whose pointer would be special).
  const uint64_t event_root = LoadWord(&canonical[0]);
  if ((event_root & 0xffffffff) != 0 || (event_root >> 48) == 0) {
    return Status::InvalidArgument("append", "malformed event: no member");
  }
  const std::array<uint64_t, kEnvelopeKeyIdWord> header = {
      (uint64_t{kEnvelopeDataWords} << 32) | (uint64_t{2} << 48),  // Root: 3 data, 2 pointers.
      seq.value(),
      static_cast<uint64_t>(time_ns),
      group.value(),
      ListPointer(kEnvelopePointersWord, kEnvelopeKeyIdWord, kKeyIdBytes),
      // The event's root pointer, its offset now from the envelope's event pointer.
      (event_root & ~uint64_t{0xffffffff}) |
          ((kEnvelopeEventWord - kEnvelopeEventPointerWord - 1) << 2),
  };
  out->resize(kEnvelopeEventWord * sizeof(capnp::word) + event_bytes);
  uint8_t* at = out->data();
  std::memcpy(at, header.data(), sizeof(header));
  std::memcpy(at + kEnvelopeKeyIdWord * sizeof(capnp::word), key_id.data(), kKeyIdBytes);
  std::memcpy(at + kEnvelopeEventWord * sizeof(capnp::word), canonical.begin() + 1, event_bytes);
  BACKSTOP_ASSERT(!out->empty() && out->size() % sizeof(capnp::word) == 0, out->size());
  return Status::OK();
}

// The layout CheckRecordLayout accepts, which is the one canonical form of a Record: written
// word by word rather than through a builder and capnp::canonicalize (with EncodeEnvelope,
// 2-4x faster: bench/ledger/codec_bench). RecordCodecTest holds it to capnp's canonicalize.
void EncodeRecord(const Hash& prev_hash, const Hash& hash, const Signature* signature,
                  std::span<const uint8_t> envelope, std::vector<uint8_t>* out) {
  BACKSTOP_ASSERT(!envelope.empty() && envelope.size() % sizeof(capnp::word) == 0, envelope.size());
  BACKSTOP_ASSERT(envelope.size() <= kMaxEnvelopeBytes, envelope.size());
  const size_t envelope_word = signature != nullptr ? kEnvelopeWord : kSignatureWord;
  const std::array<uint64_t, kRecordHeaderWords> header =
      RecordHeader(signature != nullptr, envelope.size());
  out->resize(envelope_word * sizeof(capnp::word) + envelope.size());
  uint8_t* at = out->data();
  std::memcpy(at, header.data(), sizeof(header));
  std::memcpy(at + kPrevHashWord * sizeof(capnp::word), prev_hash.data(), kHashBytes);
  std::memcpy(at + kHashWord * sizeof(capnp::word), hash.data(), kHashBytes);
  if (signature != nullptr) {
    std::memcpy(at + kSignatureWord * sizeof(capnp::word), signature->data(), kSignatureBytes);
  }
  std::memcpy(at + envelope_word * sizeof(capnp::word), envelope.data(), envelope.size());
  BACKSTOP_ASSERT(out->size() <= kMaxRecordBytes, out->size());
}

namespace internal {

EventKind ClassifyEvent(schema::Event::Reader event) {
  EventKind kind;
  try {
    uint16_t which = static_cast<uint16_t>(event.which());
    kind.is_key_rotation = event.which() == schema::Event::KEY_ROTATION;
    KJ_IF_MAYBE (field, capnp::Schema::from<schema::Event>().getFieldByDiscriminant(which)) {
      kind.kind_name = field->getProto().getName().cStr();
    } else {
      kind.kind_name = fmt::format("unknown({})", which);
    }
  } catch (const kj::Exception& e) {
    kind.kind_name = "malformed";
  }
  return kind;
}

Result<uint64_t> EventSizeBytes(schema::Event::Reader event) {
  try {
    return event.totalSize().wordCount * sizeof(capnp::word);
  } catch (const kj::Exception& e) {
    return CapnpError("malformed event", e);
  }
}

Result<RotationTarget> ReadKeyRotation(schema::Event::Reader event) {
  RotationTarget target;
  try {
    if (event.which() != schema::Event::KEY_ROTATION) {
      return Status::Corruption("record", "not a keyRotation event");
    }
    auto rotation = event.getKeyRotation();
    if (!CopyFixed(rotation.getNewKeyId(), &target.key_id)) {
      return Status::Corruption("record", "keyRotation newKeyId is not 16 bytes");
    }
    if (!CopyFixed(rotation.getNewPublicKey(), &target.public_key)) {
      return Status::Corruption("record", "keyRotation newPublicKey is not 32 bytes");
    }
  } catch (const kj::Exception& e) {
    return CapnpError("malformed keyRotation", e);
  }
  return target;
}

}  // namespace internal

// ---------------------------------------------------------------------------------------------
// EventGroup

struct EventGroup::Messages {
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> builders;
};

EventGroup::EventGroup() : messages_(std::make_unique<Messages>()) {}
EventGroup::~EventGroup() = default;
EventGroup::EventGroup(EventGroup&&) noexcept = default;
EventGroup& EventGroup::operator=(EventGroup&&) noexcept = default;

schema::Event::Builder EventGroup::Add() {
  messages_->builders.push_back(std::make_unique<capnp::MallocMessageBuilder>(64));
  return messages_->builders.back()->initRoot<schema::Event>();
}

Status EventGroup::AddCopy(schema::Event::Reader event) {
  auto builder = std::make_unique<capnp::MallocMessageBuilder>(64);
  try {
    builder->setRoot(event);
  } catch (const kj::Exception& e) {
    return Status::InvalidArgument("event_group",
                                   fmt::format("malformed event: {}", e.getDescription().cStr()));
  }
  messages_->builders.push_back(std::move(builder));
  return Status::OK();
}

size_t EventGroup::size() const { return messages_->builders.size(); }

std::vector<schema::Event::Reader> EventGroup::readers() const {
  std::vector<schema::Event::Reader> readers;
  readers.reserve(messages_->builders.size());
  for (const auto& builder : messages_->builders) {
    readers.push_back(builder->getRoot<schema::Event>().asReader());
  }
  return readers;
}

}  // namespace ledger
