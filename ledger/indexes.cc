// Index entries of log records: keys, covering values and their digest (see indexes.h).
//
// Covering values (docs/formats/event_log.md, "Index values"; change both together):
//   value  := format fields
//   format := kIndexValueFormat, 1 byte
//   fields := time_ns, group, then the effect's fields that ledger/event_fields.h marks
//             indexed, in table order (ForEachStoredField), each big-endian at its own width
//             (int64_t, uint64_t: 8 bytes; uint32_t: 4 bytes)

#include "ledger/indexes.h"

#include <bit>
#include <cstring>
#include <type_traits>

#include "base/assert.h"
#include "base/strong_type.h"
#include "ledger/event_codec.h"

namespace ledger {
namespace {

using E = schema::Event;

void AppendBigEndian(uint64_t value, int bytes, std::string* out) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

// The fields of an index value in encoding order: stamp, group, then the effect's indexed
// fields in field-table order. The one list behind both the encoder and the decoder. `V` is
// the value type, const or not.
template <typename V, typename F>
constexpr void ForEachStoredField(V& value, F&& visit) {
  visit(value.time_ns);
  visit(value.group);
  auto indexed = [&visit](const auto& field, auto& member) {
    if (field.indexed) visit(member);
  };
  if constexpr (std::is_same_v<std::remove_const_t<V>, AdlIndexValue>) {
    ForEachField(value.reduction, indexed);
  } else {
    static_assert(std::is_same_v<std::remove_const_t<V>, LiquidationIndexValue>);
    ForEachField(value.liquidation, indexed);
  }
}

template <typename V>
constexpr size_t EncodedSize() {
  size_t size = 1;  // The format byte.
  V value{};
  ForEachStoredField(value, [&size](const auto& field) { size += sizeof(field); });
  return size;
}
static_assert(EncodedSize<AdlIndexValue>() == kAdlIndexValueBytes);
static_assert(EncodedSize<LiquidationIndexValue>() == kLiquidationIndexValueBytes);

template <typename V>
std::string EncodeValue(const V& value) {
  std::string out;
  out.reserve(EncodedSize<V>());
  out.push_back(static_cast<char>(kIndexValueFormat));
  ForEachStoredField(value, [&out](auto field) {
    const auto raw = base::UnwrapStrong(field);  // Ids as their integers.
    AppendBigEndian(static_cast<std::make_unsigned_t<decltype(raw)>>(raw), sizeof(raw), &out);
  });
  BACKSTOP_ASSERT(out.size() == EncodedSize<V>(), out.size());
  return out;
}

template <typename V>
bool DecodeValue(std::string_view bytes, V* out) {
  if (bytes.size() != EncodedSize<V>()) return false;
  if (static_cast<uint8_t>(bytes[0]) != kIndexValueFormat) return false;
  size_t at = 1;
  ForEachStoredField(*out, [&](auto& field) {
    using Field = std::remove_reference_t<decltype(field)>;
    using Rep = decltype(base::UnwrapStrong(field));
    uint64_t raw = 0;
    for (size_t i = 0; i < sizeof(field); ++i) raw = (raw << 8) | static_cast<uint8_t>(bytes[at++]);
    field = Field(static_cast<Rep>(static_cast<std::make_unsigned_t<Rep>>(raw)));
  });
  BACKSTOP_ASSERT(at == bytes.size(), at);
  return true;
}

// The accounts an event names, at most two; account 0 (the venue) is left out.
int AccountsOf(E::Reader event, uint64_t accounts[2]) {
  int n = 0;
  auto add = [&](uint64_t account) {
    if (account != 0 && (n == 0 || accounts[0] != account)) accounts[n++] = account;
  };
  switch (event.which()) {
    case E::ACCOUNT_OPENED:
      add(event.getAccountOpened().getAccount());
      break;
    case E::DEPOSIT:
      add(event.getDeposit().getAccount());
      break;
    case E::WITHDRAWAL:
      add(event.getWithdrawal().getAccount());
      break;
    case E::ORDER_PLACED:
      add(event.getOrderPlaced().getAccount());
      break;
    case E::ORDER_CANCEL_REQUESTED:
      add(event.getOrderCancelRequested().getAccount());
      break;
    case E::ORDER_ACCEPTED:
      add(event.getOrderAccepted().getAccount());
      break;
    case E::ORDER_REJECTED:
      add(event.getOrderRejected().getAccount());
      break;
    case E::ORDER_CANCELLED:
      add(event.getOrderCancelled().getAccount());
      break;
    case E::FILL:
      add(event.getFill().getMakerAccount());
      add(event.getFill().getTakerAccount());
      break;
    case E::FUNDING_PAYMENT:
      add(event.getFundingPayment().getAccount());
      break;
    case E::LIQUIDATION:
      add(event.getLiquidation().getAccount());
      break;
    case E::LIQUIDATION_FILL:
      add(event.getLiquidationFill().getAccount());
      add(event.getLiquidationFill().getMakerAccount());
      break;
    case E::INSURANCE_FUND_DRAW:
      add(event.getInsuranceFundDraw().getAccount());
      break;
    case E::ADL_QUEUE:
      add(event.getAdlQueue().getAccount());
      break;
    case E::ADL_REDUCTION:
      add(event.getAdlReduction().getAccount());
      add(event.getAdlReduction().getCounterparty());
      break;
    default:
      break;
  }
  return n;
}

}  // namespace

IndexKey::IndexKey(std::string_view prefix, SequenceNumber seq)
    : size_(static_cast<uint8_t>(prefix.size() + 8)) {
  BACKSTOP_ASSERT(prefix.size() <= kMaxPrefixBytes, prefix.size());
  std::memcpy(bytes_.data(), prefix.data(), prefix.size());
  static_assert(std::endian::native == std::endian::little);
  const uint64_t big_endian = __builtin_bswap64(seq.value());
  std::memcpy(bytes_.data() + prefix.size(), &big_endian, 8);
}

const char* IndexColumnFamily(Index index) {
  switch (index) {
    case Index::kAdlByAccount:
      return "idx_adl_account";
    case Index::kAdlByMarket:
      return "idx_adl_market";
    case Index::kAdlByTime:
      return "idx_adl_time";
    case Index::kLiquidationByAccount:
      return "idx_liquidation_account";
    case Index::kFundMovement:
      return "idx_fund";
    case Index::kAccountEvent:
      return "idx_account";
    case Index::kClientCommand:
      return "idx_client";
  }
  return "idx_unknown";
}

std::array<Index, kIndexCount> AllIndexes() {
  return {Index::kAdlByAccount,         Index::kAdlByMarket,  Index::kAdlByTime,
          Index::kLiquidationByAccount, Index::kFundMovement, Index::kAccountEvent,
          Index::kClientCommand};
}

std::string AccountPrefix(uint64_t account) {
  std::string out;
  AppendBigEndian(account, 8, &out);
  return out;
}

std::string MarketPrefix(uint32_t market) {
  std::string out;
  AppendBigEndian(market, 4, &out);
  return out;
}

std::string AssetPrefix(uint32_t asset) { return MarketPrefix(asset); }

std::string TimeKey(int64_t time_ns) {
  std::string out;
  AppendBigEndian(static_cast<uint64_t>(time_ns) ^ (uint64_t{1} << 63), 8, &out);
  return out;
}

std::string ClientCommandPrefix(std::string_view principal, std::string_view client_id,
                                uint64_t client_seq) {
  constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
  constexpr uint64_t kFnvPrime = 0x100000001b3ull;
  uint64_t hash = kFnvOffset;
  auto mix = [&hash](std::string_view bytes) {
    for (char c : bytes) hash = (hash ^ static_cast<uint8_t>(c)) * kFnvPrime;
  };
  std::string seq;
  AppendBigEndian(client_seq, 8, &seq);
  mix(principal);
  mix(std::string_view("\0", 1));
  mix(client_id);
  mix(std::string_view("\0", 1));
  mix(seq);
  std::string out;
  AppendBigEndian(hash, 8, &out);
  return out;
}

SequenceNumber SeqOfIndexKey(std::string_view key) {
  if (key.size() < 8) return SequenceNumber{0};
  uint64_t seq = 0;
  for (size_t i = key.size() - 8; i < key.size(); ++i) {
    seq = (seq << 8) | static_cast<uint8_t>(key[i]);
  }
  return SequenceNumber{seq};
}

void IndexEntries(SequenceNumber seq, int64_t time_ns, SequenceNumber group,
                  schema::Event::Reader event, std::vector<IndexEntry>* out) {
  uint64_t accounts[2] = {0, 0};
  const int touched = AccountsOf(event, accounts);
  for (int i = 0; i < touched; ++i) {
    out->push_back({Index::kAccountEvent, IndexKey(AccountPrefix(accounts[i]), seq), ""});
  }
  switch (event.which()) {
    case E::ADL_REDUCTION: {
      // An effect that does not decode indexes nothing: the audit's expected entries, built by
      // this same function, skip it the same way (and the audit reports the record itself).
      auto effect = DecodeEffect(event);
      if (!effect.ok()) break;
      const auto& reduction = std::get<engine::AdlReduction>(*effect);
      const std::string value = EncodeAdlIndexValue({time_ns, group, reduction});
      for (int i = 0; i < touched; ++i) {
        out->push_back({Index::kAdlByAccount, IndexKey(AccountPrefix(accounts[i]), seq), value});
      }
      out->push_back(
          {Index::kAdlByMarket, IndexKey(MarketPrefix(reduction.market.value()), seq), value});
      out->push_back({Index::kAdlByTime, IndexKey(TimeKey(time_ns), seq), value});
      break;
    }
    case E::LIQUIDATION: {
      auto effect = DecodeEffect(event);
      if (!effect.ok()) break;
      const auto& liquidation = std::get<engine::Liquidation>(*effect);
      out->push_back({Index::kLiquidationByAccount,
                      IndexKey(AccountPrefix(liquidation.account.value()), seq),
                      EncodeLiquidationIndexValue({time_ns, group, liquidation})});
      break;
    }
    case E::INSURANCE_FUND_CREDIT:
      out->push_back({Index::kFundMovement,
                      IndexKey(AssetPrefix(event.getInsuranceFundCredit().getAsset()), seq), ""});
      break;
    case E::INSURANCE_FUND_DRAW:
      out->push_back({Index::kFundMovement,
                      IndexKey(AssetPrefix(event.getInsuranceFundDraw().getAsset()), seq), ""});
      break;
    default:
      break;
  }
  if (event.hasOrigin()) {
    // A malformed origin indexes nothing: the audit's expected entries skip it the same way.
    auto origin = DecodeOrigin(event);
    if (origin.ok() && origin->has_value()) {
      const CommandOrigin& o = **origin;
      out->push_back({Index::kClientCommand,
                      IndexKey(ClientCommandPrefix(o.principal, o.client_id, o.client_seq), seq),
                      ""});
    }
  }
}

void IndexEntries(const LogRecord& record, std::vector<IndexEntry>* out) {
  IndexEntries(record.seq(), record.time_ns(), record.group(), record.event(), out);
}

std::string EncodeAdlIndexValue(const AdlIndexValue& value) { return EncodeValue(value); }

std::string EncodeLiquidationIndexValue(const LiquidationIndexValue& value) {
  return EncodeValue(value);
}

bool DecodeAdlIndexValue(std::string_view bytes, AdlIndexValue* out) {
  return DecodeValue(bytes, out);
}

bool DecodeLiquidationIndexValue(std::string_view bytes, LiquidationIndexValue* out) {
  return DecodeValue(bytes, out);
}

namespace {

// Mixes `bytes` into `hash` eight bytes at a time (the last chunk zero-padded), then their
// length, so that no two different byte strings feed the same sequence of words.
uint64_t MixBytes(uint64_t hash, std::string_view bytes) {
  constexpr uint64_t kMultiplier = 0x9e3779b97f4a7c15ull;
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, bytes.data() + i, 8);
    hash = std::rotl((hash ^ word) * kMultiplier, 29);
  }
  if (i < bytes.size()) {
    uint64_t word = 0;
    std::memcpy(&word, bytes.data() + i, bytes.size() - i);
    hash = std::rotl((hash ^ word) * kMultiplier, 29);
  }
  return std::rotl((hash ^ bytes.size()) * kMultiplier, 29);
}

}  // namespace

void IndexDigest::Add(Index index, std::string_view key, std::string_view value) {
  // A 64-bit hash of the key then the value, each followed by its length, so entries of the
  // same index cannot trade bytes between key and value. Not cryptographic: it compares two
  // sets computed by the same program. (Only ever computed in memory: never stored.)
  uint64_t hash = MixBytes(MixBytes(0xcbf29ce484222325ull, key), value);
  hash ^= hash >> 32;
  Sums& sums = sums_[static_cast<size_t>(index)];
  ++sums.count;
  sums.sum += hash;
  sums.sum_of_squares += hash * hash;
}

IndexDigest& IndexDigest::operator+=(const IndexDigest& other) {
  for (size_t i = 0; i < sums_.size(); ++i) {
    sums_[i].count += other.sums_[i].count;
    sums_[i].sum += other.sums_[i].sum;
    sums_[i].sum_of_squares += other.sums_[i].sum_of_squares;
  }
  return *this;
}

bool IndexDigest::Matches(const IndexDigest& other, Index index) const {
  return sums_[static_cast<size_t>(index)] == other.sums_[static_cast<size_t>(index)];
}

}  // namespace ledger
