// Idempotent commands: a command is named by (principal, clientId, clientSeq), recorded in its
// logged input; a resend gets the original answer and is never applied twice, whether the
// original is still in flight, durable, or from before a restart; the same name on a different
// command is refused.
//
// Goal and method: the in-process server of server_test_util.h; sends and resends deposits and
// compares answers, the log head and the records' origins.

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "ledger/event_codec.h"
#include "ledger/event_log.h"
#include "tests/server/server_test_util.h"

namespace server::testing {
namespace {

class IdempotencyTest : public ServerTest {
 protected:
  void SetUp() override {
    StartServer();
    SetUpVenue();
  }
  Answer Send(Client& client, std::string_view client_id, uint64_t client_seq, int64_t amount) {
    EXPECT_OK(client.SendCommand(
        client_seq, client_id, client_seq,
        engine::Deposit{engine::AccountId{1}, engine::AssetId{1}, engine::Money{amount}}));
    auto answer = client.Receive();
    EXPECT_OK(answer);
    return answer.ok() ? *answer : Answer{};
  }
  uint64_t Head() const { return server_->sequencer().log().head_seq().value(); }
  // Deposits of 1 into account 1 numbered 1..`count` under `client_id`, 64 in flight; the
  // first seq each was answered with, by number.
  std::map<uint64_t, uint64_t> SendDeposits(const std::string& client_id, uint64_t count) {
    std::map<uint64_t, uint64_t> seqs;
    auto alice = Connect("alice");
    EXPECT_OK(alice);
    if (!alice.ok()) return seqs;
    for (uint64_t sent = 0, answered = 0; answered < count; ++answered) {
      std::vector<CommandRequest> batch;
      for (uint64_t n = sent + 1; n <= count && n - answered <= 64; ++n) {
        batch.push_back(
            {n, client_id, n,
             engine::Deposit{engine::AccountId{1}, engine::AssetId{1}, engine::Money{1}}});
      }
      if (!batch.empty()) EXPECT_OK((*alice)->SendCommands(batch));
      sent += batch.size();
      auto answer = (*alice)->Receive();
      EXPECT_OK(answer);
      if (!answer.ok()) break;
      EXPECT_EQ(answer->kind, Answer::Kind::kAccepted) << answer->reason << answer->detail;
      seqs[answer->id] = answer->first_seq;
    }
    return seqs;
  }
};

TEST_F(IdempotencyTest, AResendGetsTheOriginalAnswer) {
  auto alice = Connect("alice");
  ASSERT_OK(alice);
  const Answer first = Send(**alice, "desk", 7, 100);
  ASSERT_EQ(first.kind, Answer::Kind::kAccepted);
  const uint64_t head = Head();
  auto again = Connect("alice");  // A new connection, as after a network failure.
  ASSERT_OK(again);
  const Answer second = Send(**again, "desk", 7, 100);
  EXPECT_EQ(second.kind, Answer::Kind::kAccepted);
  EXPECT_EQ(second.first_seq, first.first_seq);
  EXPECT_EQ(second.records, first.records);
  EXPECT_EQ(Head(), head);
  ASSERT_OK(StopServer());
  auto input = server_->sequencer().log().Read(ledger::SequenceNumber{first.first_seq});
  ASSERT_OK(input);
  auto origin = ledger::DecodeOrigin(input->event());
  ASSERT_OK(origin);
  ASSERT_TRUE(origin->has_value());
  EXPECT_EQ(**origin, (ledger::CommandOrigin{"alice", "desk", 7}));
}

TEST_F(IdempotencyTest, AResendAfterARestartGetsTheOriginalAnswer) {
  auto alice = Connect("alice");
  ASSERT_OK(alice);
  const Answer first = Send(**alice, "desk", 1, 100);
  alice->reset();
  ASSERT_OK(StopServer());
  const uint64_t head = Head();
  server_.reset();
  StartServer();
  auto again = Connect("alice");
  ASSERT_OK(again);
  const Answer second = Send(**again, "desk", 1, 100);
  EXPECT_EQ(second.records, first.records);
  ASSERT_OK(StopServer());
  EXPECT_EQ(Head(), head);
}

// Right after a restart the server loads the origins the log holds into its filter on a
// thread of its own, and answers resends from the log meanwhile: 20,000 commands, a restart,
// then all of them again at once followed by 100 new ones. Each resend hears its original
// seq, nothing is applied twice, the new ones are applied.
TEST_F(IdempotencyTest, ResendsRightAfterARestartGetTheirOriginalAnswers) {
  constexpr uint64_t kCommands = 20000;
  const std::map<uint64_t, uint64_t> first = SendDeposits("restart", kCommands);
  ASSERT_EQ(first.size(), kCommands);
  ASSERT_OK(StopServer());
  const uint64_t head = Head();
  server_.reset();
  StartServer();
  const std::map<uint64_t, uint64_t> again = SendDeposits("restart", kCommands + 100);
  ASSERT_EQ(again.size(), kCommands + 100);
  for (const auto& [number, seq] : first) EXPECT_EQ(again.at(number), seq) << number;
  EXPECT_EQ(again.at(kCommands + 1), head + 1);
  ASSERT_OK(StopServer());
  EXPECT_EQ(Head(), head + 100);
}

TEST_F(IdempotencyTest, ResendsWhileTheOriginalIsInFlightShareItsAnswer) {
  auto alice = Connect("alice");
  auto other = Connect("alice");
  ASSERT_OK(alice);
  ASSERT_OK(other);
  const uint64_t head = Head();
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK((*alice)->SendCommand(
        i, "burst", 1,
        engine::Deposit{engine::AccountId{1}, engine::AssetId{1}, engine::Money{5}}));
    ASSERT_OK((*other)->SendCommand(
        i, "burst", 1,
        engine::Deposit{engine::AccountId{1}, engine::AssetId{1}, engine::Money{5}}));
  }
  std::vector<Answer> answers;
  for (int i = 0; i < 3; ++i) {
    for (auto* client : {&*alice, &*other}) {
      auto answer = (*client)->Receive();
      ASSERT_OK(answer);
      answers.push_back(*answer);
    }
  }
  for (const Answer& answer : answers) {
    EXPECT_EQ(answer.kind, Answer::Kind::kAccepted);
    EXPECT_EQ(answer.records, answers[0].records);
  }
  EXPECT_EQ(Head(), head + 1);  // One deposit, no effects.
}

TEST_F(IdempotencyTest, TheSameNumbersOnAnotherCommandAreRefused) {
  auto alice = Connect("alice");
  ASSERT_OK(alice);
  ASSERT_EQ(Send(**alice, "desk", 3, 100).kind, Answer::Kind::kAccepted);
  const uint64_t head = Head();
  const Answer reused = Send(**alice, "desk", 3, 101);
  EXPECT_EQ(reused.kind, Answer::Kind::kRefused);
  EXPECT_EQ(reused.reason, "clientSeqReused");
  EXPECT_EQ(Head(), head);
}

TEST_F(IdempotencyTest, NumbersBelongToTheirPrincipal) {
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  ASSERT_OK(alice);
  ASSERT_OK(bob);
  EXPECT_EQ(Send(**alice, "desk", 1, 100).kind, Answer::Kind::kAccepted);
  ASSERT_OK((*bob)->SendCommand(
      1, "desk", 1, engine::Deposit{engine::AccountId{3}, engine::AssetId{1}, engine::Money{100}}));
  auto answer = (*bob)->Receive();
  ASSERT_OK(answer);
  EXPECT_EQ(answer->kind, Answer::Kind::kAccepted);
}

TEST_F(IdempotencyTest, ReindexKeepsResendsAnswered) {
  auto alice = Connect("alice");
  ASSERT_OK(alice);
  const Answer first = Send(**alice, "desk", 9, 100);
  alice->reset();
  ASSERT_OK(StopServer());
  server_.reset();
  {
    ledger::LogOptions options;
    options.signing_key = key_;
    options.clock = ledger::RealTimeNs;
    auto log = ledger::EventLog::Open(data_.log, std::move(options));
    ASSERT_OK(log);
    ASSERT_OK((*log)->RebuildIndexes({}));
    auto check = (*log)->CheckIndexes();
    ASSERT_OK(check);
    EXPECT_EQ(*check, "");
  }
  StartServer();
  auto again = Connect("alice");
  ASSERT_OK(again);
  EXPECT_EQ(Send(**again, "desk", 9, 100).records, first.records);
}

}  // namespace
}  // namespace server::testing
