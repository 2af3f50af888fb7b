// What-if over simulated crashes (replay/whatif.h): the control (no rule changed) reproduces the
// log of scripts/demo.sh's crash, of the format-1 crash-demo fixture and of both real-data
// paths exactly; a fund that never runs dry leaves ADL only what the book cannot absorb;
// results are stable across runs.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "ledger/event_log.h"
#include "replay/data_dir.h"
#include "replay/recovery.h"
#include "replay/whatif.h"
#include "sim/simulation.h"
#include "tests/sim/shared_data.h"
#include "tests/testing/status_testing.h"

namespace sim {
namespace {

namespace fs = std::filesystem;

class WhatIfSimTest : public ::testing::Test {
 protected:
  std::string FreshDir(const std::string& name) {
    // Per process, so that two test runs on one machine never share a folder.
    const fs::path dir = fs::path(::testing::TempDir()) /
                         ("whatif_sim_tests." + std::to_string(getpid())) /
                         ::testing::UnitTest::GetInstance()->current_test_info()->name() / name;
    fs::remove_all(dir);
    return dir.string();
  }

  // scripts/demo.sh's simulation (its defaults), or the same along a real price file.
  std::string Simulate(const std::string& name, const std::string& prices_csv = "") {
    const std::string dir = FreshDir(name);
    SimulationOptions options;
    options.data_dir = dir;
    options.signing_key = *ledger::PrivateKey::Generate();
    options.prices_csv = prices_csv;
    options.engine_options.verify_invariants = false;
    auto report = RunSimulation(options);
    EXPECT_OK(report);
    EXPECT_GT(report->tally.adl_reductions, 0u);
    return dir;
  }

  static replay::WhatIfResult WhatIf(const std::string& dir, const replay::WhatIfParams& params) {
    const replay::DataDir data = replay::DataDir::At(dir);
    ledger::LogOptions log_options;
    log_options.read_only = true;
    auto log = ledger::EventLog::Open(data.log, std::move(log_options));
    EXPECT_OK(log);
    auto keyring = replay::LoadKeyring(data);
    EXPECT_OK(keyring);
    replay::WhatIfOptions options;
    options.params = params;
    options.minutes = true;
    options.engine_options.verify_invariants = false;
    auto result = replay::RunWhatIf(**log, data, *keyring, options);
    EXPECT_OK(result);
    return result.ok() ? std::move(*result) : replay::WhatIfResult{};
  }
};

void ExpectIdentical(const replay::WhatIfResult& result) {
  EXPECT_FALSE(result.first_difference)
      << "seq " << result.first_difference->seq << ": " << result.first_difference->what;
  EXPECT_EQ(result.logged, result.what_if);
  for (const replay::AccountOutcome& account : result.accounts) {
    EXPECT_EQ(account.end_equity[0], account.end_equity[1]) << "account " << account.account;
  }
}

TEST_F(WhatIfSimTest, CrashDemoControlLargeFundAndStability) {
  const std::string dir = Simulate("crash");
  const replay::WhatIfResult control = WhatIf(dir, {});
  ExpectIdentical(control);
  EXPECT_GT(control.logged.adl_reductions, 0u);
  EXPECT_GT(control.logged.liquidations, 0u);
  EXPECT_FALSE(control.logged.minutes.empty());

  // A fund that never runs dry: Phase B takes every lot the book offers, so ADL is left only
  // with what the book could not absorb (the crash empties it; docs/WHATIF.md).
  replay::WhatIfParams rich;
  rich.insurance_fund = engine::Money{int64_t{1} << 50};
  const replay::WhatIfResult covered = WhatIf(dir, rich);
  ASSERT_TRUE(covered.first_difference);
  EXPECT_EQ(covered.what_if.liquidations, control.logged.liquidations);
  EXPECT_GT(covered.what_if.phase_b_quantity, control.logged.phase_b_quantity);
  EXPECT_LT(covered.what_if.phase_c_quantity, control.logged.phase_c_quantity);
  EXPECT_LT(covered.what_if.adl_reductions, control.logged.adl_reductions);
  EXPECT_EQ(covered.what_if.socialized_loss, 0);
  ASSERT_FALSE(covered.what_if.funds.empty());
  EXPECT_GT(covered.what_if.funds[0].low, int64_t{1} << 49);  // Drawn, never near empty.
  EXPECT_LT(covered.what_if.funds[0].end, int64_t{1} << 50);

  replay::WhatIfParams pro_rata;
  pro_rata.adl_policy = engine::AdlPolicy::kProRata;
  const replay::WhatIfResult first = WhatIf(dir, pro_rata);
  const replay::WhatIfResult second = WhatIf(dir, pro_rata);
  EXPECT_EQ(first.what_if, second.what_if);
  EXPECT_EQ(first.accounts, second.accounts);
  EXPECT_GT(first.what_if.adl_accounts_hit, control.logged.adl_accounts_hit)
      << "pro-rata spreads the reductions over more accounts than a ranked queue";
}

TEST_F(WhatIfSimTest, FormatOneCrashDemoFixtureIsReproduced) {
  const fs::path dir = FreshDir("fixture");
  fs::create_directories(dir);
  fs::copy(std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures/v1-crash-demo", dir,
           fs::copy_options::recursive);
  const replay::WhatIfResult control = WhatIf(dir.string(), {});
  EXPECT_EQ(control.records, 48u);
  ExpectIdentical(control);
  EXPECT_GT(control.logged.adl_reductions, 0u);
}

class WhatIfRealDataTest : public WhatIfSimTest,
                           public ::testing::WithParamInterface<const char*> {};

TEST_P(WhatIfRealDataTest, UnchangedParametersReproduceTheLog) {
  const fs::path csv = fs::path(BACKSTOP_SHARED_DATA_DIR) / GetParam();
  SIM_REQUIRE_FILE(csv);
  const std::string dir = Simulate("real", csv.string());
  ExpectIdentical(WhatIf(dir, {}));
}

INSTANTIATE_TEST_SUITE_P(Binance, WhatIfRealDataTest,
                         ::testing::Values("binance_um_btcusdt_perp_1m_2025-10-10.csv",
                                           "binance_um_btcusdt_perp_1m_2020-03-12.csv"),
                         [](const auto& info) {
                           return std::string(info.param).find("2025") != std::string::npos
                                      ? std::string("Oct2025")
                                      : std::string("Mar2020");
                         });

}  // namespace
}  // namespace sim
