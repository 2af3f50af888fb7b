// The query commands end to end: the real binary on the crash demo (one liquidation, fund
// draws, one ADL reduction at seq 48) and on the shared seeded log, for happy paths, filters,
// JSON/CSV output and errors (exit 2 with a clear message).

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "query/queries.h"
#include "tests/e2e/cli_test_support.h"
#include "tests/query/query_test_util.h"
#include "tests/testing/status_testing.h"

namespace query::testing {
namespace {

using e2e::CommandResult;
using e2e::RunBackstop;

class CliQueryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new e2e::ScratchDir("query-cli");
    e2e::InitLog(*scratch_);
    const CommandResult ingest = RunBackstop(
        std::string("ingest ") + BACKSTOP_SOURCE_DIR + "/docs/examples/crash-demo.jsonl --data " +
        (*scratch_ / "data") + " --key " + (*scratch_ / "signer.key.pem"));
    ASSERT_EQ(ingest.exit_code, 0) << ingest.output;
  }
  static void TearDownTestSuite() { delete scratch_; }

  // Runs `backstop ARGS --data <demo>`.
  static CommandResult Demo(const std::string& arguments) {
    return RunBackstop(arguments + " --data " + (*scratch_ / "data") + " 2>&1");
  }
  static CommandResult Seeded(const std::string& arguments) {
    return RunBackstop(arguments + " --data " + SharedSeededLog().root + " 2>/dev/null");
  }
  static nlohmann::json Json(const CommandResult& result) {
    return nlohmann::json::parse(result.output, nullptr, /*allow_exceptions=*/false);
  }

  static e2e::ScratchDir* scratch_;
};
e2e::ScratchDir* CliQueryTest::scratch_ = nullptr;

void ExpectContains(const CommandResult& result, const std::string& text) {
  EXPECT_NE(result.output.find(text), std::string::npos) << "no '" << text << "' in:\n"
                                                         << result.output;
}

void ExpectUsageError(const CommandResult& result, const std::string& text) {
  EXPECT_EQ(result.exit_code, 2) << result.output;
  ExpectContains(result, text);
}

TEST_F(CliQueryTest, AdlListShowsBothSidesScoreRankAndDecimals) {
  const CommandResult list = Demo("adl list");
  ASSERT_EQ(list.exit_code, 0) << list.output;
  for (const char* text : {"LIQUIDATED", "COUNTERPARTY", " 48 ", "1 BTCUSDT", "87902733332", "1/2",
                           "14184000", "0.394", "58036.000000", "1 ADL reductions"}) {
    ExpectContains(list, text);
  }
}

TEST_F(CliQueryTest, AdlListJsonCarriesTimeNsAndIso) {
  const auto rows = Json(Demo("adl list --json --account 3"));
  ASSERT_TRUE(rows.is_array()) << rows;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["seq"], 48);
  EXPECT_EQ(rows[0]["account"], 2);
  EXPECT_EQ(rows[0]["counterparty"], 3);
  EXPECT_EQ(rows[0]["quantity"], 394);
  EXPECT_EQ(rows[0]["queue_position"], 1);
  EXPECT_EQ(rows[0]["deficit_covered"], 14184000);
  EXPECT_EQ(rows[0]["price_dec"], "58036.000000");
  EXPECT_TRUE(rows[0]["time_ns"].is_number_integer());
  EXPECT_EQ(rows[0]["time"].get<std::string>().back(), 'Z');
}

TEST_F(CliQueryTest, AdlListTimeFiltersAcceptIsoAndEpoch) {
  const auto rows = Json(Demo("adl list --json"));
  ASSERT_EQ(rows.size(), 1u);
  const int64_t t = rows[0]["time_ns"].get<int64_t>();
  const std::string iso = rows[0]["time"].get<std::string>();
  EXPECT_EQ(Json(Demo("adl list --json --since " + iso)).size(), 1u);
  EXPECT_EQ(Json(Demo("adl list --json --until " + iso)).size(), 0u);
  EXPECT_EQ(Json(Demo("adl list --json --since " + std::to_string(t + 1))).size(), 0u);
  EXPECT_EQ(Json(Demo("adl list --json --since " + std::to_string(t / 1'000'000'000))).size(),
            1u);  // Epoch seconds.
  EXPECT_EQ(Json(Demo("adl list --json --until " + std::to_string(t / 1'000'000 + 1))).size(),
            1u);  // Epoch milliseconds.
  EXPECT_EQ(Json(Demo("adl list --json --market 2")).size(), 0u);
}

TEST_F(CliQueryTest, AdlListOnSeededLogEqualsTheQueryLibrary) {
  auto log = OpenReadOnlyLog(SharedSeededLog().data.log);
  ASSERT_NE(log, nullptr);
  const BruteForce all = ScanAll(*log);
  ASSERT_FALSE(all.adl.empty());
  const uint64_t account = all.adl.front().effect.counterparty_account.value();
  Filter filter;
  filter.account = engine::AccountId{account};
  filter.limit = 5;
  const auto rows = Json(Seeded("adl list --json --limit 5 --account " + std::to_string(account)));
  const auto expected = ExpectedAdl(all, filter);
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(rows[i]["seq"], expected[i].ref.seq.value());
    EXPECT_EQ(rows[i]["score"], expected[i].effect.score);
  }
}

TEST_F(CliQueryTest, FilterErrorsExitTwoWithAClearMessage) {
  ExpectUsageError(Demo("adl list --account 999"), "account 999 has no event in the log");
  ExpectUsageError(Demo("adl list --account abc"), "bad --account");
  ExpectUsageError(Demo("adl list --since 2025-10-10T00:00:00Z --until 2025-10-09"),
                   "bad time range");
  ExpectUsageError(Demo("adl list --since yesterday"), "bad time 'yesterday'");
  ExpectUsageError(Demo("liquidations list --account 999"), "account 999 has no event");
  ExpectUsageError(Demo("account history 999"), "account 999 has no event");
  ExpectUsageError(Demo("fund history --until 12x"), "bad time '12x'");
  const CommandResult missing = RunBackstop("adl list --data /nonexistent/backstop 2>&1");
  ExpectUsageError(missing, "cannot open the event log");
}

TEST_F(CliQueryTest, AdlExplainInPlainWords) {
  const CommandResult explain = Demo("adl explain 48");
  ASSERT_EQ(explain.exit_code, 0) << explain.output;
  for (const char* text :
       {"Account 3 had 394 lots", "Account 2 held long 500 lots", "liquidated at seq 40",
        "Bankruptcy quote 29018000000", "exactly 58036.000000 quote per base unit",
        "the bankruptcy price on the tick is 58036000 per lot", "the fund held 184000",
        "deficit of 14184000", "Policy bitmex: 2 short counterparties", "<- this counterparty",
        "ranked 1 of 2 with score 87902733332",
        "Total: 394 lots (0.394 base) from 1 counterparty"}) {
    ExpectContains(explain, text);
  }
}

TEST_F(CliQueryTest, AdlExplainJsonHasTheLoggedQueue) {
  const auto x = Json(Demo("adl explain 48 --json"));
  ASSERT_TRUE(x.is_object()) << x;
  EXPECT_EQ(x["liquidation"]["seq"], 40);
  EXPECT_EQ(x["liquidation"]["bankruptcy_price"], 58036000);
  EXPECT_EQ(x["queue"]["fund_balance"], 184000);
  EXPECT_EQ(x["queue"]["top"].size(), 2u);
  EXPECT_EQ(x["queue"]["top"][1]["account"], 4);
  EXPECT_EQ(x["deficit_total"], 14184000);
  EXPECT_EQ(x["reductions"].size(), 1u);
}

TEST_F(CliQueryTest, AdlExplainFullReDerivesTheWholeQueueAndChecksItsCommitment) {
  const auto x = Json(Demo("adl explain 48 --full --json"));
  ASSERT_TRUE(x.is_object()) << x;
  const nlohmann::json& full = x["full_queue"];
  ASSERT_EQ(full["entries"].size(), x["queue"]["queue_length"]) << full;
  EXPECT_EQ(full["log_has_commitment"], true);
  EXPECT_EQ(full["matches_log"], true);
  EXPECT_EQ(full["ranking_sha256"].get<std::string>().size(), 64u);
  for (size_t i = 0; i < x["queue"]["top"].size(); ++i) {
    EXPECT_EQ(full["entries"][i]["account"], x["queue"]["top"][i]["account"]);
    EXPECT_EQ(full["entries"][i]["score"], x["queue"]["top"][i]["score"]);
  }
  const CommandResult text = Demo("adl explain 48 --full");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  ExpectContains(text, "The whole queue, re-derived by replaying the log");
  ExpectContains(text, "It equals the commitment the log recorded");
  // The score recomputed from the inputs the reduction recorded (format 3), without replay.
  ExpectContains(text,
                 "mark 58000000, equity 10997000000, wallet 9997000000, maintenance "
                 "116000000): 87902733332, equal to the logged score.");
  ExpectContains(text, "      3  87902733332           -500  <- this counterparty");
}

TEST_F(CliQueryTest, AdlExplainErrors) {
  ExpectUsageError(Demo("adl explain 40"), "seq 40 is a liquidation, not an adl_reduction");
  ExpectUsageError(Demo("adl explain 4800"), "seq 4800 is not in the log (head is 48)");
  ExpectUsageError(Demo("adl explain x"), "bad SEQ");
}

TEST_F(CliQueryTest, AccountHistoryListsEveryEventNamingTheAccount) {
  const CommandResult history = Demo("account history 2");
  ASSERT_EQ(history.exit_code, 0) << history.output;
  for (const char* text :
       {"account_opened", "deposit", "liquidation ", "liquidation_fill", "insurance_fund_draw",
        "adl_queue", "adl_reduction", "events of account 2"}) {
    ExpectContains(history, text);
  }
  const auto rows = Json(Demo("account history 2 --json --limit 3"));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["type"], "account_opened");
  EXPECT_EQ(rows[0]["event"]["account_opened"]["account"], 2);
}

TEST_F(CliQueryTest, FundHistoryShowsCreditsDrawsAndBalances) {
  const CommandResult fund = Demo("fund history");
  ASSERT_EQ(fund.exit_code, 0) << fund.output;
  for (const char* text : {"credit", "top_up", "draw", "liquidation_shortfall", "-13600000",
                           "6400000", "184000", "0.184000"}) {
    ExpectContains(fund, text);
  }
  const auto draws = Json(Demo("fund history --json --account 2"));
  ASSERT_EQ(draws.size(), 2u);
  EXPECT_EQ(draws[1]["balance_after"], 184000);
  EXPECT_EQ(Json(Demo("fund history --json --asset 7")).size(), 0u);
}

TEST_F(CliQueryTest, LiquidationsListShowsBankruptcyPriceAndQuote) {
  const CommandResult list = Demo("liquidations list --account 2");
  ASSERT_EQ(list.exit_code, 0) << list.output;
  for (const char* text :
       {"BQ AMOUNT", " 40 ", "58036000", "29018000000", "0.500", "58036.000000"}) {
    ExpectContains(list, text);
  }
  EXPECT_EQ(Json(Demo("liquidations list --json"))[0]["position"], 500);
}

TEST_F(CliQueryTest, ExportCsvAndJsonLines) {
  const CommandResult csv = Demo("export --type adl --format csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.output;
  ExpectContains(csv, "seq,time_ns,time,group,market,symbol,account,counterparty,quantity");
  ExpectContains(csv, "\n48,");
  const std::string file = *scratch_ / "all.jsonl";
  const CommandResult all = Demo("export --type all --out " + file);
  ASSERT_EQ(all.exit_code, 0) << all.output;
  std::ifstream in(file);
  std::string line;
  std::vector<std::string> types;
  uint64_t previous = 0;
  while (std::getline(in, line)) {
    const auto row = nlohmann::json::parse(line);
    EXPECT_GT(row["seq"].get<uint64_t>(), previous);
    previous = row["seq"].get<uint64_t>();
    types.push_back(row["type"]);
  }
  EXPECT_NE(std::find(types.begin(), types.end(), "liquidation"), types.end());
  EXPECT_NE(std::find(types.begin(), types.end(), "fund_movement"), types.end());
  EXPECT_EQ(types.back(), "adl_reduction");
  const CommandResult all_csv = Demo("export --type all --format csv --limit 2");
  EXPECT_EQ(std::count(all_csv.output.begin(), all_csv.output.end(), '\n'), 3);
}

TEST_F(CliQueryTest, ExportRawStillWorksAndTheFormsDoNotMix) {
  const CommandResult raw = Demo("export 48 --raw --out " + (*scratch_ / "rec48"));
  ASSERT_EQ(raw.exit_code, 0) << raw.output;
  ExpectContains(raw, "rec48.record.bin");
  EXPECT_EQ(Demo("export 48 --raw --type adl --out x").exit_code, 2);
  ExpectUsageError(Demo("export 48 --type adl"), "a SEQ is only for");
  ExpectUsageError(Demo("export 48 --raw"), "needs --out PREFIX");
  ExpectUsageError(Demo("export --raw --out x"), "needs a SEQ");
  ExpectUsageError(Demo("export"), "give --type");
  EXPECT_EQ(Demo("export --type nope").exit_code, 2);
}

}  // namespace
}  // namespace query::testing
