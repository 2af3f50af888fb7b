// The index-driven queries return exactly what a brute-force scan of the whole log returns.
//
// Goal and method: one seeded log (RandomStream through the sequencer: markets crash, so there
// are liquidations, fund draws and ADL). ScanAll reads every record in order and classifies
// it without the indexes (accounts by schema reflection); for a seeded spread of filters
// (account, market, asset, since/until, limit and their mixes) each query must equal the
// brute-force answer row for row, seq for seq.

#include <gtest/gtest.h>

#include "tests/query/query_test_util.h"
#include "tests/testing/status_testing.h"

namespace query::testing {
namespace {

class QueriesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    log_ = OpenReadOnlyLog(SharedSeededLog().data.log).release();
    all_ = new BruteForce(ScanAll(*log_));
  }
  static void TearDownTestSuite() {
    delete all_;
    delete log_;
  }
  void SetUp() override {
    SCOPED_TRACE("seed " + std::to_string(SharedSeededLog().seed));
    ASSERT_NE(log_, nullptr);
  }
  std::vector<Filter> Filters() const { return SampleFilters(*all_, SharedSeededLog().seed, 300); }

  static ledger::EventLog* log_;
  static BruteForce* all_;
};
ledger::EventLog* QueriesTest::log_ = nullptr;
BruteForce* QueriesTest::all_ = nullptr;

TEST_F(QueriesTest, SeededLogHasLiquidationsFundDrawsAndAdl) {
  std::printf(
      "seed %llu: %llu records, %zu liquidations, %zu fund movements, %zu ADL queues, "
      "%zu ADL reductions\n",
      static_cast<unsigned long long>(SharedSeededLog().seed),
      static_cast<unsigned long long>(all_->head.value()), all_->liquidations.size(),
      all_->fund.size(), all_->queues.size(), all_->adl.size());
  EXPECT_GT(all_->liquidations.size(), 5u);
  EXPECT_GT(all_->adl.size(), 5u);
  size_t draws = 0;
  for (const auto& row : all_->fund) draws += row.draw() ? 1 : 0;
  EXPECT_GT(draws, 0u);
}

TEST_F(QueriesTest, AdlListEqualsBruteForce) {
  int compared = 0;
  for (const Filter& filter : Filters()) {
    SCOPED_TRACE(Describe(filter));
    auto rows = ListAdlReductions(*log_, filter);
    if (filter.account && all_->account_events.count(*filter.account) == 0) {
      EXPECT_TRUE(rows.status().IsNotFound()) << rows.status().ToString();
      continue;
    }
    ASSERT_OK(rows);
    EXPECT_EQ(*rows, ExpectedAdl(*all_, filter));
    compared += rows->empty() ? 0 : 1;
  }
  EXPECT_GT(compared, 20);
}

TEST_F(QueriesTest, LiquidationsListEqualsBruteForce) {
  for (const Filter& filter : Filters()) {
    SCOPED_TRACE(Describe(filter));
    auto rows = ListLiquidations(*log_, filter);
    if (filter.account && all_->account_events.count(*filter.account) == 0) {
      EXPECT_TRUE(rows.status().IsNotFound()) << rows.status().ToString();
      continue;
    }
    ASSERT_OK(rows);
    EXPECT_EQ(*rows, ExpectedLiquidations(*all_, filter));
  }
}

TEST_F(QueriesTest, FundHistoryEqualsBruteForce) {
  for (const Filter& filter : Filters()) {
    SCOPED_TRACE(Describe(filter));
    auto rows = ListFundMovements(*log_, filter);
    if (filter.account && all_->account_events.count(*filter.account) == 0) {
      EXPECT_TRUE(rows.status().IsNotFound()) << rows.status().ToString();
      continue;
    }
    ASSERT_OK(rows);
    EXPECT_EQ(*rows, ExpectedFund(*all_, filter));
  }
}

TEST_F(QueriesTest, AccountHistoryEqualsBruteForce) {
  for (Filter filter : Filters()) {
    if (!filter.account) continue;
    SCOPED_TRACE(Describe(filter));
    auto records = AccountHistory(*log_, filter);
    if (all_->account_events.count(*filter.account) == 0) {
      EXPECT_TRUE(records.status().IsNotFound()) << records.status().ToString();
      continue;
    }
    ASSERT_OK(records);
    std::vector<SequenceNumber> seqs;
    for (const auto& record : *records) seqs.push_back(record.seq());
    EXPECT_EQ(seqs, ExpectedHistory(*all_, *log_, filter));
  }
}

TEST_F(QueriesTest, EveryAccountsFullHistoryEqualsBruteForce) {
  for (const auto& [account, expected] : all_->account_events) {
    Filter filter;
    filter.account = account;
    auto records = AccountHistory(*log_, filter);
    ASSERT_OK(records);
    ASSERT_EQ(records->size(), expected.size()) << "account " << account;
    for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ((*records)[i].seq(), expected[i]);
  }
}

TEST_F(QueriesTest, UnknownAccountIsNotFound) {
  Filter filter;
  filter.account = engine::AccountId{999'999};
  EXPECT_TRUE(ListAdlReductions(*log_, filter).status().IsNotFound());
  EXPECT_TRUE(ListLiquidations(*log_, filter).status().IsNotFound());
  EXPECT_TRUE(AccountHistory(*log_, filter).status().IsNotFound());
}

TEST_F(QueriesTest, EmptyOrReversedTimeRangeIsInvalid) {
  Filter filter;
  filter.since_ns = kStartTimeNs + 10;
  filter.until_ns = kStartTimeNs + 10;
  EXPECT_TRUE(ListAdlReductions(*log_, filter).status().IsInvalidArgument());
  filter.until_ns = kStartTimeNs;
  EXPECT_TRUE(ListFundMovements(*log_, filter).status().IsInvalidArgument());
}

TEST_F(QueriesTest, FirstSeqAtOrAfterMatchesALinearScan) {
  for (SequenceNumber seq :
       {SequenceNumber{1}, SequenceNumber{all_->head.value() / 3}, all_->head}) {
    auto record = log_->Read(seq);
    ASSERT_OK(record);
    auto found = FirstSeqAtOrAfter(*log_, record->time_ns());
    ASSERT_OK(found);
    EXPECT_LE(*found, seq);
    auto first = log_->Read(*found);
    ASSERT_OK(first);
    EXPECT_EQ(first->time_ns(), record->time_ns());
    if (*found > ledger::SequenceNumber{1}) {
      EXPECT_LT(log_->Read(*found - 1)->time_ns(), record->time_ns());
    }
  }
  auto beyond = FirstSeqAtOrAfter(*log_, INT64_MAX);
  ASSERT_OK(beyond);
  EXPECT_EQ(*beyond, all_->head + 1);
}

}  // namespace
}  // namespace query::testing
