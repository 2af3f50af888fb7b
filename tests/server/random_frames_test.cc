// 10,000 random and mutated frames against a live server: every one is refused (or, for a
// checkpoint request, answered read-only), a malformed one closes only its own connection, a
// well-behaved trader keeps being served meanwhile, and nothing the fuzzer sent reaches the
// engine or the log.
//
// Goal and method: frames come from a trader with no account ("fuzz"), so no command it can
// send is allowed; they are mutations (flipped, inserted, dropped bytes, truncation, random
// lengths) of valid frames of every request kind, plus random bytes, each sent with a header
// that announces its true length (or one over the limit), one at a time, reconnecting after
// each close. Meanwhile alice deposits. Afterwards every input logged after the set-up is
// alice's, and the head is the set-up plus her deposits. Seeded by --gtest_random_seed.

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "ledger/event_codec.h"
#include "ledger/event_log.h"
#include "server/internal/frame.h"
#include "tests/server/server_test_util.h"

namespace server::testing {
namespace {

constexpr int kFrames = 10000;

std::vector<std::string> BaseFrames() {
  using internal::CommandFrame;
  engine::PlaceOrder order{engine::AccountId{1},
                           engine::MarketId{1},
                           engine::OrderId{9},
                           engine::Side::kBuy,
                           engine::OrderType::kLimit,
                           engine::TimeInForce::kGtc,
                           false,
                           engine::Price{60000000},
                           engine::Quantity{5}};
  return {CommandFrame(1, "f", 1, order),
          CommandFrame(2, "f", 2,
                       engine::Deposit{engine::AccountId{1}, engine::AssetId{1}, engine::Money{5}}),
          CommandFrame(3, "f", 3, engine::CancelOrder{engine::AccountId{1}, engine::OrderId{9}}),
          CommandFrame(4, "f", 4, TestMarket()),
          CommandFrame(5, "f", 5,
                       engine::SetMark{engine::MarketId{1}, engine::Price{1}, engine::Price{1}}),
          CommandFrame(6, "f", 6, engine::FundingTick{engine::MarketId{1}, 100}),
          internal::SnapshotRequestFrame(7),
          internal::CheckpointRequestFrame(8),
          internal::StreamRequestFrame(9, 1)};
}

// A mutated body (without its header).
std::string Mutate(const std::vector<std::string>& bases, std::mt19937_64& random) {
  std::string body = bases[random() % bases.size()].substr(internal::kFrameHeaderBytes);
  const int kind = static_cast<int>(random() % 6);
  if (kind == 5) {  // Random bytes, a whole number of words or not.
    body.assign(1 + random() % 200, '\0');
    for (char& c : body) c = static_cast<char>(random());
    return body;
  }
  const int edits = 1 + static_cast<int>(random() % 4);
  for (int i = 0; i < edits && !body.empty(); ++i) {
    const size_t at = random() % body.size();
    if (kind <= 2) body[at] = static_cast<char>(body[at] ^ (1 << (random() % 8)));
    if (kind == 3) body.insert(at, 8, static_cast<char>(random()));
    if (kind == 4) body.resize(at);
  }
  return body;
}

class RandomFramesTest : public ServerTest {};

TEST_F(RandomFramesTest, EveryFrameIsRefusedAndTheEngineNeverSeesOne) {
  StartServer();
  SetUpVenue();
  const uint64_t head_before = server_->sequencer().log().head_seq().value();
  const auto seed = static_cast<uint64_t>(::testing::UnitTest::GetInstance()->random_seed());
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::atomic<bool> done{false};
  int deposits = 0;
  std::thread trader([&] {
    auto alice = Connect("alice");
    ASSERT_OK(alice);
    while (!done.load()) {
      ++deposits;
      ASSERT_OK((*alice)->SendCommand(
          deposits, "meanwhile", deposits,
          engine::Deposit{engine::AccountId{1}, engine::AssetId{1}, engine::Money{1}}));
      auto answer = (*alice)->Receive();
      ASSERT_OK(answer);
      ASSERT_EQ(answer->kind, Answer::Kind::kAccepted);
    }
  });
  std::mt19937_64 random(seed);
  const std::vector<std::string> bases = BaseFrames();
  std::unique_ptr<Client> fuzz;
  int closed = 0;
  for (int i = 0; i < kFrames; ++i) {
    if (fuzz == nullptr) {
      auto connected = Connect("fuzz");
      ASSERT_OK(connected);
      fuzz = std::move(*connected);
    }
    const std::string body = Mutate(bases, random);
    uint32_t length = static_cast<uint32_t>(body.size());
    if (random() % 50 == 0) length = internal::kMaxRequestBytes + 1 + random() % 1000;
    std::string frame(4, '\0');
    for (int b = 0; b < 4; ++b) frame[b] = static_cast<char>(length >> (8 * b));
    frame += body;
    ASSERT_OK(fuzz->SendRaw({reinterpret_cast<const uint8_t*>(frame.data()), frame.size()}));
    auto answer = fuzz->Receive();
    ASSERT_OK(answer);
    ASSERT_TRUE(answer->kind == Answer::Kind::kRefused || answer->kind == Answer::Kind::kCheckpoint)
        << "frame " << i << " was answered " << AnswerKindName(answer->kind);
    if (answer->reason == "malformed") {
      EXPECT_FALSE(fuzz->Receive().ok());  // Closed after the reason.
      fuzz.reset();
      ++closed;
    }
  }
  done.store(true);
  trader.join();
  ASSERT_OK(StopServer());
  EXPECT_GT(closed, 100);  // Both kinds happened.
  EXPECT_LT(closed, kFrames - 100);
  const ledger::EventLog& log = server_->sequencer().log();
  EXPECT_EQ(log.head_seq().value(),
            head_before + static_cast<uint64_t>(deposits));  // One record each.
  for (uint64_t seq = head_before + 1; ledger::SequenceNumber{seq} <= log.head_seq(); ++seq) {
    auto record = log.Read(ledger::SequenceNumber{seq});
    ASSERT_OK(record);
    auto origin = ledger::DecodeOrigin(record->event());
    ASSERT_OK(origin);
    ASSERT_TRUE(origin->has_value()) << "seq " << seq;
    EXPECT_EQ((*origin)->principal, "alice") << "seq " << seq;
  }
}

}  // namespace
}  // namespace server::testing
