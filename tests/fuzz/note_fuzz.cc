// libFuzzer target: the text a verifier is handed by others: a signed checkpoint note, a
// c2sp.org/tlog-proof file and a consistency proof (ledger/checkpoint.h). Any input must give a
// clean error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ledger/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto note = ledger::ParseSignedNote(text);
  if (note.ok()) (void)ledger::ParseCheckpointBody(note->body);
  auto proof = ledger::ParseInclusionProofFile(text);
  if (proof.ok() && !proof->extra.empty()) (void)ledger::DecodeRecord(proof->extra);
  (void)ledger::ParseConsistencyProofFile(text);
  (void)ledger::ChainIdFromOrigin(text);
  return 0;
}
