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
