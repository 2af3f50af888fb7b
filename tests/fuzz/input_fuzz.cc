// libFuzzer target: one JSON Lines command as `backstop ingest` reads it (docs/INPUT.md), and
// the CLI's own argument parsers: a time (query filters), a number (ids, SEQ) and a seq range
// (`log show`). Any input must give a clean refusal.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cli/input_json.h"
#include "text/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto input = cli::ParseInputJson(text);
  if (input.ok()) (void)cli::InputToJson(*input);
  (void)text::ParseTime(text);
  (void)text::ParseUnsigned(text, "number", UINT32_MAX);
  if (auto range = text::ParseSeqRange(text); range.ok() && range->last != 0) {
    if (range->first > range->last) __builtin_trap();  // A range that runs backwards.
  }
  return 0;
}
