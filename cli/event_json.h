// Renders log records for people (one aligned line) and programs (JSON), by Cap'n Proto
// reflection over the shipped schema, so every event type prints without per-type code.
#pragma once

#include <capnp/dynamic.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "base/strong_type_json.h"
#include "text/text.h"

namespace cli {

// JSON of any struct: integers as numbers, Data as lower-case hex, enums by name, a union as
// its active member, field names in snake_case. `value` must stay valid during the call.
nlohmann::json StructToJson(capnp::DynamicStruct::Reader value);

// "field=value field=value ..." of a struct's scalar fields, for one-line listings.
std::string StructToText(capnp::DynamicStruct::Reader value);

// "2026-11-22T03:04:05.123456789Z" for nanoseconds since the Unix epoch (text/text.h).
using text::FormatTimeNs;

// The snake_case name of an engine reason code (engine/rejection.h, docs/ENGINE.md):
// "unknown_account" for 101; "unknown" for a code the engine does not define.
std::string RejectionReasonName(uint16_t code);
// The same for an order cancellation's reason (engine::CancelReason): "ioc_remainder" for 1.
std::string CancelReasonName(uint16_t code);

// "lowerCamel" -> "lower_camel".
std::string SnakeCase(const std::string& name);

// Lower-case hex of bytes.
std::string Hex(const unsigned char* data, size_t size);

}  // namespace cli
