// One stored record of the event log, decoded and structurally validated, plus the format's
// limits and the chain-hash definition. The byte format is specified in
// docs/formats/event_log.md. LogRecord is move-only and thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/strong_type.h"
#include "ledger/keys.h"
#include "ledger/schema/event.capnp.h"

namespace ledger {

// Dense from 1; 0 means "none". A strong type (base/strong_type.h): it steps, but never mixes
// with ids or plain integers without an explicit conversion.
using SequenceNumber = base::StrongOrdinal<struct SequenceNumberTag, uint64_t>;

// Named limits of the format (STYLE.md D5). Larger values are rejected as Corruption on read
// and InvalidArgument on append.
inline constexpr size_t kMaxEventBytes = 64 * 1024;                  // One event, capnp words.
inline constexpr size_t kMaxEnvelopeBytes = kMaxEventBytes + 1024;   // Envelope around it.
inline constexpr size_t kMaxRecordBytes = kMaxEnvelopeBytes + 1024;  // Stored Record value.
// Events in one append submission. A group (an input and every effect it causes) larger than
// this is submitted as the input with the first effects, then continuations of the rest
// (EventLog::SubmitContinuation); at most LogOptions::max_pending_records.
inline constexpr size_t kMaxGroupRecords = 65536;
inline constexpr uint64_t kReaderNestingLimit = 16;  // capnp ReaderOptions.

inline constexpr size_t kChainIdBytes = 16;
using ChainId = std::array<uint8_t, kChainIdBytes>;
// "backstop-log-v1:" (16 ASCII bytes) followed by the chain id.
inline constexpr std::string_view kDomainTagPrefix = "backstop-log-v1:";
inline constexpr size_t kDomainTagBytes = 32;
using DomainTag = std::array<uint8_t, kDomainTagBytes>;
DomainTag MakeDomainTag(const ChainId& chain_id);

// hash = SHA-256(domain tag || prev_hash || seq as 8 bytes big-endian || envelope bytes).
Hash ChainHash(base::Sha256& sha, const DomainTag& tag, const Hash& prev_hash, SequenceNumber seq,
               std::span<const uint8_t> envelope_bytes);

// What DecodeRecordInto checks of the envelope's canonical form.
enum class EnvelopeCheck {
  kAll,  // Every record's envelope (what DecodeRecord does).
  // Inputs' envelopes only, for a caller that compares every effect's envelope bytes with a
  // canonical re-derivation (bytes equal to canonical bytes are canonical) before it reads
  // the effect's event. An effect it does not find equal must pass CheckEnvelopeCanonical
  // before its event is read: until then reading it may throw kj::Exception.
  kInputsOnly,
  // None: for bytes this process's log encoded itself (the values its append callback hands
  // over), which are canonical by construction. Never for bytes read from disk or the network.
  kNone,
};

// A decoded record. Owns its bytes (8-byte aligned copies); the readers it returns stay
// valid as long as the LogRecord lives.
class LogRecord {
 public:
  LogRecord();  // Empty: only for DecodeRecordInto to fill.
  ~LogRecord();
  LogRecord(LogRecord&&) noexcept;
  LogRecord& operator=(LogRecord&&) noexcept;

  SequenceNumber seq() const { return seq_; }      // From the envelope.
  int64_t time_ns() const { return time_ns_; }     // From the envelope.
  SequenceNumber group() const { return group_; }  // Seq of the first record of its group.
  const KeyId& key_id() const { return key_id_; }
  const Hash& prev_hash() const { return prev_hash_; }
  const Hash& hash() const { return hash_; }  // As stored; Verify recomputes it.
  // False in a log signed by checkpoints, whose records carry no signature of their own.
  bool has_signature() const { return has_signature_; }
  const Signature& signature() const { return signature_; }  // Zero when !has_signature().

  // The stored value: canonical bytes of a schema::Record (`capnp decode --flat ... Record`).
  std::span<const uint8_t> record_bytes() const;
  // Canonical bytes of the schema::Envelope: exactly what the hash covers.
  std::span<const uint8_t> envelope_bytes() const;

  schema::Envelope::Reader envelope() const;
  schema::Event::Reader event() const;  // envelope().getEvent(), read once.

 private:
  friend base::Status DecodeRecordInto(std::span<const uint8_t> value, LogRecord* record,
                                       EnvelopeCheck check);
  friend base::Status CheckEnvelopeCanonical(const LogRecord& record);
  struct Storage;

  SequenceNumber seq_{0};
  int64_t time_ns_ = 0;
  SequenceNumber group_{0};
  KeyId key_id_{};
  Hash prev_hash_{};
  Hash hash_{};
  Signature signature_{};
  bool has_signature_ = false;
  std::unique_ptr<Storage> storage_;
};

// Decodes a stored Record value. Checks structure only: size limits, canonical form of both
// the Record and the Envelope, field lengths (32-byte hashes, 64-byte signature, 16-byte key
// id). It does NOT check the hash, signature or chain: that is Verify's job. Corruption with
// a human-readable detail on any failure; never throws or crashes on arbitrary bytes.
base::Result<LogRecord> DecodeRecord(std::span<const uint8_t> value);
// The same, into `*record`, reusing its buffers: the form for loops over many records. On
// failure `*record` is left empty or stale and must not be read.
base::Status DecodeRecordInto(std::span<const uint8_t> value, LogRecord* record,
                              EnvelopeCheck check = EnvelopeCheck::kAll);
// Corruption unless `record`'s envelope is in canonical form (the check kInputsOnly skips).
base::Status CheckEnvelopeCanonical(const LogRecord& record);

// The encoders, as the log's writer uses them (records made outside a log are for tests and
// benchmarks). Canonical bytes of Envelope{seq, time_ns, key_id, group, event}: InvalidArgument
// if `event` is malformed, has no member, or its canonical form is larger than kMaxEventBytes.
base::Status EncodeEnvelope(SequenceNumber seq, int64_t time_ns, const KeyId& key_id,
                            SequenceNumber group, schema::Event::Reader event,
                            std::vector<uint8_t>* out);
// Canonical bytes of Record{prev_hash, hash, signature, envelope}; no signature (a null
// pointer) when `signature` is null. `envelope`: EncodeEnvelope's bytes.
void EncodeRecord(const Hash& prev_hash, const Hash& hash, const Signature* signature,
                  std::span<const uint8_t> envelope, std::vector<uint8_t>* out);

// Events of one logical group (an input and its effects), built in place for appending.
// Move-only; each event lives in its own capnp message.
class EventGroup {
 public:
  EventGroup();
  ~EventGroup();
  EventGroup(EventGroup&&) noexcept;
  EventGroup& operator=(EventGroup&&) noexcept;

  // Appends an empty event and returns its builder; valid while the group lives.
  schema::Event::Builder Add();
  // Appends a deep copy of `event`. InvalidArgument if the reader's message is malformed.
  base::Status AddCopy(schema::Event::Reader event);
  size_t size() const;
  // Readers over the events, valid while the group lives and is not modified.
  std::vector<schema::Event::Reader> readers() const;

 private:
  struct Messages;
  std::unique_ptr<Messages> messages_;
};

}  // namespace ledger
