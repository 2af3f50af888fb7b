// The one mapping between the engine's plain C++ events (engine/events.h) and the log's
// Cap'n Proto schema (ledger/schema/event.capnp). Inputs go both ways (the sequencer encodes
// them, replay decodes them); effects are encoded only: audit re-derives effects and compares
// their canonical bytes with the logged ones. Stateless; thread-safe.
#pragma once

#include "engine/events.h"
#include "ledger/schema/event.capnp.h"
#include "ledger/status.h"

namespace ledger {

// Writes `input` into `event` (which must be freshly initialised).
void EncodeInput(const engine::Input& input, schema::Event::Builder event);
// Writes `effect` into `event` (which must be freshly initialised).
void EncodeEffect(const engine::Effect& effect, schema::Event::Builder event);

// True for the union members that are inputs (commands from outside).
bool IsInput(schema::Event::Reader event);

// The engine input a logged input event holds. Enum values outside the engine's range are
// passed through as their raw number for the engine to refuse (kInvalidEnum), so that replay
// sees exactly what the live engine saw. InvalidArgument if `event` is an effect or an
// unknown union member; Corruption if a pointer field is malformed.
Result<engine::Input> DecodeInput(schema::Event::Reader event);

}  // namespace ledger
