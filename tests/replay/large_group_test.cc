// Issue #19 part 3: an input whose effects exceed one submission (ledger::kMaxGroupRecords) is
// logged over several group commits, acknowledged once the last is durable, and a crash between
// them is completed when the log next opens (docs/formats/event_log.md, "Groups larger than one
// submission"). The input: one mark tick that liquidates 25,000 one-lot longs at once, every
// one of them closed by ADL against the one short (an empty book and an empty fund).

#include <gtest/gtest.h>

#include <atomic>

#include "ledger/event_codec.h"
#include "replay/auditor.h"
#include "replay/recovery.h"
#include "replay_test_util.h"
#include "tests/engine/engine_test_util.h"

namespace replay::testing {
namespace {

using engine::testing::kMarket;
using engine::testing::kUsdt;

constexpr int kLongs = 25'000;
constexpr engine::AccountId kShort = engine::AccountId{1};
constexpr engine::AccountId kFirstLong = engine::AccountId{100};
const engine::SetMark kCrash{kMarket, engine::Price{8'000}, engine::Price{8'000}};

class LargeGroupTest : public ReplayTest {
 protected:
  // Invariant checks after every input cost O(accounts): quadratic over 25,000 accounts.
  LargeGroupTest() { engine_options_.verify_invariants = false; }

  void Submit(const engine::Input& input) {
    auto submitted = sequencer_->Submit(input);
    ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
    ASSERT_FALSE(submitted->refused) << submitted->range.first;
  }
  void Open(engine::AccountId account, engine::Money amount) {
    Submit(engine::OpenAccount{account});
    Submit(engine::Deposit{account, kUsdt, amount});
  }
  // The short rests kLongs lots at 10,000; each long takes one with 10.5% margin, so the
  // crash to 8,000 leaves every long bankrupt.
  void BuildCrowdedLongs() {
    Submit(engine::ListMarket{engine::testing::PlainSpec()});
    Submit(engine::SetMark{kMarket, engine::Price{10'000}, engine::Price{10'000}});
    Open(kShort, engine::Money{1'000'000'000'000});
    Submit(engine::PlaceOrder{kShort, kMarket, engine::OrderId{1}, engine::Side::kSell,
                              engine::OrderType::kLimit, engine::TimeInForce::kGtc, false,
                              engine::Price{10'000}, engine::Quantity{kLongs}});
    for (int i = 0; i < kLongs; ++i) {
      const engine::AccountId account{kFirstLong.value() + static_cast<uint64_t>(i)};
      Open(account, engine::Money{1'050});
      Submit(engine::PlaceOrder{account, kMarket, engine::OrderId{1}, engine::Side::kBuy,
                                engine::OrderType::kLimit, engine::TimeInForce::kIoc, false,
                                engine::Price{10'000}, engine::Quantity{1}});
    }
    ASSERT_OK(sequencer_->Flush());
  }
  ReplayOptions Quick() const {
    ReplayOptions options;
    options.engine_options = engine_options_;
    return options;
  }
  AuditReport RunAudit() {
    auto log = ReadOnlyLog();
    AuditOptions options;
    options.engine_options = engine_options_;
    auto report = Audit(*log, data_, Keyring(), options);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : AuditReport();
  }
};

TEST_F(LargeGroupTest, OneTickLiquidatingTwentyFiveThousandLongsIsLoggedWholeAndAudits) {
  OpenSequencer();
  BuildCrowdedLongs();
  std::atomic<int> acks{0};
  ledger::GroupRange acked;
  auto submitted = sequencer_->Submit(
      kCrash, [&](const base::Status& s, ledger::GroupRange r, ledger::GroupValues) {
        EXPECT_TRUE(s.ok()) << s.ToString();
        acked = r;
        acks.fetch_add(1);
      });
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  ASSERT_GT(submitted->effects, ledger::kMaxGroupRecords);
  EXPECT_EQ(submitted->range.last - submitted->range.first, submitted->effects);
  ASSERT_OK(sequencer_->Flush());
  EXPECT_EQ(acks.load(), 1);  // One acknowledgement, after the last submission,
  EXPECT_EQ(acked.first, submitted->range.first);  // of the whole group's range.
  EXPECT_EQ(acked.last, submitted->range.last);
  EXPECT_EQ(sequencer_->engine().Position(kFirstLong, kMarket).quantity, 0);
  EXPECT_EQ(sequencer_->engine().Position(kShort, kMarket).quantity, 0);
  const ledger::Hash state = HashOf(sequencer_->engine());

  // Every record of the group carries it, over several group commits.
  CloseSequencer();
  auto log = ReadOnlyLog();
  auto commits = log->CommitEnds(submitted->range.first, submitted->range.last);
  ASSERT_TRUE(commits.ok());
  EXPECT_GE(commits->size(), 2u);
  auto last = log->Read(submitted->range.last);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->group(), submitted->range.first);
  log.reset();

  const AuditReport report = RunAudit();
  EXPECT_TRUE(report.ok()) << report.findings.front().what;
  EXPECT_EQ(report.unfinished_group, ledger::SequenceNumber{0});
  EXPECT_EQ(report.head_seq, submitted->range.last);
  OpenSequencer();  // Recovery replays the group and finds it whole.
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();
  EXPECT_EQ(HashOf(sequencer_->engine()), state);
}

// A crash after the first submission of the tick: the log holds the input and the effects
// that fit one submission. Audit says so (not a finding); the next open logs the rest, and
// the state is the one the whole input gives.
TEST_F(LargeGroupTest, ACrashBetweenItsSubmissionsIsCompletedWhenTheLogOpens) {
  OpenSequencer();
  BuildCrowdedLongs();
  const int64_t time_ns = fake_time_ns_ += 1000;
  CloseSequencer();

  std::vector<engine::Effect> effects;
  {
    auto log = ReadOnlyLog();
    auto recovered = Recover(*log, data_, Keyring(), ledger::SequenceNumber{0}, nullptr, Quick());
    ASSERT_TRUE(recovered.ok());
    recovered->engine.Apply(kCrash, time_ns, &effects);
  }
  ASSERT_GT(effects.size(), ledger::kMaxGroupRecords);
  ledger::SequenceNumber input_seq{0};
  {
    ledger::LogOptions options;
    options.signing_key = key_;
    options.clock = [time_ns] { return time_ns; };
    auto log = ledger::EventLog::Open(data_.log, std::move(options));
    ASSERT_TRUE(log.ok());
    ledger::EventGroup first;
    ledger::EncodeInput(kCrash, first.Add());
    for (size_t i = 0; i + 1 < ledger::kMaxGroupRecords; ++i) {
      ledger::EncodeEffect(effects[i], (*log)->format_version(), first.Add());
    }
    auto range = (*log)->Append(first);
    ASSERT_TRUE(range.ok()) << range.status().ToString();
    input_seq = range->first;
  }

  const AuditReport partial = RunAudit();
  EXPECT_TRUE(partial.ok()) << partial.findings.front().what;
  EXPECT_EQ(partial.unfinished_group, input_seq);
  EXPECT_EQ(partial.unlogged_effects, effects.size() - (ledger::kMaxGroupRecords - 1));

  OpenSequencer();
  ASSERT_EQ(warnings_.size(), 2u);
  EXPECT_NE(warnings_[1].find("completed the group of seq " + std::to_string(input_seq.value())),
            std::string::npos)
      << warnings_[1];
  EXPECT_EQ(sequencer_->log().head_seq(), input_seq + effects.size());
  const ledger::Hash state = HashOf(sequencer_->engine());
  Submit(
      engine::SetMark{kMarket, engine::Price{8'100}, engine::Price{8'100}});  // The venue goes on.
  CloseSequencer();

  const AuditReport whole = RunAudit();
  EXPECT_TRUE(whole.ok()) << whole.findings.front().what;
  EXPECT_EQ(whole.unfinished_group, ledger::SequenceNumber{0});
  OpenSequencer();
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();
  auto log = ReadOnlyLog();
  auto recovered = Recover(*log, data_, Keyring(), input_seq + effects.size(), nullptr, Quick());
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(HashOf(recovered->engine), state);
}

// The ledger refuses a continuation that does not continue the last group.
TEST_F(LargeGroupTest, AContinuationMustContinueTheLastGroupWithEffectsOnly) {
  OpenSequencer();
  Submit(engine::ListMarket{engine::testing::PlainSpec()});
  Submit(engine::SetMark{kMarket, engine::Price{10'000}, engine::Price{10'000}});
  CloseSequencer();
  ledger::LogOptions options;
  options.signing_key = key_;
  options.clock = [] { return 1; };
  auto log = ledger::EventLog::Open(data_.log, std::move(options));
  ASSERT_TRUE(log.ok());
  ledger::EventGroup input;
  ledger::EncodeInput(engine::SetMark{kMarket, engine::Price{9'000}, engine::Price{9'000}},
                      input.Add());
  ledger::EventGroup effect;
  ledger::EncodeEffect(engine::InputRejected{}, ledger::kFormatAdlCommitment, effect.Add());
  const auto head = (*log)->head_seq();
  EXPECT_TRUE((*log)->SubmitContinuation(head, input.readers(), {}).status().IsInvalidArgument());
  EXPECT_TRUE(
      (*log)->SubmitContinuation(head - 1, effect.readers(), {}).status().IsInvalidArgument());
  auto continued = (*log)->SubmitContinuation(head, effect.readers(), {});
  ASSERT_TRUE(continued.ok()) << continued.status().ToString();
  ASSERT_OK((*log)->Flush());
  auto record = (*log)->Read(continued->first);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->group(), head);
}

}  // namespace
}  // namespace replay::testing
