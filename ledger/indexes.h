// Secondary indexes over the event log: which records are ADL reductions of an account, of a
// market or in a time range, which are liquidations of an account, which move an insurance
// fund, and which touch an account at all. Each index is a RocksDB column family whose keys
// end in the record's 8-byte big-endian seq (values are empty); the log writes an event's index
// keys in the same WriteBatch as the event, so the two never disagree after a crash.
// Stateless functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/record.h"
#include "ledger/schema/event.capnp.h"

namespace ledger {

enum class Index : uint8_t {
  kAdlByAccount = 0,          // key: account (8 BE) | seq; both sides of every adlReduction.
  kAdlByMarket = 1,           // key: market (4 BE) | seq.
  kAdlByTime = 2,             // key: time (8 BE, sign bit flipped so order is numeric) | seq.
  kLiquidationByAccount = 3,  // key: account | seq; liquidation events.
  kFundMovement = 4,          // key: asset (4 BE) | seq; insuranceFundCredit, insuranceFundDraw.
  kAccountEvent = 5,          // key: account | seq; every input or effect that names the account.
};
inline constexpr int kIndexCount = 6;

// The column family that holds `index` ("idx_adl_account", ...).
const char* IndexColumnFamily(Index index);
// All indexes, in enum order.
std::array<Index, kIndexCount> AllIndexes();

struct IndexEntry {
  Index index;
  std::string key;  // Ends with the seq, 8 bytes big-endian.
};

// Appends the index keys of one record to `*out` (none for most events).
void IndexEntries(SequenceNumber seq, int64_t time_ns, schema::Event::Reader event,
                  std::vector<IndexEntry>* out);

// Key builders, for range scans: a prefix, and the seq of a full key.
std::string AccountPrefix(uint64_t account);
std::string MarketPrefix(uint32_t market);
std::string AssetPrefix(uint32_t asset);
std::string TimeKey(int64_t time_ns);                // The time part of a kAdlByTime key.
SequenceNumber SeqOfIndexKey(std::string_view key);  // The last 8 bytes; 0 if too short.

}  // namespace ledger
