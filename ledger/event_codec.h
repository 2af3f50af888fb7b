// The one mapping between the engine's plain C++ events (engine/events.h) and the log's
// Cap'n Proto schema (ledger/schema/event.capnp), both ways: the sequencer encodes inputs and
// effects, replay decodes inputs, and every reader of a logged effect decodes it here into the
// engine's own struct. Decode is the exact inverse of encode: re-encoding a decoded event gives
// the same canonical bytes. Widths agree field for field (engine/events.h mirrors the schema);
// the one narrowing left, MarketSpec's Int32 decimals into the schema's UInt8, is checked by
// CheckEncodable. Stateless; thread-safe.
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

// OK if every field of `input` fits its schema field; InvalidArgument naming the field
// otherwise (a market's lot_decimals or quote_decimals outside 0..255). The sequencer and the
// JSON input parser refuse such an input before the engine sees it.
base::Status CheckEncodable(const engine::Input& input);
// Writes `input` into `event` (which must be freshly initialised). Precondition, asserted:
// CheckEncodable(input) is OK.
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
// sees exactly what the live engine saw; Corruption if one exceeds the engine enum's width
// (no encoder writes that). InvalidArgument if `event` is an effect or an unknown union
// member; Corruption if a pointer field is malformed.
base::Result<engine::Input> DecodeInput(schema::Event::Reader event);

// The engine effect a logged effect event holds, the inverse of EncodeEffect. Enum values are
// passed through as their raw number; Corruption if one (or a reason code) exceeds the engine
// field's width, or if a pointer field is malformed. InvalidArgument if `event` is an input or
// an unknown union member.
base::Result<engine::Effect> DecodeEffect(schema::Event::Reader event);

// Writes `origin` into an input event.
void EncodeOrigin(const CommandOrigin& origin, schema::Event::Builder event);
// The origin an input event records (nullopt if none). Corruption if it is malformed.
base::Result<std::optional<CommandOrigin>> DecodeOrigin(schema::Event::Reader event);

}  // namespace ledger
