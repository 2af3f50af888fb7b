// Private: the Cap'n Proto adapter of the ledger. The only place that calls capnp on bytes that
// may be malformed; kj::Exception never escapes it (STYLE.md E3). Thread-safe.
#pragma once

#include <capnp/common.h>

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "ledger/keys.h"
#include "ledger/record.h"
#include "ledger/schema/event.capnp.h"

namespace ledger::internal {

// Canonical bytes of Envelope{seq, time_ns, key_id, group, event}.
// InvalidArgument if `event` is malformed, has no member, or its canonical form is larger than
// kMaxEventBytes.
base::Status EncodeEnvelope(SequenceNumber seq, int64_t time_ns, const KeyId& key_id,
                            SequenceNumber group, schema::Event::Reader event,
                            std::vector<uint8_t>* out);

// Canonical bytes of Record{prev_hash, hash, signature, envelope}; no signature (a null
// pointer) when `signature` is null. `envelope`: canonical Envelope bytes (a positive multiple
// of 8, at most kMaxEnvelopeBytes).
void EncodeRecord(const Hash& prev_hash, const Hash& hash, const Signature* signature,
                  std::span<const uint8_t> envelope, std::vector<uint8_t>* out);

// What an event is, without throwing. kind_name: the union member's schema name, e.g.
// "deposit" ("unknown(N)" for a discriminant this build does not know).
struct EventKind {
  bool is_key_rotation = false;
  std::string kind_name;
};
EventKind ClassifyEvent(schema::Event::Reader event);

// Size of `event` in bytes (capnp totalSize). Corruption if the reader is malformed.
base::Result<uint64_t> EventSizeBytes(schema::Event::Reader event);

// The new key of a keyRotation event: its key id and raw public key, checked for lengths.
struct RotationTarget {
  KeyId key_id{};
  RawPublicKey public_key{};
};
// Corruption if `event` is not a well-formed keyRotation.
base::Result<RotationTarget> ReadKeyRotation(schema::Event::Reader event);

}  // namespace ledger::internal
