// The gateway over real TLS on loopback: answers equal what the log holds; every refusal
// (no certificate, unknown certificate, another CA, wrong role, someone else's account,
// malformed frames) is answered or closed with a reason and never reaches the engine.
//
// Goal and method: each test starts `backstop serve`'s Server in-process on a fresh log with
// certificates made by openssl for the suite, talks to it through server::Client, and checks
// the answers against the log (read through the ledger API) and the engine's state hash
// (taken after Run returns).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>

#include "ledger/event_log.h"
#include "ledger/record.h"
#include "server/internal/frame.h"
#include "tests/server/server_test_util.h"

namespace server::testing {
namespace {

class GatewayTest : public ServerTest {};

// Every record an answer carries is the stored record of that seq, byte for byte.
void ExpectAnswerInLog(const ledger::EventLog& log, const Answer& answer) {
  ASSERT_EQ(answer.records.size(), answer.last_seq - answer.first_seq + 1);
  for (uint64_t seq = answer.first_seq; seq <= answer.last_seq; ++seq) {
    auto record = log.Read(ledger::SequenceNumber{seq});
    ASSERT_OK(record);
    const auto bytes = record->record_bytes();
    EXPECT_EQ(answer.records[seq - answer.first_seq],
              std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()))
        << "seq " << seq;
  }
}

TEST_F(GatewayTest, AnswersCarryTheDurableGroupAsTheLogHoldsIt) {
  StartServer();
  SetUpVenue();
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  ASSERT_OK(alice);
  ASSERT_OK(bob);
  engine::PlaceOrder sell{engine::AccountId{3},
                          engine::MarketId{1},
                          engine::OrderId{7},
                          engine::Side::kSell,
                          engine::OrderType::kLimit,
                          engine::TimeInForce::kGtc,
                          false,
                          engine::Price{60000000},
                          engine::Quantity{5}};
  const Answer resting = Call(**bob, 2, sell);
  engine::PlaceOrder buy{engine::AccountId{1},
                         engine::MarketId{1},
                         engine::OrderId{9},
                         engine::Side::kBuy,
                         engine::OrderType::kLimit,
                         engine::TimeInForce::kIoc,
                         false,
                         engine::Price{60000000},
                         engine::Quantity{5}};
  const Answer filled = Call(**alice, 2, buy);
  engine::Withdraw too_much{engine::AccountId{1}, engine::AssetId{1},
                            engine::Money{999'000'000'000}};
  const Answer refused_by_engine = Call(**alice, 3, too_much);
  ASSERT_OK(StopServer());
  EXPECT_EQ(resting.kind, Answer::Kind::kAccepted);
  EXPECT_EQ(filled.kind, Answer::Kind::kAccepted);
  EXPECT_GT(filled.last_seq, filled.first_seq);  // Accepted, then a fill.
  EXPECT_EQ(refused_by_engine.kind, Answer::Kind::kRejected);
  EXPECT_NE(refused_by_engine.rejection, 0);
  const ledger::EventLog& log = server_->sequencer().log();
  for (const Answer* answer : {&resting, &filled, &refused_by_engine}) {
    ExpectAnswerInLog(log, *answer);
  }
  EXPECT_EQ(refused_by_engine.last_seq, log.head_seq().value());
  // The answer's reason code is the logged rejection's.
  auto rejected = log.Read(ledger::SequenceNumber{refused_by_engine.last_seq});
  ASSERT_OK(rejected);
  ASSERT_TRUE(rejected->event().isInputRejected());
  EXPECT_EQ(refused_by_engine.rejection, rejected->event().getInputRejected().getReason());
}

// Commands sent in one write are answered as if each had been sent alone, in the order of
// their seqs (a resend of one still in flight hears the original's answer).
TEST_F(GatewayTest, CommandsSentInOneWriteAreAnsweredInOrder) {
  StartServer();
  SetUpVenue();
  auto alice = Connect("alice");
  ASSERT_OK(alice);
  std::vector<CommandRequest> batch;
  for (uint64_t i = 0; i < 12; ++i) {
    batch.push_back({100 + i, "batch", 2 + i,
                     engine::PlaceOrder{engine::AccountId{1}, engine::MarketId{1},
                                        engine::OrderId{50 + i}, engine::Side::kBuy,
                                        engine::OrderType::kLimit, engine::TimeInForce::kGtc, false,
                                        engine::Price{30000000}, engine::Quantity{1}}});
  }
  CommandRequest resend = batch[3];
  resend.id = 200;
  batch.push_back(resend);
  ASSERT_OK((*alice)->SendCommands(batch));
  std::map<uint64_t, Answer> answers;
  uint64_t last_seq = 0;
  while (answers.size() < batch.size()) {
    auto answer = (*alice)->Receive();
    ASSERT_OK(answer);
    EXPECT_GE(answer->first_seq, last_seq) << answer->id;  // Never an earlier group's after.
    last_seq = answer->first_seq;
    answers[answer->id] = *answer;
  }
  ASSERT_OK(StopServer());
  const ledger::EventLog& log = server_->sequencer().log();
  for (size_t i = 0; i < batch.size(); ++i) {
    const Answer& answer = answers[batch[i].id];
    EXPECT_EQ(answer.kind, Answer::Kind::kAccepted) << i;
    ExpectAnswerInLog(log, answer);
    if (i > 0 && i < 12) {
      EXPECT_EQ(answer.first_seq, answers[batch[i - 1].id].last_seq + 1);
    }
  }
  EXPECT_EQ(answers[200].first_seq, answers[103].first_seq);
  EXPECT_EQ(answers[200].records, answers[103].records);
}

TEST_F(GatewayTest, CheckpointAndSnapshotRequests) {
  StartServer();
  SetUpVenue();
  auto audit = Connect("audit");
  ASSERT_OK(audit);
  ASSERT_OK((*audit)->SendCheckpointRequest(5));
  auto note = (*audit)->Receive();
  ASSERT_OK(note);
  EXPECT_EQ(note->kind, Answer::Kind::kCheckpoint);
  EXPECT_NE(note->checkpoint.find("backstop/"), std::string::npos);
  ASSERT_OK((*audit)->SendSnapshotRequest(6));
  auto refused = (*audit)->Receive();
  ASSERT_OK(refused);
  EXPECT_EQ(refused->reason, "wrongRole");
  auto ops = Connect("ops");
  ASSERT_OK(ops);
  ASSERT_OK((*ops)->SendSnapshotRequest(7));
  auto snapshot = (*ops)->Receive();
  ASSERT_OK(snapshot);
  EXPECT_EQ(snapshot->kind, Answer::Kind::kSnapshot);
  EXPECT_EQ(snapshot->snapshot_seq, 8u);  // 6 operator records + 2 deposits.
}

// Runs `refusals` against a venue already set up, then checks that the head and the engine's
// state are exactly as they were before.
class RefusalTest : public ServerTest {
 protected:
  void SetUp() override {
    StartServer();
    SetUpVenue();
    ASSERT_OK(StopServer());
    hash_before_ = StoppedStateHash();
    head_before_ = server_->sequencer().log().head_seq().value();
    server_.reset();
    StartServer();
  }
  void TearDown() override {
    ASSERT_OK(StopServer());
    EXPECT_EQ(server_->sequencer().log().head_seq().value(), head_before_);
    EXPECT_EQ(StoppedStateHash(), hash_before_);
  }
  Answer Refused(const std::string& name, const engine::Input& input) {
    auto client = Connect(name);
    EXPECT_OK(client);
    if (!client.ok()) return Answer{};
    return Call(**client, 1, input);
  }

  ledger::Hash hash_before_{};
  uint64_t head_before_ = 0;
};

TEST_F(RefusalTest, NoClientCertificate) {
  auto client = Connect("");
  if (!client.ok()) return;  // Refused during the handshake.
  // TLS 1.3: the client's side of the handshake completes before the server checks it.
  (*client)
      ->SendCommand(1, "test", 1,
                    engine::Deposit{engine::AccountId{1}, engine::AssetId{1}, engine::Money{5}})
      .PermitUnchecked();
  EXPECT_FALSE((*client)->Receive().ok());
}

TEST_F(RefusalTest, CertificateOfAnotherCa) {
  auto client = Connect("eve");
  if (!client.ok()) return;
  (*client)
      ->SendCommand(1, "test", 1,
                    engine::SetMark{engine::MarketId{1}, engine::Price{1}, engine::Price{1}})
      .PermitUnchecked();
  EXPECT_FALSE((*client)->Receive().ok());
}

TEST_F(RefusalTest, UnknownCertificate) {
  auto client = Connect("mallory");
  ASSERT_OK(client);
  auto answer = (*client)->Receive();
  ASSERT_OK(answer);
  EXPECT_EQ(answer->kind, Answer::Kind::kRefused);
  EXPECT_EQ(answer->reason, "unknownClient");
  EXPECT_FALSE((*client)->Receive().ok());  // Then closed.
}

TEST_F(RefusalTest, WrongRole) {
  EXPECT_EQ(
      Refused("audit", engine::Deposit{engine::AccountId{1}, engine::AssetId{1}, engine::Money{5}})
          .reason,
      "wrongRole");
  EXPECT_EQ(
      Refused("alice", engine::SetMark{engine::MarketId{1}, engine::Price{1}, engine::Price{1}})
          .reason,
      "wrongRole");
  EXPECT_EQ(Refused("alice", engine::OpenAccount{engine::AccountId{9}}).reason, "wrongRole");
  EXPECT_EQ(
      Refused("ops", engine::Deposit{engine::AccountId{1}, engine::AssetId{1}, engine::Money{5}})
          .reason,
      "wrongRole");
  EXPECT_EQ(Refused("ops", engine::RotateKey{"k", "p"}).reason, "wrongRole");
}

TEST_F(RefusalTest, TraderOnSomeoneElsesAccount) {
  EXPECT_EQ(
      Refused("alice", engine::Deposit{engine::AccountId{3}, engine::AssetId{1}, engine::Money{5}})
          .reason,
      "notYourAccount");
  EXPECT_EQ(Refused("bob", engine::CancelOrder{engine::AccountId{1}, engine::OrderId{1}}).reason,
            "notYourAccount");
  engine::PlaceOrder order{engine::AccountId{2},
                           engine::MarketId{1},
                           engine::OrderId{1},
                           engine::Side::kBuy,
                           engine::OrderType::kMarket,
                           engine::TimeInForce::kIoc,
                           false,
                           engine::Price{0},
                           engine::Quantity{1}};
  EXPECT_EQ(Refused("bob", order).reason, "notYourAccount");
}

TEST_F(RefusalTest, MalformedFrameClosesOnlyThatConnection) {
  auto bad = Connect("alice");
  auto good = Connect("bob");
  ASSERT_OK(bad);
  ASSERT_OK(good);
  const std::string garbage = std::string("\x10\x00\x00\x00", 4) + std::string(16, '\xff');
  ASSERT_OK((*bad)->SendRaw({reinterpret_cast<const uint8_t*>(garbage.data()), garbage.size()}));
  auto answer = (*bad)->Receive();
  ASSERT_OK(answer);
  EXPECT_EQ(answer->reason, "malformed");
  EXPECT_FALSE((*bad)->Receive().ok());
  // A command the engine refuses is logged; ask the auditor's question instead.
  ASSERT_OK((*good)->SendCheckpointRequest(3));
  auto note = (*good)->Receive();
  ASSERT_OK(note);
  EXPECT_EQ(note->kind, Answer::Kind::kCheckpoint);
}

TEST_F(RefusalTest, OversizedFrameIsRefused) {
  auto client = Connect("alice");
  ASSERT_OK(client);
  const std::string header("\xff\xff\xff\x7f", 4);
  ASSERT_OK((*client)->SendRaw({reinterpret_cast<const uint8_t*>(header.data()), 4}));
  auto answer = (*client)->Receive();
  ASSERT_OK(answer);
  EXPECT_EQ(answer->reason, "malformed");
  EXPECT_EQ(answer->detail,
            fmt::format("frame length 2147483647 is outside 1..{}", internal::kMaxRequestBytes));
}

TEST_F(RefusalTest, BadCommandInAWellFormedFrame) {
  auto client = Connect("alice");
  ASSERT_OK(client);
  ASSERT_OK((*client)->SendCommand(
      4, "", 1, engine::Deposit{engine::AccountId{1}, engine::AssetId{1}, engine::Money{5}}));
  auto answer = (*client)->Receive();
  ASSERT_OK(answer);
  EXPECT_EQ(answer->reason, "badCommand");
  EXPECT_EQ(answer->id, 4u);
  ASSERT_OK((*client)->SendCommand(
      5, "test", 0, engine::Deposit{engine::AccountId{1}, engine::AssetId{1}, engine::Money{5}}));
  answer = (*client)->Receive();
  ASSERT_OK(answer);
  EXPECT_EQ(answer->reason, "badCommand");
}

}  // namespace
}  // namespace server::testing
