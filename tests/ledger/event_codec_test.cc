// The codec both ways (ledger/event_codec.h). Goal: decode is the exact inverse of encode for
// every input and effect type, and every narrowing between the engine's fields and the
// schema's is checked. Method: one value of each type with every field set to a distinct,
// mostly extreme value (so a swapped or truncated field shows), encoded, decoded and compared,
// and re-encoded to the same canonical bytes; every record of the format-1 and format-2
// crash-demo fixtures decoded and re-encoded to its logged bytes; hand-made events whose enum
// or code exceeds the engine's width refused as Corruption.
#include "ledger/event_codec.h"

#include <capnp/message.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "ledger/event_fields.h"
#include "ledger/event_log.h"
#include "tests/ledger/ledger_test_util.h"

namespace ledger {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();
constexpr uint32_t kMaxU32 = std::numeric_limits<uint32_t>::max();

template <typename Reader>
std::vector<uint8_t> CanonicalBytes(Reader reader) {
  const kj::Array<capnp::word> words = capnp::canonicalize(reader);
  const auto bytes = words.asBytes();
  return {bytes.begin(), bytes.end()};
}

std::vector<uint8_t> EffectBytes(const engine::Effect& effect,
                                 uint32_t format_version = kFormatAdlCommitment) {
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<schema::Event>();
  EncodeEffect(effect, format_version, event);
  return CanonicalBytes(event.asReader());
}

std::vector<uint8_t> InputBytes(const engine::Input& input, const CommandOrigin* origin) {
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<schema::Event>();
  EncodeInput(input, event);
  if (origin != nullptr) EncodeOrigin(*origin, event);
  return CanonicalBytes(event.asReader());
}

engine::MarketSpec Spec() {
  engine::MarketSpec spec;
  spec.market_id = engine::MarketId{kMaxU32};
  spec.symbol = "BTCUSDT";
  spec.quote_asset = engine::AssetId{kMaxU32 - 1};
  spec.tick_size = engine::Price{kMax};
  spec.lot_decimals = 255;
  spec.quote_decimals = 7;
  spec.maker_fee_e8 = kMin;
  spec.taker_fee_e8 = 3;
  spec.tiers = {{engine::Money{0}, 500'000, 100}, {engine::Money{kMax}, kMin, -4}};
  spec.funding_interval_ns = -5;
  spec.adl_policy = engine::AdlPolicy::kHyperliquid;
  spec.max_slippage_e8 = 6;
  return spec;
}

// One of every input type (variant order), every field set.
std::vector<engine::Input> EveryInput() {
  return {
      engine::ListMarket{Spec()},
      engine::ChangeMarket{Spec()},
      engine::OpenAccount{engine::AccountId{kMaxU64}},
      engine::Deposit{engine::AccountId{kMaxU64}, engine::AssetId{kMaxU32}, engine::Money{kMin}},
      engine::Withdraw{engine::AccountId{kMaxU64 - 1}, engine::AssetId{9}, engine::Money{kMax}},
      engine::PlaceOrder{engine::AccountId{kMaxU64}, engine::MarketId{kMaxU32},
                         engine::OrderId{kMaxU64 - 2}, engine::Side::kSell,
                         engine::OrderType::kMarket, engine::TimeInForce::kPostOnly, true,
                         engine::Price{kMin}, engine::Quantity{kMax}},
      engine::CancelOrder{engine::AccountId{kMaxU64}, engine::OrderId{kMaxU64 - 3}},
      engine::SetMark{engine::MarketId{kMaxU32}, engine::Price{kMax}, engine::Price{kMin}},
      engine::FundingTick{engine::MarketId{kMaxU32}, kMin},
      engine::TopUpInsurance{engine::AssetId{kMaxU32}, engine::Money{kMax}},
      engine::RotateKey{std::string("\x00\x01key", 5), std::string(32, '\xfe')},
  };
}

// One of every effect type (variant order), every field set.
std::vector<engine::Effect> EveryEffect() {
  return {
      engine::OrderAccepted{engine::AccountId{kMaxU64}, engine::OrderId{kMaxU64 - 1},
                            engine::MarketId{kMaxU32}, engine::Side::kSell,
                            engine::OrderType::kMarket, engine::TimeInForce::kFok, true,
                            engine::Price{kMin}, engine::Quantity{kMax}, engine::Quantity{7}},
      engine::OrderRejected{engine::AccountId{kMaxU64}, engine::OrderId{2},
                            engine::Rejection::kInsufficientMargin},
      engine::InputRejected{engine::Rejection::kBookNotEmpty},
      engine::OrderCancelled{engine::AccountId{kMaxU64}, engine::OrderId{3},
                             engine::MarketId{kMaxU32}, engine::Quantity{kMin},
                             engine::CancelReason::kReduceOnly},
      engine::Fill{engine::MarketId{kMaxU32}, engine::AccountId{kMaxU64}, engine::OrderId{4},
                   engine::AccountId{kMaxU64 - 1}, engine::OrderId{5}, engine::Side::kSell,
                   engine::Price{kMax}, engine::Quantity{kMin}, engine::Money{-6}, engine::Money{7},
                   true},
      engine::FundingPayment{engine::AccountId{kMaxU64}, engine::MarketId{kMaxU32},
                             engine::Quantity{kMin}, engine::Price{kMax}, -8, engine::Money{9}},
      engine::Liquidation{engine::AccountId{kMaxU64}, engine::MarketId{kMaxU32},
                          engine::Quantity{kMin}, engine::Money{kMax}, engine::Price{1},
                          engine::Money{2}, engine::Money{3}, engine::Money{4}, engine::Money{5},
                          engine::Money{kMin + 6}, engine::Price{kMax - 7}},
      engine::LiquidationFill{engine::MarketId{kMaxU32}, engine::AccountId{kMaxU64},
                              engine::AccountId{8}, engine::OrderId{9}, engine::Price{kMax},
                              engine::Quantity{kMin}, engine::LiquidationPhase::kB,
                              engine::Money{-10}},
      engine::InsuranceFundCredit{engine::AssetId{kMaxU32}, engine::Money{kMax},
                                  engine::CreditReason::kAdlResidue, engine::Money{kMin}},
      engine::InsuranceFundDraw{engine::AssetId{kMaxU32}, engine::Money{kMax},
                                engine::MarketId{kMaxU32 - 1}, engine::AccountId{kMaxU64},
                                engine::Money{kMin}},
      engine::AdlQueue{engine::MarketId{kMaxU32},
                       engine::AccountId{kMaxU64},
                       engine::Side::kSell,
                       engine::AdlPolicy::kProRata,
                       kMaxU32,
                       {{engine::AccountId{kMaxU64}, kMin, engine::Quantity{kMax}, 1},
                        {engine::AccountId{7}, kMax, engine::Quantity{kMin}, kMaxU32}},
                       engine::Quantity{kMax},
                       engine::Money{kMin},
                       {0xff, 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
                        15,   16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 0xfe},
                       {}},  // `full` is never logged.
      engine::AdlReduction{
          engine::MarketId{kMaxU32}, engine::AccountId{kMaxU64}, engine::AccountId{kMaxU64 - 1},
          engine::Quantity{kMax}, engine::Price{kMin}, engine::Money{11}, -12, kMaxU32 - 1, kMaxU32,
          engine::Quantity{13}, engine::Money{kMin}, engine::Money{kMax}, engine::Money{-14},
          engine::AdlScoreInputs{engine::Quantity{kMin}, engine::Money{kMax}, engine::Price{15},
                                 engine::Money{-16}, engine::Money{17}, engine::Money{kMax}}},
      engine::SocializedLoss{engine::MarketId{kMaxU32}, engine::Money{kMin}},
  };
}

TEST(EventCodecTest, TheTablesAboveHoldEveryInputAndEffectType) {
  std::set<size_t> inputs;
  for (const auto& input : EveryInput()) inputs.insert(input.index());
  EXPECT_EQ(inputs.size(), std::variant_size_v<engine::Input>);
  std::set<size_t> effects;
  for (const auto& effect : EveryEffect()) effects.insert(effect.index());
  EXPECT_EQ(effects.size(), std::variant_size_v<engine::Effect>);
}

TEST(EventCodecTest, EveryEffectDecodesToWhatWasEncodedAndReencodesToTheSameBytes) {
  for (const engine::Effect& effect : EveryEffect()) {
    capnp::MallocMessageBuilder message;
    auto event = message.initRoot<schema::Event>();
    EncodeEffect(effect, kFormatAdlCommitment, event);
    EXPECT_FALSE(IsInput(event.asReader()));
    auto decoded = DecodeEffect(event.asReader());
    ASSERT_OK(decoded);
    EXPECT_TRUE(*decoded == effect) << "variant index " << effect.index();
    EXPECT_EQ(EffectBytes(*decoded), CanonicalBytes(event.asReader())) << effect.index();
    EXPECT_TRUE(DecodeInput(event.asReader()).status().IsInvalidArgument()) << effect.index();
  }
}

TEST(EventCodecTest, EveryInputDecodesToWhatWasEncodedAndReencodesToTheSameBytes) {
  const CommandOrigin origin{"desk-1", "client-a", kMaxU64};
  for (const engine::Input& input : EveryInput()) {
    capnp::MallocMessageBuilder message;
    auto event = message.initRoot<schema::Event>();
    EncodeInput(input, event);
    EncodeOrigin(origin, event);
    EXPECT_TRUE(IsInput(event.asReader()));
    auto decoded = DecodeInput(event.asReader());
    ASSERT_OK(decoded);
    EXPECT_TRUE(*decoded == input) << "variant index " << input.index();
    auto decoded_origin = DecodeOrigin(event.asReader());
    ASSERT_OK(decoded_origin);
    ASSERT_TRUE(decoded_origin->has_value());
    EXPECT_EQ(**decoded_origin, origin);
    EXPECT_EQ(InputBytes(*decoded, &origin), CanonicalBytes(event.asReader())) << input.index();
    EXPECT_TRUE(DecodeEffect(event.asReader()).status().IsInvalidArgument()) << input.index();
  }
}

// EncodeEnvelope writes the envelope around the event's canonical words by hand: the bytes
// must be capnp's canonical form of the whole Envelope, for every input and effect type.
TEST(EventCodecTest, EnvelopesAreWhatCapnpCanonicalizeWrites) {
  const CommandOrigin origin{"desk-1", "client-a", kMaxU64};
  KeyId key_id{};
  for (size_t i = 0; i < key_id.size(); ++i) key_id[i] = static_cast<uint8_t>(0xa0 + i);
  uint64_t checked = 0;
  const auto check = [&](const std::function<void(schema::Event::Builder)>& fill) {
    capnp::MallocMessageBuilder event_message;
    auto event = event_message.initRoot<schema::Event>();
    fill(event);
    const SequenceNumber seq{kMaxU64 - checked};
    const int64_t time_ns = checked % 2 == 0 ? kMin : 0;  // A zero timeNs is not truncated.
    capnp::MallocMessageBuilder message;
    auto envelope = message.initRoot<schema::Envelope>();
    envelope.setSeq(seq.value());
    envelope.setTimeNs(time_ns);
    envelope.setKeyId(capnp::Data::Reader(key_id.data(), key_id.size()));
    envelope.setGroup(1);
    envelope.setEvent(event.asReader());
    std::vector<uint8_t> encoded;
    EXPECT_OK(EncodeEnvelope(seq, time_ns, key_id, SequenceNumber{1}, event.asReader(), &encoded));
    EXPECT_EQ(encoded, CanonicalBytes(envelope.asReader())) << "event " << checked;
    ++checked;
  };
  for (const engine::Input& input : EveryInput()) {
    check([&](schema::Event::Builder event) {
      EncodeInput(input, event);
      EncodeOrigin(origin, event);
    });
    check([&](schema::Event::Builder event) { EncodeInput(input, event); });
  }
  for (const engine::Effect& effect : EveryEffect()) {
    check([&](schema::Event::Builder event) { EncodeEffect(effect, kFormatAdlCommitment, event); });
  }
  EXPECT_EQ(checked, 2 * EveryInput().size() + EveryEffect().size());
}

// Decodes every record of a fixture log and re-encodes it; returns the effect types seen.
std::set<size_t> RoundTripFixture(const std::string& name) {
  testing::TempDir dir;
  std::filesystem::copy(std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures/" + name, dir.path(),
                        std::filesystem::copy_options::recursive);
  LogOptions read_only;
  read_only.read_only = true;
  auto log = EventLog::Open(dir.Sub("log"), read_only);
  EXPECT_OK(log);
  if (!log.ok()) return {};
  std::set<size_t> effect_types;
  size_t records = 0;
  for (auto it = (*log)->NewIterator(SequenceNumber{1}, SequenceNumber{0}); it->Valid();
       it->Next()) {
    auto record = DecodeRecord(it->value());
    EXPECT_OK(record);
    if (!record.ok()) break;
    ++records;
    const schema::Event::Reader event = record->event();
    std::vector<uint8_t> again;
    if (IsInput(event)) {
      auto input = DecodeInput(event);
      auto origin = DecodeOrigin(event);
      EXPECT_OK(input);
      EXPECT_OK(origin);
      if (!input.ok() || !origin.ok()) continue;
      again = InputBytes(*input, origin->has_value() ? &**origin : nullptr);
    } else {
      auto effect = DecodeEffect(event);
      EXPECT_OK(effect);
      if (!effect.ok()) continue;
      effect_types.insert(effect->index());
      again = EffectBytes(*effect, (*log)->format_version());
    }
    EXPECT_EQ(again, CanonicalBytes(event)) << name << " seq " << record->seq();
    std::vector<uint8_t> envelope;
    EXPECT_OK(EncodeEnvelope(record->seq(), record->time_ns(), record->key_id(), record->group(),
                             event, &envelope));
    const auto logged = record->envelope_bytes();
    EXPECT_EQ(envelope, std::vector<uint8_t>(logged.begin(), logged.end()))
        << name << " seq " << record->seq();
  }
  EXPECT_EQ(records, (*log)->head_seq().value()) << name;
  return effect_types;
}

TEST(EventCodecTest, EveryRecordOfTheFormatOneTwoAndThreeFixturesReencodesToItsLoggedBytes) {
  for (const char* name : {"v1-crash-demo", "v2-crash-demo", "v3-crash-demo"}) {
    const std::set<size_t> seen = RoundTripFixture(name);
    // The crash demo reaches liquidation, the fund and ADL, not only orders and fills.
    for (const engine::Effect& kind :
         {engine::Effect(engine::Liquidation{}), engine::Effect(engine::AdlQueue{}),
          engine::Effect(engine::AdlReduction{}), engine::Effect(engine::Fill{})}) {
      EXPECT_TRUE(seen.count(kind.index())) << name << " lacks effect type " << kind.index();
    }
  }
}

TEST(EventCodecTest, AReasonCodeWiderThanTheEngineEnumIsCorruptionNotACast) {
  capnp::MallocMessageBuilder message;
  auto cancelled = message.initRoot<schema::Event>().initOrderCancelled();
  cancelled.setReason(256 + 1);  // Would read as kIocRemainder if narrowed silently.
  auto decoded = DecodeEffect(message.getRoot<schema::Event>().asReader());
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(decoded.status().IsCorruption()) << decoded.status().ToString();
  EXPECT_NE(decoded.status().detail().find("257"), std::string::npos);
}

TEST(EventCodecTest, AnEnumWiderThanTheEngineEnumIsCorruptionBothForInputsAndEffects) {
  capnp::MallocMessageBuilder input_message;
  input_message.initRoot<schema::Event>().initOrderPlaced().setSide(static_cast<schema::Side>(256));
  EXPECT_TRUE(
      DecodeInput(input_message.getRoot<schema::Event>().asReader()).status().IsCorruption());
  capnp::MallocMessageBuilder effect_message;
  effect_message.initRoot<schema::Event>().initFill().setTakerSide(static_cast<schema::Side>(300));
  EXPECT_TRUE(
      DecodeEffect(effect_message.getRoot<schema::Event>().asReader()).status().IsCorruption());
}

TEST(EventCodecTest, AnUnknownEnumValueInsideTheWidthPassesThroughForTheEngineToRefuse) {
  engine::PlaceOrder order;
  order.side = static_cast<engine::Side>(200);
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<schema::Event>();
  EncodeInput(order, event);
  auto decoded = DecodeInput(event.asReader());
  ASSERT_OK(decoded);
  EXPECT_EQ(static_cast<int>(std::get<engine::PlaceOrder>(*decoded).side), 200);
}

TEST(EventCodecTest, DecimalsOutsideTheSchemasByteAreRefusedBeforeEncoding) {
  engine::MarketSpec spec = Spec();
  EXPECT_OK(CheckEncodable(engine::ListMarket{spec}));
  spec.lot_decimals = 256;  // Would be logged as 0 if narrowed silently.
  EXPECT_TRUE(CheckEncodable(engine::ListMarket{spec}).IsInvalidArgument());
  spec.lot_decimals = 0;
  spec.quote_decimals = -1;
  const base::Status status = CheckEncodable(engine::ChangeMarket{spec});
  EXPECT_TRUE(status.IsInvalidArgument());
  EXPECT_EQ(status.context(), "quote_decimals");
  EXPECT_OK(
      CheckEncodable(engine::Deposit{engine::AccountId{1}, engine::AssetId{1}, engine::Money{1}}));
}

// The names a field table lists, in order, and the schema struct's fields in snake_case.
template <typename E, typename Schema>
void ExpectTableFollowsSchema(std::vector<std::string> left_out) {
  std::vector<std::string> table;
  E event{};
  ForEachField(event, [&](const auto& field, const auto&) { table.push_back(field.name); });
  std::vector<std::string> schema;
  for (const auto field : capnp::Schema::from<Schema>().getFields()) {
    const std::string name = SnakeCase(field.getProto().getName().cStr());
    if (std::find(left_out.begin(), left_out.end(), name) == left_out.end()) {
      schema.push_back(name);
    }
  }
  EXPECT_EQ(table, schema) << "a field added to the schema goes into its field table too";
}

TEST(EventFieldsTest, EachTableListsItsSchemaStructsFieldsInSchemaOrder) {
  // Format 3's nested score inputs and the ranking hash are not row columns: `adl explain`
  // shows them (docs/QUERIES.md), and the index does not hold them.
  ExpectTableFollowsSchema<engine::AdlReduction, schema::AdlReduction>({"score_inputs"});
  ExpectTableFollowsSchema<engine::Liquidation, schema::Liquidation>({});
  ExpectTableFollowsSchema<engine::InsuranceFundCredit, schema::InsuranceFundCredit>({});
  ExpectTableFollowsSchema<engine::InsuranceFundDraw, schema::InsuranceFundDraw>({});
  ExpectTableFollowsSchema<engine::AdlQueueEntry, schema::AdlQueueEntry>({});
  ExpectTableFollowsSchema<engine::AdlQueue, schema::AdlQueue>({"top", "ranking_sha256"});
}

TEST(EventFieldsTest, EnumsAreNamedAsTheSchemaNamesThem) {
  EXPECT_EQ(EnumName(engine::CreditReason::kLiquidationSurplus), "liquidation_surplus");
  EXPECT_EQ(EnumName(engine::CreditReason::kTopUp), "top_up");
  EXPECT_EQ(EnumName(engine::AdlPolicy::kBinanceLeveragePnl), "binance_leverage_pnl");
  EXPECT_EQ(EnumName(engine::Side::kSell), "sell");
  EXPECT_EQ(EnumName(engine::LiquidationPhase::kB), "b");
  EXPECT_EQ(EnumName(static_cast<engine::Side>(9)), "9");
}

}  // namespace
}  // namespace ledger
