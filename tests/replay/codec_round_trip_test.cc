// The codec both ways over what the engine really emits (ledger/event_codec.h), and the
// sequencer's refusal of an input the log could not record as given.
//
// Goal and method: a sequencer ingests 20,000 inputs of the seeded engine stream (orders,
// cancels, marks, funding, liquidations, ADL); then every record of the log is decoded into the
// engine's struct and encoded again, and the canonical bytes must equal the logged ones.
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <set>
#include <vector>

#include "ledger/event_codec.h"
#include "tests/engine/engine_test_util.h"
#include "tests/replay/replay_test_util.h"

namespace replay::testing {
namespace {

std::vector<uint8_t> Bytes(ledger::schema::Event::Reader event) {
  const kj::Array<capnp::word> words = capnp::canonicalize(event);
  return {words.asBytes().begin(), words.asBytes().end()};
}

class CodecRoundTripTest : public ReplayTest {};

TEST_F(CodecRoundTripTest, EveryRecordOfASeededStreamReencodesToItsLoggedBytes) {
  OpenSequencer();
  Feed(20'000);
  CloseSequencer();
  auto log = ReadOnlyLog();
  std::set<size_t> effect_types;
  uint64_t records = 0;
  for (auto it = log->NewIterator(ledger::SequenceNumber{1}, ledger::SequenceNumber{0});
       it->Valid(); it->Next()) {
    auto record = ledger::DecodeRecord(it->value());
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    ++records;
    const auto event = record->event();
    capnp::MallocMessageBuilder message;
    auto again = message.initRoot<ledger::schema::Event>();
    if (ledger::IsInput(event)) {
      auto input = ledger::DecodeInput(event);
      ASSERT_TRUE(input.ok()) << record->seq() << ": " << input.status().ToString();
      ledger::EncodeInput(*input, again);
    } else {
      auto effect = ledger::DecodeEffect(event);
      ASSERT_TRUE(effect.ok()) << record->seq() << ": " << effect.status().ToString();
      effect_types.insert(effect->index());
      ledger::EncodeEffect(*effect, log->format_version(), again);
    }
    ASSERT_EQ(Bytes(again.asReader()), Bytes(event)) << "seq " << record->seq();
  }
  EXPECT_EQ(records, log->head_seq().value());
  // The stream reaches most effect types (SocializedLoss is an engine fault by rule 10).
  EXPECT_GE(effect_types.size(), 10u);
}

TEST_F(CodecRoundTripTest, TheSequencerRefusesDecimalsTheSchemaCannotHoldBeforeTheEngine) {
  OpenSequencer();
  engine::MarketSpec spec = engine::testing::PlainSpec();
  spec.lot_decimals = 256;  // The schema's UInt8 would log 0 while the engine saw 256.
  auto submitted = sequencer_->Submit(engine::ListMarket{spec});
  ASSERT_FALSE(submitted.ok());
  EXPECT_TRUE(submitted.status().IsInvalidArgument()) << submitted.status().ToString();
  EXPECT_EQ(sequencer_->log().head_seq(), ledger::SequenceNumber{0});
  // Nothing was applied, and the sequencer goes on.
  spec.lot_decimals = 3;
  auto listed = sequencer_->Submit(engine::ListMarket{spec});
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_FALSE(listed->refused);
}

}  // namespace
}  // namespace replay::testing
