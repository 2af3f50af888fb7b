// codec_bench: the writer's encoding of one record (EncodeEnvelope, then EncodeRecord) beside
// the way it was done before 2026-12-07 night, which is still what defines the bytes: build the
// Envelope and the Record with capnp builders and capnp::canonicalize each. Same events, same
// bytes (checked once before timing); see README.md.
// Usage: codec_bench [Google Benchmark flags]
#include <benchmark/benchmark.h>
#include <capnp/message.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "ledger/event_codec.h"
#include "ledger/record.h"

namespace {

using ledger::SequenceNumber;

// An order as the gateway logs it (with its origin), or its acceptance.
void FillEvent(bool input, ledger::schema::Event::Builder event) {
  const engine::AccountId account{42};
  const engine::OrderId order{7};
  if (input) {
    ledger::EncodeInput(engine::PlaceOrder{account, engine::MarketId{1}, order, engine::Side::kBuy,
                                           engine::OrderType::kLimit, engine::TimeInForce::kGtc,
                                           false, engine::Price{30000000}, engine::Quantity{1}},
                        event);
    ledger::EncodeOrigin({"trader", "load-1234-5", 987654}, event);
  } else {
    ledger::EncodeEffect(engine::OrderAccepted{account, order}, ledger::kFormatAdlCommitment,
                         event);
  }
}

struct Record {
  ledger::KeyId key_id{};
  ledger::Hash prev{};
  ledger::Hash hash{};
};

void EncodeDirect(const Record& r, ledger::schema::Event::Reader event,
                  std::vector<uint8_t>* envelope, std::vector<uint8_t>* value) {
  if (!ledger::EncodeEnvelope(SequenceNumber{1000}, 1700000000000000000, r.key_id,
                              SequenceNumber{999}, event, envelope)
           .ok()) {
    std::abort();
  }
  ledger::EncodeRecord(r.prev, r.hash, nullptr, *envelope, value);
}

// As the encoders were: each builder's first segment a reused, zeroed scratch of 1024 words.
void EncodeViaCanonicalize(const Record& r, ledger::schema::Event::Reader event,
                           std::vector<uint8_t>* envelope, std::vector<uint8_t>* value) {
  static std::vector<capnp::word> envelope_scratch(1024);
  static std::vector<capnp::word> record_scratch(1024);
  capnp::MallocMessageBuilder envelope_message(
      kj::arrayPtr(envelope_scratch.data(), envelope_scratch.size()));
  auto e = envelope_message.initRoot<ledger::schema::Envelope>();
  e.setSeq(1000);
  e.setTimeNs(1700000000000000000);
  e.setKeyId(capnp::Data::Reader(r.key_id.data(), r.key_id.size()));
  e.setGroup(999);
  e.setEvent(event);
  const auto envelope_words = capnp::canonicalize(e.asReader());
  envelope->assign(envelope_words.asBytes().begin(), envelope_words.asBytes().end());
  capnp::MallocMessageBuilder record_message(
      kj::arrayPtr(record_scratch.data(), record_scratch.size()));
  auto record = record_message.initRoot<ledger::schema::Record>();
  record.setPrevHash(capnp::Data::Reader(r.prev.data(), r.prev.size()));
  record.setHash(capnp::Data::Reader(r.hash.data(), r.hash.size()));
  record.setEnvelope(capnp::Data::Reader(envelope->data(), envelope->size()));
  const auto record_words = capnp::canonicalize(record.asReader());
  value->assign(record_words.asBytes().begin(), record_words.asBytes().end());
}

template <auto Encode>
void BM_Encode(benchmark::State& state) {
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<ledger::schema::Event>();
  FillEvent(state.range(0) == 1, event);
  Record r;
  r.key_id[0] = 1;
  r.prev[0] = 2;
  r.hash[0] = 3;
  std::vector<uint8_t> envelope;
  std::vector<uint8_t> value;
  std::vector<uint8_t> expected_envelope;
  std::vector<uint8_t> expected_value;
  EncodeViaCanonicalize(r, event.asReader(), &expected_envelope, &expected_value);
  Encode(r, event.asReader(), &envelope, &value);
  if (envelope != expected_envelope || value != expected_value) {
    state.SkipWithError("the bytes differ from capnp::canonicalize's");
    return;
  }
  for (auto _ : state) {
    Encode(r, event.asReader(), &envelope, &value);
    benchmark::DoNotOptimize(value.data());
  }
  state.SetLabel(state.range(0) == 1 ? "placeOrder input with origin" : "orderAccepted");
}

BENCHMARK(BM_Encode<EncodeDirect>)->Arg(1)->Arg(0);
BENCHMARK(BM_Encode<EncodeViaCanonicalize>)->Arg(1)->Arg(0);

}  // namespace

BENCHMARK_MAIN();
