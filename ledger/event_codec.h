// The one mapping between the engine's plain C++ events (engine/events.h) and the log's
// Cap'n Proto schema (ledger/schema/event.capnp). Inputs go both ways (the sequencer encodes
// them, replay decodes them); effects are encoded only: audit re-derives effects and compares
// their canonical bytes with the logged ones. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "engine/events.h"
#include "ledger/schema/event.capnp.h"

namespace ledger {

// Who sent a network command (schema CommandOrigin): recorded in the input's event.
struct CommandOrigin {
  std::string principal;  // The roles file's name for the client's certificate.
  std::string client_id;  // The client's name for itself.
  uint64_t client_seq = 0;
  bool operator==(const CommandOrigin&) const = default;
};

// Writes `input` into `event` (which must be freshly initialised).
void EncodeInput(const engine::Input& input, schema::Event::Builder event);
// The first log format whose ADL effects carry the ranking commitment (AdlQueue) and the score
// inputs (AdlReduction); logs of earlier formats keep their form (docs/formats/event_log.md).
inline constexpr uint32_t kFormatAdlCommitment = 3;

// Writes `effect` into `event` (which must be freshly initialised) in the form of a log of
// `format_version`.
void EncodeEffect(const engine::Effect& effect, uint32_t format_version,
                  schema::Event::Builder event);

// True for the union members that are inputs (commands from outside).
bool IsInput(schema::Event::Reader event);

// The engine input a logged input event holds. Enum values outside the engine's range are
// passed through as their raw number for the engine to refuse (kInvalidEnum), so that replay
// sees exactly what the live engine saw. InvalidArgument if `event` is an effect or an
// unknown union member; Corruption if a pointer field is malformed.
base::Result<engine::Input> DecodeInput(schema::Event::Reader event);

// Writes `origin` into an input event.
void EncodeOrigin(const CommandOrigin& origin, schema::Event::Builder event);
// The origin an input event records (nullopt if none). Corruption if it is malformed.
base::Result<std::optional<CommandOrigin>> DecodeOrigin(schema::Event::Reader event);

}  // namespace ledger
