// libFuzzer target: a stored record value, as the log, verify and audit read it (DecodeRecord),
// then everything readers take from a decoded record: the input decoder and the index entries
// (which read every effect's fields). Any input must give a clean error, never a crash.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ledger/event_codec.h"
#include "ledger/indexes.h"
#include "ledger/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ledger::LogRecord record;
  if (!ledger::DecodeRecordInto({data, size}, &record).ok()) return 0;
  if (ledger::IsInput(record.event())) (void)ledger::DecodeInput(record.event());
  std::vector<ledger::IndexEntry> entries;
  ledger::IndexEntries(record, &entries);
  return 0;
}
