// The engine state hash: SHA-256 over engine::EncodeCanonical(state) (STYLE.md D2). Snapshots
// store it, and replay and audit compare live, replayed and snapshot states with it.
// Pure functions; thread-safe.
#pragma once

#include "engine/state.h"
#include "ledger/keys.h"

namespace snapshots {

// SHA-256 of engine::EncodeCanonical(state). Deterministic across processes and machines.
// Costs one canonical encoding plus one hash pass (O(size of the state)). Never fails.
ledger::Hash StateHash(const engine::EngineState& state);

// The same, reusing the caller's hasher (one per thread) to avoid fetching the digest again.
ledger::Hash StateHash(base::Sha256& sha, const engine::EngineState& state);

}  // namespace snapshots
