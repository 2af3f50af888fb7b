// End-to-end tests of the simulator: calm has no ADL, the crash liquidates, draws the fund
// down and deleverages, invariants hold after every input, the audit is clean, the log is a
// function of (seed, key, options), and the real kline files crash the venue too.

#include "sim/simulation.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "ledger/event_log.h"
#include "replay/auditor.h"
#include "replay/data_dir.h"
#include "tests/sim/shared_data.h"
#include "tests/testing/status_testing.h"

namespace sim {
namespace {

namespace fs = std::filesystem;

class SimulationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto key = ledger::PrivateKey::Generate();
    ASSERT_OK(key);
    key_ = std::make_unique<ledger::PrivateKey>(*key);
  }
  static void TearDownTestSuite() { key_.reset(); }

  // A fresh data directory for this test; `name` tells several apart.
  std::string FreshDir(const std::string& name) {
    // Per process, so that two test runs on one machine never share a folder.
    const fs::path dir = fs::path(::testing::TempDir()) /
                         ("sim_tests." + std::to_string(getpid())) /
                         ::testing::UnitTest::GetInstance()->current_test_info()->name() / name;
    fs::remove_all(dir);
    return dir.string();
  }

  // Options for a test run: invariants checked after every input.
  SimulationOptions Options(const std::string& dir, const std::string& scenario, int64_t traders) {
    SimulationOptions options;
    options.data_dir = dir;
    options.signing_key = *key_;
    options.scenario = scenario;
    options.traders = traders;
    options.engine_options.verify_invariants = true;
    return options;
  }

  SimulationReport Run(const SimulationOptions& options) {
    auto report = RunSimulation(options);
    EXPECT_OK(report);
    if (!report.ok()) return SimulationReport();
    EXPECT_TRUE(report->invariants_hold);
    EXPECT_TRUE(report->conservation.holds());
    EXPECT_EQ(report->tally.socialized_loss, 0);
    EXPECT_EQ(report->head_seq.value(), report->tally.records);
    return *report;
  }

  // replay::Audit over the data directory: re-derivation, chain and signatures all clean.
  void ExpectAuditClean(const std::string& dir) {
    const replay::DataDir data = replay::DataDir::At(dir);
    ledger::LogOptions log_options;
    log_options.read_only = true;
    auto log = ledger::EventLog::Open(data.log, std::move(log_options));
    ASSERT_OK(log);
    ledger::Keyring keyring;
    ASSERT_OK(keyring.AddPemDirectory(data.keyring));
    // The runs checked the invariants live; the audit re-derives every effect.
    replay::AuditOptions audit_options;
    audit_options.engine_options.verify_invariants = false;
    auto audit = replay::Audit(**log, data, keyring, audit_options);
    ASSERT_OK(audit);
    for (const replay::AuditFinding& finding : audit->findings) {
      ADD_FAILURE() << "seq " << finding.seq << ": " << finding.what << " expected "
                    << finding.expected << " found " << finding.found;
    }
    EXPECT_EQ(audit->head_seq, (*log)->head_seq());
    EXPECT_GT(audit->inputs_replayed, 0u);
  }

  static std::unique_ptr<ledger::PrivateKey> key_;
};

std::unique_ptr<ledger::PrivateKey> SimulationTest::key_;

TEST_F(SimulationTest, CalmProducesNoAdl) {
  const std::string dir = FreshDir("calm");
  const SimulationReport report = Run(Options(dir, "calm", 400));
  EXPECT_GT(report.tally.records, 10'000u);
  EXPECT_EQ(report.tally.adl_reductions, 0u);
  EXPECT_EQ(report.tally.adl_queues, 0u);
  EXPECT_GE(report.venue.funding_ticks, 1u);
  EXPECT_GE(report.tally.fund_low, report.venue.fund_start.value() / 2);
  ExpectAuditClean(dir);
}

TEST_F(SimulationTest, CrashLiquidatesDrawsTheFundAndDeleverages) {
  const std::string dir = FreshDir("crash");
  const SimulationReport report = Run(Options(dir, "crash", 600));
  EXPECT_GT(report.tally.liquidations, 50u);
  EXPECT_GT(report.tally.fund_draws, 0u);
  EXPECT_LT(report.tally.fund_low, report.venue.fund_start.value() / 10);  // Nearly exhausted.
  EXPECT_GT(report.tally.adl_reductions, 0u);
  EXPECT_GT(report.tally.adl_accounts, 0u);
  EXPECT_GT(report.tally.adl_notional, 0);
  EXPECT_LT(report.venue.mark_low, report.mark_start.value() * 3 / 4);
  ExpectAuditClean(dir);
}

TEST_F(SimulationTest, SameSeedSameLogOtherSeedOtherLog) {
  SimulationOptions options = Options(FreshDir("first"), "crash", 200);
  options.engine_options.verify_invariants = false;
  options.seed = 42;
  const SimulationReport first = Run(options);
  options.data_dir = FreshDir("second");
  const SimulationReport second = Run(options);
  EXPECT_EQ(first.head_seq, second.head_seq);
  EXPECT_EQ(first.head_hash, second.head_hash);
  EXPECT_EQ(first.chain_id, second.chain_id);
  EXPECT_EQ(first.chain_id, ledger::ToHex(SimulationChainId(42)));
  options.data_dir = FreshDir("other");
  options.seed = 43;
  const SimulationReport other = Run(options);
  EXPECT_NE(first.head_hash, other.head_hash);
  EXPECT_NE(first.chain_id, other.chain_id);
}

// The bytes of the log are pinned: a seeded crash simulation signed by a fixed key (kept in
// tests/fixtures/golden) must end at this head hash and this Merkle root, on every build. A
// change that alters any record's bytes (encoding, engine, simulator, hashing) shows here at
// once; if it is intended, the log's format version must say so before the values change.
TEST_F(SimulationTest, GoldenHeadHashAndTreeRootOfAFixedSimulation) {
  auto key = ledger::PrivateKey::LoadPem(std::string(BACKSTOP_SOURCE_DIR) +
                                         "/tests/fixtures/golden/signer.key.pem");
  ASSERT_OK(key);
  SimulationOptions options = Options(FreshDir("golden"), "crash", 100);
  options.signing_key = *key;
  options.engine_options.verify_invariants = false;
  options.seed = 7;
  const SimulationReport report = Run(options);
  ledger::LogOptions read_only;
  read_only.read_only = true;
  auto log = ledger::EventLog::Open(options.data_dir + "/log", read_only);
  ASSERT_OK(log);
  auto root = (*log)->TreeRoot(report.head_seq.value());
  ASSERT_OK(root);
  // Format 3 (its ADL effects carry the ranking commitment and score inputs). In format 2 the
  // same run ended at 8fd9f6dd5909ba6c... with root 1a5227a6da56f888...
  EXPECT_EQ((*log)->format_version(), 3u);
  EXPECT_EQ(report.head_seq, ledger::SequenceNumber{44378});
  EXPECT_EQ(report.head_hash, "079bd3412424aca78d492a4af28cfc35c8f2a99d48eaa4ee919a74b961232f60");
  EXPECT_EQ(ledger::ToHex(*root),
            "4dea310be71f941e3d6d876b81c006c6e1e377d7bb6227f97c7a9007291228ee");
}

TEST_F(SimulationTest, RefusesADirectoryThatHoldsALog) {
  SimulationOptions options = Options(FreshDir("used"), "calm", 2);
  options.engine_options.verify_invariants = false;
  Run(options);
  auto again = RunSimulation(options);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.status().IsInvalidArgument()) << again.status().ToString();
}

TEST_F(SimulationTest, RefusesBadOptions) {
  SimulationOptions options = Options(FreshDir("bad"), "meltdown", 10);
  EXPECT_TRUE(RunSimulation(options).status().IsInvalidArgument());
  options.scenario = "calm";
  options.traders = 0;
  EXPECT_TRUE(RunSimulation(options).status().IsInvalidArgument());
  options.traders = 10;
  options.signing_key.reset();
  EXPECT_TRUE(RunSimulation(options).status().IsInvalidArgument());
  EXPECT_FALSE(fs::exists(replay::DataDir::At(options.data_dir).log));
}

// CI=true in the environment requires the data whatever the build says; without it, the build's
// setting decides.
TEST(SharedDataTest, CiTrueRequiresTheDataWhateverTheBuild) {
  const char* before = std::getenv("CI");
  const std::string saved = before == nullptr ? "" : before;
  ::setenv("CI", "true", 1);
  EXPECT_TRUE(::sim::testing::SharedDataRequired());
  ::setenv("CI", "false", 1);
  EXPECT_EQ(::sim::testing::SharedDataRequired(), BACKSTOP_REQUIRE_SHARED_DATA != 0);
  ::unsetenv("CI");
  EXPECT_EQ(::sim::testing::SharedDataRequired(), BACKSTOP_REQUIRE_SHARED_DATA != 0);
  if (before != nullptr) ::setenv("CI", saved.c_str(), 1);
}

TEST(SharedDataTest, TheFolderBesideTheCheckoutIsPresent) {
  SIM_REQUIRE_FILE(fs::path(BACKSTOP_SHARED_DATA_DIR) / "SOURCES.md");
}

// The real kline files of SOURCES.md, read from ../shared/data at run time.
class RealDataTest : public SimulationTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(RealDataTest, DefaultPopulationIsLiquidatedDrawsTheFundAndIsDeleveraged) {
  const fs::path csv = fs::path(BACKSTOP_SHARED_DATA_DIR) / GetParam();
  SIM_REQUIRE_FILE(csv);
  const std::string dir = FreshDir("real");
  SimulationOptions options = Options(dir, "crash", SimulationOptions().traders);
  options.prices_csv = csv.string();
  // With 2,000 traders the engine's O(accounts) checks after each of ~130k inputs would take
  // minutes; here they run once at the end (RunSimulation), and the audit re-derives every
  // effect. The per-input checks run in the calm and crash tests.
  options.engine_options.verify_invariants = false;
  const SimulationReport report = Run(options);
  EXPECT_GT(report.tally.liquidations, 0u);
  EXPECT_GT(report.tally.fund_draws, 0u);
  EXPECT_GT(report.tally.adl_reductions, 0u);
  EXPECT_GE(report.venue.funding_ticks, 5u);
  ExpectAuditClean(dir);
}

INSTANTIATE_TEST_SUITE_P(Binance, RealDataTest,
                         ::testing::Values("binance_um_btcusdt_perp_1m_2025-10-10.csv",
                                           "binance_um_btcusdt_perp_1m_2020-03-12.csv"),
                         [](const auto& info) {
                           return std::string(info.param).find("2025") != std::string::npos
                                      ? std::string("Oct2025")
                                      : std::string("Mar2020");
                         });

}  // namespace
}  // namespace sim
