// ADL explain reports exactly the logged events of the reduction's group.
//
// Goal and method: for every adlReduction of the shared seeded log, the explanation's
// liquidation, queue and reductions must be the brute-force scan's rows of the same group and
// position (market, liquidated account); the totals must add up (quantity = quantity to
// cover, remaining_before counts down); the counterparty entry must match the queue's top.
// Asking about a seq that is not an ADL reduction, or beyond the head, is InvalidArgument.

#include <gtest/gtest.h>

#include "tests/query/query_test_util.h"
#include "tests/testing/status_testing.h"

namespace query::testing {
namespace {

class AdlExplainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = OpenReadOnlyLog(SharedSeededLog().data.log);
    ASSERT_NE(log_, nullptr);
    all_ = ScanAll(*log_);
    ASSERT_FALSE(all_.adl.empty()) << "seed " << SharedSeededLog().seed;
  }
  std::unique_ptr<ledger::EventLog> log_;
  BruteForce all_;
};

// The liquidated position (market, account) a row is about.
std::pair<engine::MarketId, engine::AccountId> PositionOf(const AdlReductionRow& row) {
  return {row.effect.market, row.effect.liquidated_account};
}
std::pair<engine::MarketId, engine::AccountId> PositionOf(const LiquidationRow& row) {
  return {row.effect.market, row.effect.account};
}
std::pair<engine::MarketId, engine::AccountId> PositionOf(const AdlQueueRow& row) {
  return {row.effect.market, row.effect.liquidated_account};
}

TEST_F(AdlExplainTest, EveryReductionIsExplainedByItsGroupsEvents) {
  for (const AdlReductionRow& asked : all_.adl) {
    SCOPED_TRACE("seq " + std::to_string(asked.ref.seq.value()));
    auto x = ExplainAdl(*log_, asked.ref.seq);
    ASSERT_OK(x);
    EXPECT_EQ(x->reduction, asked);
    const auto same_position = [&](auto& row) {
      return row.ref.group == asked.ref.group && PositionOf(row) == PositionOf(asked);
    };
    // The liquidation: the last of that position in the group before the reduction.
    const LiquidationRow* liquidation = nullptr;
    for (const auto& row : all_.liquidations) {
      if (same_position(row) && row.ref.seq < asked.ref.seq) liquidation = &row;
    }
    ASSERT_NE(liquidation, nullptr);
    EXPECT_EQ(x->liquidation, *liquidation);
    const AdlQueueRow* queue = nullptr;
    for (const auto& row : all_.queues) {
      if (same_position(row) && row.ref.seq < asked.ref.seq) queue = &row;
    }
    ASSERT_NE(queue, nullptr);
    EXPECT_EQ(x->queue, *queue);
    std::vector<AdlReductionRow> reductions;
    for (const auto& row : all_.adl) {
      if (same_position(row) && row.ref.seq > queue->ref.seq) reductions.push_back(row);
    }
    EXPECT_EQ(x->reductions, reductions);
    EXPECT_EQ(x->quantity_total, queue->effect.quantity_to_cover);
    engine::Quantity remaining = queue->effect.quantity_to_cover;
    engine::Money deficit{0};
    for (const auto& row : x->reductions) {
      EXPECT_EQ(row.effect.remaining_before, remaining);
      remaining -= row.effect.quantity;
      deficit += row.effect.deficit_covered;
    }
    EXPECT_EQ(x->deficit_total, deficit);
    EXPECT_EQ(remaining, 0);
    if (x->counterparty_entry) {
      EXPECT_EQ(x->counterparty_entry->account, asked.effect.counterparty_account);
      EXPECT_EQ(x->counterparty_entry->queue_position, asked.effect.queue_position);
      EXPECT_EQ(x->counterparty_entry->score, asked.effect.score);
    } else {
      EXPECT_GT(asked.effect.queue_position, x->queue.effect.top.size());
    }
  }
}

TEST_F(AdlExplainTest, SeqThatIsNotAnAdlReductionIsInvalidArgument) {
  auto x = ExplainAdl(*log_, all_.liquidations.front().ref.seq);
  ASSERT_TRUE(x.status().IsInvalidArgument()) << x.status().ToString();
  EXPECT_NE(x.status().message().find("is a liquidation, not an adl_reduction"), std::string::npos)
      << x.status().message();
}

TEST_F(AdlExplainTest, SeqBeyondTheHeadOrZeroIsInvalidArgument) {
  auto beyond = ExplainAdl(*log_, all_.head + 1);
  ASSERT_TRUE(beyond.status().IsInvalidArgument());
  EXPECT_NE(beyond.status().message().find("is not in the log"), std::string::npos);
  EXPECT_TRUE(ExplainAdl(*log_, ledger::SequenceNumber{0}).status().IsInvalidArgument());
}

}  // namespace
}  // namespace query::testing
