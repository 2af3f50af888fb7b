// Index entries: the covering values of the ADL and liquidation indexes (byte layout, round
// trip, rejection of malformed bytes) and the additive IndexDigest that CheckIndexes compares.
//
// Goal and method: values with extreme fields (INT64_MIN/MAX, UINT64_MAX) survive
// encode/decode unchanged; every size but the exact one, and any other format byte, is
// refused; the entries of an adlReduction event carry one value that decodes to the event's
// fields. Digests are checked on synthetic entries: order does not matter, disjoint parts add
// up to the whole, and a changed value or a byte moved between key and value changes them.

#include "ledger/indexes.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace ledger {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

AdlIndexValue ExtremeAdlValue() {
  return {.time_ns = kMin,
          .group = ledger::SequenceNumber{17},
          .reduction = {.market = engine::MarketId{0xfffffffe},
                        .liquidated_account = engine::AccountId{UINT64_MAX},
                        .counterparty_account = engine::AccountId{1},
                        .quantity = engine::Quantity{kMax},
                        .price = engine::Price{-1},
                        .quote = engine::Money{kMin + 1},
                        .score = 42,
                        .queue_position = 1,
                        .queue_length = UINT32_MAX,
                        .remaining_before = engine::Quantity{7},
                        .deficit_covered = engine::Money{-8},
                        .fund_balance_after = engine::Money{9},
                        .gain_vs_mark = engine::Money{kMin},
                        .score_inputs = {}}};
}

LiquidationIndexValue ExtremeLiquidationValue() {
  return {.time_ns = kMax,
          .group = ledger::SequenceNumber{3},
          .liquidation = {.account = engine::AccountId{UINT64_MAX - 1},
                          .market = engine::MarketId{4},
                          .position = engine::Quantity{-5},
                          .cost = engine::Money{kMin},
                          .mark_price = engine::Price{6},
                          .equity = engine::Money{-7},
                          .maintenance_margin = engine::Money{8},
                          .position_maintenance = engine::Money{kMax - 1},
                          .equity_share = engine::Money{-9},
                          .bankruptcy_quote = engine::Money{10},
                          .bankruptcy_price = engine::Price{-11}}};
}

TEST(IndexValueTest, AdlValueRoundTripsAtFixedSize) {
  const std::string bytes = EncodeAdlIndexValue(ExtremeAdlValue());
  ASSERT_EQ(bytes.size(), kAdlIndexValueBytes);
  EXPECT_EQ(static_cast<uint8_t>(bytes[0]), kIndexValueFormat);
  // time_ns follows the format byte, big-endian: INT64_MIN is 80 00 ... 00.
  EXPECT_EQ(bytes.substr(1, 8), std::string("\x80\0\0\0\0\0\0\0", 8));
  AdlIndexValue decoded;
  ASSERT_TRUE(DecodeAdlIndexValue(bytes, &decoded));
  EXPECT_EQ(decoded, ExtremeAdlValue());
}

// The worked example of docs/formats/event_log.md, "Index values".
TEST(IndexValueTest, EncodesTheDocumentedExample) {
  const AdlIndexValue example{.time_ns = 1'700'000'000'000'000'000,
                              .group = SequenceNumber{41},
                              .reduction = {.market = engine::MarketId{1},
                                            .liquidated_account = engine::AccountId{7},
                                            .counterparty_account = engine::AccountId{9},
                                            .quantity = engine::Quantity{2},
                                            .price = engine::Price{29950},
                                            .quote = engine::Money{59900},
                                            .score = 1234,
                                            .queue_position = 1,
                                            .queue_length = 3,
                                            .remaining_before = engine::Quantity{2},
                                            .deficit_covered = engine::Money{140},
                                            .fund_balance_after = engine::Money{0},
                                            .gain_vs_mark = engine::Money{-140},
                                            .score_inputs = {}}};
  const std::string bytes = EncodeAdlIndexValue(example);
  EXPECT_EQ(ToHex({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}),
            "0117979cfe362a00000000000000000029000000010000000000000007000000000000000900000000"
            "0000000200000000000074fe000000000000e9fc00000000000004d20000000100000003000000000000"
            "0002000000000000008c0000000000000000ffffffffffffff74");
}

TEST(IndexValueTest, LiquidationValueRoundTripsAtFixedSize) {
  const std::string bytes = EncodeLiquidationIndexValue(ExtremeLiquidationValue());
  ASSERT_EQ(bytes.size(), kLiquidationIndexValueBytes);
  LiquidationIndexValue decoded;
  ASSERT_TRUE(DecodeLiquidationIndexValue(bytes, &decoded));
  EXPECT_EQ(decoded, ExtremeLiquidationValue());
}

TEST(IndexValueTest, RejectsEveryOtherSizeAndFormatByte) {
  const std::string adl = EncodeAdlIndexValue(ExtremeAdlValue());
  const std::string liquidation = EncodeLiquidationIndexValue(ExtremeLiquidationValue());
  AdlIndexValue adl_out;
  LiquidationIndexValue liquidation_out;
  for (size_t size = 0; size < adl.size() + 9; ++size) {
    if (size == adl.size()) continue;
    std::string bytes = adl;
    bytes.resize(size, '\0');
    EXPECT_FALSE(DecodeAdlIndexValue(bytes, &adl_out)) << size;
  }
  for (int format = 0; format < 256; ++format) {
    if (format == kIndexValueFormat) continue;
    std::string bytes = adl;
    bytes[0] = static_cast<char>(format);
    EXPECT_FALSE(DecodeAdlIndexValue(bytes, &adl_out)) << format;
  }
  EXPECT_FALSE(DecodeLiquidationIndexValue(adl, &liquidation_out));
  EXPECT_FALSE(DecodeAdlIndexValue(liquidation, &adl_out));
  EXPECT_FALSE(DecodeAdlIndexValue("", &adl_out));  // An index written before values.
}

TEST(IndexValueTest, AdlReductionEntriesCarryTheEventAsTheirValue) {
  EventGroup group;
  auto adl = group.Add().initAdlReduction();
  adl.setMarket(3);
  adl.setAccount(11);
  adl.setCounterparty(12);
  adl.setQuantity(5);
  adl.setPrice(-6);
  adl.setQueuePosition(2);
  adl.setGainVsMark(-9);
  std::vector<IndexEntry> entries;
  IndexEntries(SequenceNumber{100}, /*time_ns=*/-1, SequenceNumber{97}, group.readers()[0],
               &entries);
  AdlIndexValue want;
  want.time_ns = -1;
  want.group = SequenceNumber{97};
  want.reduction.market = engine::MarketId{3};
  want.reduction.liquidated_account = engine::AccountId{11};
  want.reduction.counterparty_account = engine::AccountId{12};
  want.reduction.quantity = engine::Quantity{5};
  want.reduction.price = engine::Price{-6};
  want.reduction.queue_position = 2;
  want.reduction.gain_vs_mark = engine::Money{-9};
  int adl_entries = 0;
  for (const IndexEntry& entry : entries) {
    EXPECT_EQ(SeqOfIndexKey(entry.key), ledger::SequenceNumber{100});
    if (entry.index == Index::kAccountEvent) {
      EXPECT_EQ(entry.value, "");
      continue;
    }
    ++adl_entries;
    AdlIndexValue decoded;
    ASSERT_TRUE(DecodeAdlIndexValue(entry.value, &decoded)) << IndexColumnFamily(entry.index);
    EXPECT_EQ(decoded, want);
  }
  EXPECT_EQ(adl_entries, 4);  // Both accounts, the market and the time.
}

std::vector<IndexEntry> SyntheticEntries(int count) {
  std::vector<IndexEntry> entries;
  for (int i = 0; i < count; ++i) {
    const auto index = static_cast<Index>(i % kIndexCount);
    entries.push_back({index,
                       IndexKey(AccountPrefix(i % 7), SequenceNumber{0x0101010101010101ull * i}),
                       i % 3 == 0 ? std::string(i % 5, 'v') : ""});
  }
  return entries;
}

IndexDigest DigestOf(const std::vector<IndexEntry>& entries, size_t first, size_t end) {
  IndexDigest digest;
  for (size_t i = first; i < end; ++i) digest.Add(entries[i]);
  return digest;
}

TEST(IndexDigestTest, DisjointPartsAddUpToTheWholeInAnyOrder) {
  const std::vector<IndexEntry> entries = SyntheticEntries(200);
  const IndexDigest whole = DigestOf(entries, 0, entries.size());
  IndexDigest parts = DigestOf(entries, 120, 200);
  parts += DigestOf(entries, 0, 50);
  parts += DigestOf(entries, 50, 120);
  EXPECT_EQ(parts, whole);
  for (Index index : AllIndexes()) EXPECT_TRUE(parts.Matches(whole, index));
  EXPECT_NE(DigestOf(entries, 0, 199), whole);
}

TEST(IndexDigestTest, AChangedValueChangesOnlyItsIndex) {
  std::vector<IndexEntry> entries = SyntheticEntries(60);
  const IndexDigest before = DigestOf(entries, 0, entries.size());
  entries[9].value += "x";
  const IndexDigest after = DigestOf(entries, 0, entries.size());
  EXPECT_NE(after, before);
  for (Index index : AllIndexes()) {
    EXPECT_EQ(after.Matches(before, index), index != entries[9].index);
  }
}

TEST(IndexDigestTest, AByteMovedBetweenKeyAndValueChangesTheDigest) {
  IndexDigest split;
  split.Add(Index::kAdlByAccount, "0123456789abcdef", "g");
  IndexDigest moved;
  moved.Add(Index::kAdlByAccount, "0123456789abcdefg", "");
  EXPECT_NE(split, moved);
}

}  // namespace
}  // namespace ledger
