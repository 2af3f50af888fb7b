// libFuzzer target: a secondary-index value as the history queries read it (`adl list`,
// `liquidations list`: ledger/indexes.h's fixed-width decoders, docs/formats/event_log.md).
// Any input must be refused or decoded, never crash; a decoded value must encode back to
// the same bytes (the format has one encoding per value).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ledger/indexes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ledger::AdlIndexValue adl;
  if (ledger::DecodeAdlIndexValue(bytes, &adl) && ledger::EncodeAdlIndexValue(adl) != bytes) {
    __builtin_trap();
  }
  ledger::LiquidationIndexValue liquidation;
  if (ledger::DecodeLiquidationIndexValue(bytes, &liquidation) &&
      ledger::EncodeLiquidationIndexValue(liquidation) != bytes) {
    __builtin_trap();
  }
  return 0;
}
