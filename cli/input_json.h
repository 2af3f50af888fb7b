// The JSON form of input commands, one object per line (docs/INPUT.md), as read by
// `backstop ingest`. Strict: unknown types or fields, missing fields, non-integers and values
// out of range are refused with a message naming the field. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "engine/events.h"

namespace cli {

// Parses one line. InvalidArgument with a human-readable reason on any problem.
base::Result<engine::Input> ParseInputJson(std::string_view line);

// The JSON line for `input` (the inverse of ParseInputJson; used by tests and generators).
std::string InputToJson(const engine::Input& input);

}  // namespace cli
