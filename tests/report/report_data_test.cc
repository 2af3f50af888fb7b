// The report's data made two ways is the same, byte for byte: the what-if control run (the
// engine re-derives every effect of the window; what `backstop report` ran before) and the
// logged history read from the log in parallel parts (replay/logged_history.h, what it runs now).
//
// Goal and method: the fast path merges the tallies of parts read at once, so its risks are at
// the seams (a minute split between two parts, a fund or mark carried over a seam, a transfer
// refused in a part's last group, a market listed in the first part). Each log is read with 1, 2,
// 3, 7 and 16 parts, and WhatIfJson of each (the JSON `whatif --json` prints and the page embeds,
// with the minute buckets) must equal the control's dump exactly, as must the outcome structs.
// Logs: the format-1 crash-demo fixture, scripts/demo.sh's crash, a real-data simulation
// (../shared/data), and a crash with snapshots read in windows (--from-snapshot, --to).

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ledger/event_log.h"
#include "replay/data_dir.h"
#include "replay/internal/whatif_tally.h"
#include "replay/logged_history.h"
#include "replay/recovery.h"
#include "replay/whatif.h"
#include "report/whatif_json.h"
#include "sim/simulation.h"
#include "snapshots/snapshot_store.h"
#include "tests/sim/shared_data.h"
#include "tests/testing/status_testing.h"

namespace report {
namespace {

namespace fs = std::filesystem;

class ReportDataTest : public ::testing::Test {
 protected:
  std::string FreshDir(const std::string& name) {
    // Per process, so that two test runs on one machine never share a folder.
    const fs::path dir = fs::path(::testing::TempDir()) /
                         ("report_data_tests." + std::to_string(getpid())) /
                         ::testing::UnitTest::GetInstance()->current_test_info()->name() / name;
    fs::remove_all(dir);
    return dir.string();
  }

  std::string Simulate(const std::string& name, const std::string& prices_csv = "",
                       uint64_t snapshot_every = 0) {
    const std::string dir = FreshDir(name);
    sim::SimulationOptions options;
    options.data_dir = dir;
    options.signing_key = *ledger::PrivateKey::Generate();
    options.prices_csv = prices_csv;
    options.snapshot_every_records = snapshot_every;
    options.engine_options.verify_invariants = false;
    auto report = sim::RunSimulation(options);
    EXPECT_OK(report);
    return dir;
  }

  // Both ways over `dir`'s window; the control must reproduce the log.
  static void ExpectSameData(const std::string& dir, ledger::SequenceNumber from_snapshot = {},
                             ledger::SequenceNumber to = {}) {
    SCOPED_TRACE(dir + " after " + std::to_string(from_snapshot.value()) + " to " +
                 std::to_string(to.value()));
    const replay::DataDir data = replay::DataDir::At(dir);
    ledger::LogOptions log_options;
    log_options.read_only = true;
    auto log = ledger::EventLog::Open(data.log, std::move(log_options));
    ASSERT_OK(log);
    auto keyring = replay::LoadKeyring(data);
    ASSERT_OK(keyring);
    replay::WhatIfOptions options;
    options.from_snapshot = from_snapshot;
    options.to = to;
    options.minutes = true;
    options.engine_options.verify_invariants = false;
    auto control = replay::RunWhatIf(**log, data, *keyring, options);
    ASSERT_OK(control);
    ASSERT_FALSE(control->first_difference) << control->first_difference->what;
    const std::string expected = WhatIfJson(*control, {}, /*minutes=*/true).dump();
    EXPECT_FALSE(control->logged.minutes.empty());
    for (int parts : {1, 2, 3, 7, 16}) {
      SCOPED_TRACE(std::to_string(parts) + " parts");
      auto fast = replay::ReadLoggedHistory(**log, data, *keyring, options, parts);
      ASSERT_OK(fast);
      EXPECT_EQ(fast->logged, control->logged);
      EXPECT_EQ(fast->what_if, control->what_if);
      EXPECT_EQ(fast->accounts, control->accounts);
      EXPECT_EQ(fast->warnings, control->warnings);
      EXPECT_EQ(WhatIfJson(*fast, {}, /*minutes=*/true).dump(), expected);
    }
  }

  static std::vector<ledger::SequenceNumber> SnapshotSeqs(const std::string& dir) {
    snapshots::SnapshotStoreOptions store_options;
    store_options.read_only = true;
    auto store = snapshots::SnapshotStore::Open(replay::DataDir::At(dir).snapshots, store_options);
    EXPECT_OK(store);
    std::vector<ledger::SequenceNumber> seqs;
    if (!store.ok()) return seqs;
    auto listed = (*store)->List();
    EXPECT_OK(listed);
    if (listed.ok()) {
      for (const snapshots::SnapshotInfo& info : *listed) seqs.push_back(info.seq);
    }
    std::sort(seqs.begin(), seqs.end());
    return seqs;
  }
};

TEST_F(ReportDataTest, FormatOneCrashDemoFixture) {
  const fs::path dir = FreshDir("fixture");
  fs::create_directories(dir);
  fs::copy(std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures/v1-crash-demo", dir,
           fs::copy_options::recursive);
  ExpectSameData(dir.string());
}

TEST_F(ReportDataTest, CrashDemo) { ExpectSameData(Simulate("crash")); }

TEST_F(ReportDataTest, RealDataSimulation) {
  const fs::path csv =
      fs::path(BACKSTOP_SHARED_DATA_DIR) / "binance_um_btcusdt_perp_1m_2025-10-10.csv";
  SIM_REQUIRE_FILE(csv);
  ExpectSameData(Simulate("real", csv.string()));
}

TEST_F(ReportDataTest, SnapshotWindows) {
  const std::string dir = Simulate("snapshots", "", /*snapshot_every=*/8000);
  const std::vector<ledger::SequenceNumber> seqs = SnapshotSeqs(dir);
  ASSERT_GE(seqs.size(), 3u);
  const ledger::SequenceNumber head = [&] {
    ledger::LogOptions log_options;
    log_options.read_only = true;
    auto log = ledger::EventLog::Open(replay::DataDir::At(dir).log, std::move(log_options));
    return log.ok() ? (*log)->head_seq() : ledger::SequenceNumber{0};
  }();
  ExpectSameData(dir, seqs[0]);
  ExpectSameData(dir, seqs[0], ledger::SequenceNumber{(seqs[0].value() + head.value()) / 2});
  ExpectSameData(dir, ledger::SequenceNumber{0},
                 ledger::SequenceNumber{(seqs[1].value() + seqs[2].value()) / 2});
  ExpectSameData(dir, seqs[1], seqs[2]);
}

TEST_F(ReportDataTest, ChangedRuleIsRefused) {
  const std::string dir = FreshDir("fixture");
  fs::create_directories(dir);
  fs::copy(std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures/v1-crash-demo", dir,
           fs::copy_options::recursive);
  const replay::DataDir data = replay::DataDir::At(dir);
  ledger::LogOptions log_options;
  log_options.read_only = true;
  auto log = ledger::EventLog::Open(data.log, std::move(log_options));
  ASSERT_OK(log);
  auto keyring = replay::LoadKeyring(data);
  ASSERT_OK(keyring);
  replay::WhatIfOptions options;
  options.params.fund_scale_pct = 200;
  auto refused = replay::ReadLoggedHistory(**log, data, *keyring, options);
  EXPECT_TRUE(refused.status().IsInvalidArgument()) << refused.status().ToString();
}

// The tally seams on their own: random groups (marks of two markets, transfers of two assets,
// refused or not, fund moves of two assets, liquidations, fills, ADL, socialized loss, over
// minutes that repeat and skip) fed to one tally, and to tallies of two and three parts merged
// with Append, cut at every group. Seeded; the seed is printed.
struct TallyGroup {
  int64_t time_ns = 0;
  std::optional<engine::SetMark> mark;
  std::optional<engine::Deposit> transfer;  // amount < 0: a withdrawal.
  std::vector<engine::Effect> effects;
};

std::vector<TallyGroup> RandomGroups(uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  const auto pick = [&](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(rng);
  };
  std::vector<TallyGroup> groups;
  int64_t time_ns = pick(0, 600) * 1'000'000'000;
  for (int i = 0; i < count; ++i) {
    TallyGroup group;
    time_ns += pick(0, 3) == 0 ? pick(0, 200) * 1'000'000'000 : pick(0, 5) * 1'000'000'000;
    group.time_ns = time_ns;
    const int64_t kind = pick(0, 3);
    if (kind == 0)
      group.mark = engine::SetMark{static_cast<engine::MarketId>(pick(1, 2)),
                                   engine::Price{pick(1, 1000)}, engine::Price{0}};
    if (kind == 1) {
      group.transfer =
          engine::Deposit{static_cast<engine::AccountId>(pick(1, 5)),
                          static_cast<engine::AssetId>(pick(1, 2)), engine::Money{pick(-50, 100)}};
      if (pick(0, 2) == 0) group.effects.push_back(engine::InputRejected{});
    }
    for (int64_t effect = pick(0, 3); effect > 0; --effect) {
      const auto account = static_cast<engine::AccountId>(pick(0, 6));
      const auto asset = static_cast<engine::AssetId>(pick(1, 2));
      switch (pick(0, 6)) {
        case 0:
          group.effects.push_back(
              engine::Liquidation{account, engine::MarketId{1}, engine::Quantity{pick(-9, 9)},
                                  engine::Money{0}, engine::Price{pick(1, 1000)}});
          break;
        case 1: {
          engine::LiquidationFill fill;
          fill.quantity = engine::Quantity{pick(1, 9)};
          fill.phase =
              pick(0, 1) == 0 ? engine::LiquidationPhase::kA : engine::LiquidationPhase::kB;
          group.effects.push_back(fill);
          break;
        }
        case 2:
          group.effects.push_back(engine::InsuranceFundCredit{
              asset, engine::Money{0}, {}, engine::Money{pick(0, 500)}});
          break;
        case 3:
          group.effects.push_back(
              engine::InsuranceFundDraw{asset, engine::Money{0}, engine::MarketId{1},
                                        engine::AccountId{0}, engine::Money{pick(0, 500)}});
          break;
        case 4: {
          engine::AdlReduction adl;
          adl.counterparty_account = account;
          adl.quantity = engine::Quantity{pick(1, 9)};
          adl.price = engine::Price{pick(1, 1000)};
          group.effects.push_back(adl);
          break;
        }
        case 5:
          group.effects.push_back(
              engine::SocializedLoss{engine::MarketId{1}, engine::Money{pick(1, 9)}});
          break;
        default:
          group.effects.push_back(engine::InputRejected{});
          break;
      }
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

void FeedGroups(const std::vector<TallyGroup>& groups, size_t first, size_t last,
                replay::internal::HistoryTally* tally) {
  for (size_t i = first; i < last; ++i) {
    const TallyGroup& group = groups[i];
    if (group.mark) tally->Mark(group.time_ns, group.mark->market, group.mark->mark_price);
    if (group.transfer) {
      tally->Transfer(group.transfer->account, group.transfer->asset, group.transfer->amount);
    } else {
      tally->EndGroup();
    }
    for (const engine::Effect& effect : group.effects) tally->Effect(group.time_ns, effect);
  }
}

struct TallyOutcome {
  replay::HistoryOutcome outcome;
  std::map<engine::AccountId, replay::AccountOutcome> accounts;
};

// The groups [cuts[i], cuts[i + 1]) in one tally each, appended in order.
TallyOutcome TallyInParts(const std::vector<TallyGroup>& groups, std::vector<size_t> cuts) {
  engine::EngineState start;
  start.assets = {engine::AssetState{engine::AssetId{1}, engine::Money{0}, engine::Money{0},
                                     engine::Money{0}, engine::Money{250}, engine::Money{0}},
                  engine::AssetState{engine::AssetId{2}, engine::Money{0}, engine::Money{0},
                                     engine::Money{0}, engine::Money{90}, engine::Money{0}}};
  cuts.push_back(groups.size());
  replay::internal::HistoryTally tally;
  tally.KeepMinutes();
  tally.Start(start);
  tally.SetReportMarket(engine::MarketId{1}, engine::AssetId{1});
  FeedGroups(groups, 0, cuts[0], &tally);
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    replay::internal::HistoryTally part;
    part.KeepMinutes();
    part.StartLater(engine::MarketId{1}, engine::AssetId{1});
    FeedGroups(groups, cuts[i], cuts[i + 1], &part);
    EXPECT_TRUE(tally.Append(std::move(part)));
  }
  TallyOutcome result;
  result.outcome = tally.Finish(&result.accounts, 0);
  return result;
}

TEST(TallySeamTest, PartsMergeToTheWhole) {
  const uint64_t seed = std::random_device()();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::vector<TallyGroup> groups = RandomGroups(seed, 60);
  const TallyOutcome whole = TallyInParts(groups, {});
  EXPECT_GT(whole.outcome.minutes.size(), 3u);
  for (size_t cut = 0; cut <= groups.size(); ++cut) {
    const TallyOutcome two = TallyInParts(groups, {cut});
    ASSERT_EQ(two.outcome, whole.outcome) << "cut at group " << cut;
    ASSERT_EQ(two.accounts, whole.accounts) << "cut at group " << cut;
    const size_t second = std::min(groups.size(), cut + 1 + cut % 7);
    const TallyOutcome three = TallyInParts(groups, {cut, second});
    ASSERT_EQ(three.outcome, whole.outcome) << "cuts at groups " << cut << ", " << second;
  }
}

TEST(TallySeamTest, ManySeeds) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::vector<TallyGroup> groups = RandomGroups(seed, 40);
    const TallyOutcome whole = TallyInParts(groups, {});
    for (size_t cut = 0; cut <= groups.size(); cut += 3) {
      const TallyOutcome two = TallyInParts(groups, {cut, std::min(groups.size(), cut + 2)});
      ASSERT_EQ(two.outcome, whole.outcome) << "cut at group " << cut;
      ASSERT_EQ(two.accounts, whole.accounts) << "cut at group " << cut;
    }
  }
}

}  // namespace
}  // namespace report
