// What-if (replay/whatif.h): unchanged parameters reproduce the log exactly (a control over a
// seeded stream of more than a million records, from genesis and from a snapshot), and
// pro-rata ADL under what-if follows RULEBOOK rule 6's allocation (docs/ENGINE.md), table-driven.

#include "replay/whatif.h"

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "replay/recovery.h"
#include "tests/engine/engine_test_util.h"
#include "tests/replay/replay_test_util.h"

namespace replay::testing {
namespace {

using engine::testing::kMarket;
using engine::testing::kUsdt;
using ledger::SequenceNumber;

class WhatIfTest : public ReplayTest {
 protected:
  WhatIfResult Run(const WhatIfOptions& options) {
    auto log = ReadOnlyLog();
    auto result = RunWhatIf(*log, data_, Keyring(), options);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(*result) : WhatIfResult{};
  }

  void Submit(const engine::Input& input) { ASSERT_OK(sequencer_->Submit(input)); }
};

// The control: both histories equal, field for field, and no effect differs.
void ExpectIdentical(const WhatIfResult& result) {
  EXPECT_FALSE(result.first_difference)
      << "seq " << result.first_difference->seq << ": " << result.first_difference->what;
  EXPECT_EQ(result.logged, result.what_if);
  for (const AccountOutcome& account : result.accounts) {
    EXPECT_EQ(account.end_equity[0], account.end_equity[1]) << "account " << account.account;
    EXPECT_EQ(account.adl_quantity[0], account.adl_quantity[1]) << "account " << account.account;
    EXPECT_EQ(account.liquidations[0], account.liquidations[1]) << "account " << account.account;
  }
}

// A million-record stream: its run time is the cost of one sequencer run and two replays.
TEST_F(WhatIfTest, UnchangedParametersReproduceAMillionEventStream) {
  OpenSequencer(/*snapshot_every_records=*/400'000);
  Feed(400'000);
  const SequenceNumber head = sequencer_->log().head_seq();
  CloseSequencer();
  ASSERT_GE(head, ledger::SequenceNumber{1'000'000});
  WhatIfOptions options;
  options.engine_options.verify_invariants = false;
  options.minutes = true;
  const WhatIfResult result = Run(options);
  EXPECT_EQ(result.end_seq, head);
  EXPECT_EQ(result.records, head.value());
  ExpectIdentical(result);
  EXPECT_GT(result.logged.fund_draws + result.logged.liquidations, 0u) << "a stream with risk";
  EXPECT_FALSE(result.accounts.empty());

  options.from_snapshot =
      ledger::SequenceNumber{400'000};  // Snapshots are taken at group ends past every 400k.
  auto log = ReadOnlyLog();
  auto snapshot = GroupEnd(*log, ledger::SequenceNumber{400'000});
  ASSERT_OK(snapshot);
  log.reset();
  options.from_snapshot = *snapshot;
  const WhatIfResult tail = Run(options);
  EXPECT_EQ(tail.start_seq, *snapshot);
  EXPECT_EQ(tail.records, head - *snapshot);
  ExpectIdentical(tail);
}

TEST_F(WhatIfTest, ChangedRulesPartTheHistoriesAndStayStableAcrossRuns) {
  OpenSequencer(/*snapshot_every_records=*/5'000);
  Feed(6'000);
  CloseSequencer();
  WhatIfOptions options;
  options.engine_options.verify_invariants = true;  // Conservation holds under the changes.
  options.params.mmr_scale_pct = 300;
  options.params.fund_scale_pct = 0;
  const WhatIfResult first = Run(options);
  ASSERT_TRUE(first.first_difference);
  EXPECT_NE(first.logged, first.what_if);
  const WhatIfResult second = Run(options);
  EXPECT_EQ(first.what_if, second.what_if);
  EXPECT_EQ(first.accounts, second.accounts);
  EXPECT_EQ(first.first_difference->seq, second.first_difference->seq);
}

TEST_F(WhatIfTest, FromASnapshotTheFundIsSetThereAndConservationHolds) {
  OpenSequencer(/*snapshot_every_records=*/5'000);
  Feed(6'000);
  CloseSequencer();
  auto log = ReadOnlyLog();
  auto snapshot = GroupEnd(*log, ledger::SequenceNumber{5'000});
  ASSERT_OK(snapshot);
  log.reset();
  WhatIfOptions options;
  options.from_snapshot = *snapshot;
  options.engine_options.verify_invariants = true;  // Rule 9 after every input.
  options.params.insurance_fund = engine::Money{123'456'789};
  options.params.mmr_scale_pct = 50;
  const WhatIfResult result = Run(options);
  EXPECT_EQ(result.start_seq, *snapshot);
  ASSERT_FALSE(result.what_if.funds.empty());
  EXPECT_EQ(result.what_if.funds[0].start, 123'456'789);
  EXPECT_NE(result.logged.funds[0].start, 123'456'789);
  EXPECT_TRUE(result.first_difference);
  // --fund-scale 100 and no other change is the control again.
  options.params = WhatIfParams{};
  options.params.fund_scale_pct = 100;
  ExpectIdentical(Run(options));
}

TEST_F(WhatIfTest, BadParametersAreRefused) {
  WhatIfParams params;
  params.insurance_fund = engine::Money{1};
  params.fund_scale_pct = 50;
  EXPECT_TRUE(ValidateWhatIfParams(params).IsInvalidArgument());
  params.fund_scale_pct.reset();
  params.insurance_fund = engine::Money{-1};
  EXPECT_TRUE(ValidateWhatIfParams(params).IsInvalidArgument());
  params.insurance_fund.reset();
  params.mmr_scale_pct = -5;
  EXPECT_TRUE(ValidateWhatIfParams(params).IsInvalidArgument());
  params.mmr_scale_pct = 0;  // No margin: the engine would refuse every listing.
  EXPECT_TRUE(ValidateWhatIfParams(params).IsInvalidArgument());
  params.mmr_scale_pct = 1;
  EXPECT_TRUE(ValidateWhatIfParams(params).ok());
}

TEST(WhatIfSpecTest, MmrScaleRoundsUpAndKeepsTiersValid) {
  WhatIfParams params;
  params.mmr_scale_pct = 150;
  engine::MarketSpec spec = engine::testing::PlainSpec(kMarket, 1'000'001, 50);
  const engine::MarketSpec changed = ApplyToSpec(params, spec);
  EXPECT_EQ(changed.tiers[0].mmr_e8, 1'500'002);  // ceil(1'000'001 * 1.5).
  EXPECT_EQ(changed.tiers[0].max_leverage, 50);   // 1'500'002 * 50 <= 1e8.
  params.mmr_scale_pct = 300;
  const engine::MarketSpec tripled = ApplyToSpec(params, spec);
  EXPECT_EQ(tripled.tiers[0].mmr_e8, 3'000'003);
  EXPECT_EQ(tripled.tiers[0].max_leverage, 33);  // floor(1e8 / 3'000'003).
  params.market = engine::MarketId{kMarket.value() + 1};
  EXPECT_EQ(ApplyToSpec(params, spec), spec);  // Out of scope.
}

// One row: the liquidated account's short, another short that stays healthy, the longs (the
// counterparties) and what rule 6's pro-rata allocation gives each long, worked by hand:
// floor(X*|Q_j|/S), then one lot each to the largest remainders X*|Q_j| mod S, ties by queue
// order (|Q| descending, then account id).
struct ProRataRow {  // Lots.
  int64_t liquidated_short;
  int64_t healthy_short;
  std::vector<int64_t> longs;
  std::vector<int64_t> expected;
};

// What gtest prints of a row (its parameter), instead of the struct's bytes.
void PrintTo(const ProRataRow& row, std::ostream* out) {
  const auto lots = [](const std::vector<int64_t>& values) {
    std::string text;
    for (const int64_t value : values) {
      if (!text.empty()) text += ' ';
      text += std::to_string(value);
    }
    return text;
  };
  *out << "liquidated short " << row.liquidated_short << ", healthy short " << row.healthy_short
       << ", longs [" << lots(row.longs) << "] -> [" << lots(row.expected) << "]";
}

class WhatIfProRataTest : public WhatIfTest, public ::testing::WithParamInterface<ProRataRow> {};

TEST_P(WhatIfProRataTest, ReductionsFollowTheProRataFormula) {
  const ProRataRow& row = GetParam();
  OpenSequencer();
  engine::MarketSpec spec = engine::testing::PlainSpec(kMarket, 1'000'000, 10);
  spec.adl_policy = engine::AdlPolicy::kBitmex;  // The log ranks by BitMEX; the what-if not.
  Submit(engine::ListMarket{spec});
  Submit(engine::SetMark{kMarket, engine::Price{10'000}, engine::Price{10'000}});
  const engine::AccountId liquidated{1};
  const engine::AccountId healthy{2};
  for (uint64_t n = 1; n <= 2 + row.longs.size(); ++n) {
    const engine::AccountId account{n};
    Submit(engine::OpenAccount{account});
    const engine::Money deposit =
        engine::Money{account == liquidated ? row.liquidated_short * 1'100 : 1'000'000'000};
    Submit(engine::Deposit{account, kUsdt, deposit});
  }
  uint64_t order = 1;
  const auto sell = [&](engine::AccountId account, engine::Quantity quantity) {
    if (quantity == 0) return;
    Submit(engine::PlaceOrder{account, kMarket, engine::OrderId{order++}, engine::Side::kSell,
                              engine::OrderType::kLimit, engine::TimeInForce::kGtc, false,
                              engine::Price{10'000}, quantity});
  };
  sell(liquidated, engine::Quantity{row.liquidated_short});
  sell(healthy, engine::Quantity{row.healthy_short});
  for (size_t i = 0; i < row.longs.size(); ++i) {
    Submit(engine::PlaceOrder{engine::AccountId{3 + i}, kMarket, engine::OrderId{order++},
                              engine::Side::kBuy, engine::OrderType::kLimit,
                              engine::TimeInForce::kIoc, false, engine::Price{10'000},
                              engine::Quantity{row.longs[i]}});
  }
  Submit(engine::SetMark{kMarket, engine::Price{12'000},
                         engine::Price{12'000}});  // The liquidated short is bankrupt.
  ASSERT_OK(sequencer_->Flush());
  CloseSequencer();

  WhatIfOptions options;
  options.engine_options.verify_invariants = true;
  options.params.adl_policy = engine::AdlPolicy::kProRata;
  const WhatIfResult result = Run(options);
  EXPECT_EQ(result.what_if.liquidations, 1u);
  EXPECT_EQ(result.what_if.phase_c_quantity, row.liquidated_short);
  std::map<engine::AccountId, engine::Quantity> taken;
  for (const AccountOutcome& account : result.accounts)
    taken[account.account] = account.adl_quantity[1];
  for (size_t i = 0; i < row.longs.size(); ++i) {
    EXPECT_EQ(taken[engine::AccountId{3 + i}], row.expected[i])
        << "long " << i << " (account " << 3 + i << ")";
  }
  EXPECT_EQ(taken[healthy], 0);
  EXPECT_EQ(result.logged.phase_c_quantity, row.liquidated_short);  // The log's ADL, by rank.
}

// A bankrupt short, a deep ask far above its bankruptcy price, a fund of 1: the log
// deleverages (the fund cannot pay Phase B's shortfall); with a fund that covers it, Phase B
// takes every lot from the book and nothing is deleveraged.
TEST_F(WhatIfTest, AFundLargeEnoughLeavesNoAdlReduction) {
  OpenSequencer();
  Submit(engine::ListMarket{engine::testing::PlainSpec(kMarket, 1'000'000, 10)});
  Submit(engine::SetMark{kMarket, engine::Price{10'000}, engine::Price{10'000}});
  Submit(engine::TopUpInsurance{kUsdt, engine::Money{1}});
  for (uint64_t n = 1; n <= 3; ++n) {
    const engine::AccountId account{n};
    Submit(engine::OpenAccount{account});
    Submit(engine::Deposit{
        account, kUsdt, engine::Money{account == engine::AccountId{1} ? 11'000 : 1'000'000'000}});
  }
  const auto order = [&](engine::AccountId account, engine::OrderId id, engine::Side side,
                         engine::Price price, engine::Quantity quantity, engine::TimeInForce tif) {
    Submit(engine::PlaceOrder{account, kMarket, id, side, engine::OrderType::kLimit, tif, false,
                              price, quantity});
  };
  order(engine::AccountId{1}, engine::OrderId{1}, engine::Side::kSell, engine::Price{10'000},
        engine::Quantity{10},
        engine::TimeInForce::kGtc);  // The short.
  order(engine::AccountId{2}, engine::OrderId{2}, engine::Side::kBuy, engine::Price{10'000},
        engine::Quantity{10},
        engine::TimeInForce::kIoc);  // Its counterparty.
  order(engine::AccountId{3}, engine::OrderId{3}, engine::Side::kSell, engine::Price{14'000},
        engine::Quantity{1'000},
        engine::TimeInForce::kGtc);  // Deep, far ask.
  Submit(engine::SetMark{kMarket, engine::Price{12'000}, engine::Price{12'000}});
  ASSERT_OK(sequencer_->Flush());
  CloseSequencer();

  WhatIfOptions options;
  options.engine_options.verify_invariants = true;
  const WhatIfResult control = Run(options);
  ExpectIdentical(control);
  EXPECT_EQ(control.logged.phase_c_quantity, 10);
  EXPECT_EQ(control.logged.adl_reductions, 1u);

  options.params.insurance_fund = engine::Money{1'000'000};
  const WhatIfResult covered = Run(options);
  EXPECT_EQ(covered.what_if.liquidations, 1u);
  EXPECT_EQ(covered.what_if.phase_b_quantity, 10);
  EXPECT_EQ(covered.what_if.adl_reductions, 0u);
  EXPECT_EQ(covered.what_if.phase_c_quantity, 0);
  EXPECT_EQ(covered.what_if.adl_accounts_hit, 0u);
  ASSERT_EQ(covered.what_if.funds.size(), 1u);
  EXPECT_EQ(covered.what_if.funds[0].start, 0);  // Genesis: the first top-up is replaced.
  EXPECT_LT(covered.what_if.funds[0].end, 1'000'000);
  EXPECT_EQ(covered.logged, control.logged);
}

INSTANTIATE_TEST_SUITE_P(
    Rule6, WhatIfProRataTest,
    ::testing::Values(ProRataRow{10, 0, {6, 4}, {6, 4}},               // S = X: each its all.
                      ProRataRow{7, 3, {5, 3, 2}, {4, 2, 1}},          // 3.5, 2.1, 1.4.
                      ProRataRow{5, 10, {5, 5, 5}, {2, 2, 1}},         // Ties by account id.
                      ProRataRow{1, 99, {40, 35, 25}, {1, 0, 0}},      // One lot, largest.
                      ProRataRow{13, 4, {9, 6, 1, 1}, {7, 4, 1, 1}}),  // Remainders 15,10,13,13.
    [](const auto& info) { return "Row" + std::to_string(info.index); });

}  // namespace
}  // namespace replay::testing
