// SHA-256 over the engine's canonical state bytes.

#include "snapshots/state_hash.h"

#include <span>
#include <string>

namespace snapshots {

ledger::Hash StateHash(base::Sha256& sha, const engine::EngineState& state) {
  const std::string bytes = engine::EncodeCanonical(state);
  BACKSTOP_ASSERT(!bytes.empty());
  return sha.Of(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

ledger::Hash StateHash(const engine::EngineState& state) {
  base::Sha256 sha;
  return StateHash(sha, state);
}

}  // namespace snapshots
