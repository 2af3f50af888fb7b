// The snapshot body codec: engine::EngineState plus metadata to and from the canonical bytes of
// schema::Snapshot. The snapshot module's one Cap'n Proto adapter: every kj::Exception raised
// on untrusted bytes stops in state_codec.cc and becomes a Status. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "engine/state.h"
#include "ledger/keys.h"
#include "snapshots/snapshot_store.h"

namespace snapshots::internal {

// Everything in a body besides the state.
struct BodyFields {
  uint32_t format_version = 0;
  SnapshotMeta meta;
  ledger::Hash state_hash{};
  ledger::KeyId key_id{};
};

// Canonical bytes (one segment, no segment table) of a Snapshot made of `fields` and `state`.
// InvalidArgument if the body would exceed `max_bytes`, or if capnp refuses the values.
base::Result<std::vector<uint8_t>> EncodeBody(const BodyFields& fields,
                                              const engine::EngineState& state, uint64_t max_bytes);

// Decodes a body under explicit capnp limits. Checks that it is canonical, that the format
// version is known, that every Data field has its fixed length and every enum a known value.
// Decodes the state into `*state` too unless `state` is null (listing needs the fields only).
// Corruption with an empty context and a detail naming the problem; never throws.
base::Result<BodyFields> DecodeBody(std::span<const uint8_t> body, engine::EngineState* state);

}  // namespace snapshots::internal
