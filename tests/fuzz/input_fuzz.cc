// libFuzzer target: one JSON Lines command as `backstop ingest` reads it (docs/INPUT.md), and
// a time argument as the query commands read it. Any input must give a clean refusal.
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
  return 0;
}
