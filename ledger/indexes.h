// Secondary indexes over the event log: which records are ADL reductions of an account, of a
// market or in a time range, which are liquidations of an account, which move an insurance
// fund, and which touch an account at all. Each index is a RocksDB column family whose keys
// end in the record's 8-byte big-endian seq. The ADL and liquidation indexes are covering: each
// value holds the row's fields (AdlIndexValue, LiquidationIndexValue), so a listing reads no
// record; the other indexes' values are empty. The log writes an event's index entries in the
// same WriteBatch as the event, so the two never disagree after a crash.
// Stateless functions; thread-safe. IndexDigest is a regular value type.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/events.h"
#include "ledger/event_fields.h"
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
  kClientCommand = 6,         // key: ClientCommandPrefix | seq; inputs with a CommandOrigin.
};
inline constexpr int kIndexCount = 7;

// The column family that holds `index` ("idx_adl_account", ...).
const char* IndexColumnFamily(Index index);
// All indexes, in enum order.
std::array<Index, kIndexCount> AllIndexes();

// An index key: a prefix of at most 8 bytes (an account, market, asset or time, as in Index),
// then the seq, 8 bytes big-endian. Held inline: nearly every record has one, and an audit
// builds them all again.
class IndexKey {
 public:
  static constexpr size_t kMaxPrefixBytes = 8;
  IndexKey(std::string_view prefix, SequenceNumber seq);  // Asserts the prefix fits.
  const char* data() const { return bytes_.data(); }
  size_t size() const { return size_; }
  operator std::string_view() const { return {bytes_.data(), size_}; }

 private:
  std::array<char, kMaxPrefixBytes + 8> bytes_{};
  uint8_t size_ = 0;
};

struct IndexEntry {
  Index index;
  IndexKey key;
  std::string value;  // ADL indexes: EncodeAdlIndexValue; kLiquidationByAccount:
                      // EncodeLiquidationIndexValue; the others: empty.
};

// Appends the index entries of one record to `*out` (none for most events). `group` is the seq
// of the first record of the record's group (LogRecord::group).
void IndexEntries(SequenceNumber seq, int64_t time_ns, SequenceNumber group,
                  schema::Event::Reader event, std::vector<IndexEntry>* out);
void IndexEntries(const LogRecord& record, std::vector<IndexEntry>* out);

// The value of an ADL index entry: the record's stamp and group, then the adlReduction's fields
// that its field table (ledger/event_fields.h) marks indexed, in table order (today all of
// them). Stored as a format byte (1) and those fields as fixed-width big-endian integers at
// their own width, kAdlIndexValueBytes in all (docs/formats/event_log.md). Decoding leaves the
// fields the value does not hold at their defaults.
struct AdlIndexValue {
  int64_t time_ns = 0;
  SequenceNumber group{0};
  engine::AdlReduction reduction;
  bool operator==(const AdlIndexValue&) const = default;
};
inline constexpr size_t kAdlIndexValueBytes = 1 + 8 + 8 + 4 + 8 + 8 + 4 * 8 + 4 + 4 + 4 * 8;

// The value of a kLiquidationByAccount entry: stamp, group and the liquidation's indexed fields
// (schema Liquidation), encoded the same way.
struct LiquidationIndexValue {
  int64_t time_ns = 0;
  SequenceNumber group{0};
  engine::Liquidation liquidation;
  bool operator==(const LiquidationIndexValue&) const = default;
};
inline constexpr size_t kLiquidationIndexValueBytes = 1 + 8 + 8 + 8 + 4 + 9 * 8;

// Format byte of both values, first in the encoding; a new layout takes a new byte.
inline constexpr uint8_t kIndexValueFormat = 1;

std::string EncodeAdlIndexValue(const AdlIndexValue& value);
std::string EncodeLiquidationIndexValue(const LiquidationIndexValue& value);
// False (and `*out` unspecified) unless `bytes` has exactly the size of the encoding and
// starts with kIndexValueFormat. Callers report false as Corruption (a log whose indexes
// predate values, or damage: `backstop reindex` rewrites them).
[[nodiscard]] bool DecodeAdlIndexValue(std::string_view bytes, AdlIndexValue* out);
[[nodiscard]] bool DecodeLiquidationIndexValue(std::string_view bytes, LiquidationIndexValue* out);

// An order-independent digest of index entries: per index, their count and two sums of 64-bit
// hashes of key and value. Equal sets of entries give equal digests. Additive: the digests of
// disjoint sets (say, of disjoint seq ranges) merge with +=, so a single-pass auditor can build
// the expected digest of a whole log from IndexEntries and pass it to EventLog::CheckIndexes.
class IndexDigest {
 public:
  void Add(Index index, std::string_view key, std::string_view value);
  void Add(const IndexEntry& entry) { Add(entry.index, entry.key, entry.value); }
  IndexDigest& operator+=(const IndexDigest& other);
  bool operator==(const IndexDigest&) const = default;
  // True if the entries of `index` agree with those in `other`.
  bool Matches(const IndexDigest& other, Index index) const;

 private:
  struct Sums {
    uint64_t count = 0;
    uint64_t sum = 0;
    uint64_t sum_of_squares = 0;
    bool operator==(const Sums&) const = default;
  };
  std::array<Sums, kIndexCount> sums_{};
};

// Key builders, for range scans: a prefix, and the seq of a full key.
std::string AccountPrefix(uint64_t account);
std::string MarketPrefix(uint32_t market);
std::string AssetPrefix(uint32_t asset);
std::string TimeKey(int64_t time_ns);  // The time part of a kAdlByTime key.
// The prefix of a kClientCommand key: FNV-1a (64-bit) of principal, a zero byte, client id, a
// zero byte and client_seq (8 bytes big-endian), stored big-endian. Different commands can
// share a prefix: a lookup reads each record it finds and compares its origin.
std::string ClientCommandPrefix(std::string_view principal, std::string_view client_id,
                                uint64_t client_seq);
SequenceNumber SeqOfIndexKey(std::string_view key);  // The last 8 bytes; 0 if too short.

}  // namespace ledger
