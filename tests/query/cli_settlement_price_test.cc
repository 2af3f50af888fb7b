// The settlement price on a coarse tick, end to end: the crash demo with a tick of 100000 per
// lot (100 USDT per BTC), where the bankruptcy price on the tick (58100000 per lot, 58,100 per
// BTC) differs from the price the position and the ADL reduction settled at (BQ / Q = 58,036
// per BTC).
//
// Goal and method: `liquidations list`, `adl list` and `adl explain` must show the exact
// settlement price beside the rounded one, never the rounded one as if it were the trade's, and
// name the price and amount columns so that they cannot be confused.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/cli_test_support.h"

namespace query::testing {
namespace {

using e2e::CommandResult;
using e2e::RunBackstop;

class CliSettlementPriceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new e2e::ScratchDir("query-coarse-tick");
    e2e::InitLog(*scratch_);
    std::ifstream demo(std::string(BACKSTOP_SOURCE_DIR) + "/docs/examples/crash-demo.jsonl");
    std::stringstream text;
    text << demo.rdbuf();
    std::string lines = text.str();
    const std::string tick = "\"tick_size\":100,";
    const size_t at = lines.find(tick);
    ASSERT_NE(at, std::string::npos);
    lines.replace(at, tick.size(), "\"tick_size\":100000,");
    std::ofstream(*scratch_ / "coarse.jsonl") << lines;
    const CommandResult ingest =
        RunBackstop("ingest " + (*scratch_ / "coarse.jsonl") + " --data " + (*scratch_ / "data") +
                    " --key " + (*scratch_ / "signer.key.pem"));
    ASSERT_EQ(ingest.exit_code, 0) << ingest.output;
  }
  static void TearDownTestSuite() { delete scratch_; }

  static CommandResult Run(const std::string& arguments) {
    return RunBackstop(arguments + " --data " + (*scratch_ / "data") + " 2>&1");
  }
  // Runs `backstop ARGS`, which must succeed and print every text of `says` and none of
  // `never`.
  static void ExpectWords(const std::string& arguments, std::vector<std::string> says,
                          std::vector<std::string> never) {
    const CommandResult result = Run(arguments);
    ASSERT_EQ(result.exit_code, 0) << result.output;
    for (const std::string& text : says) {
      EXPECT_NE(result.output.find(text), std::string::npos) << "no '" << text << "' in:\n"
                                                             << result.output;
    }
    for (const std::string& text : never) {
      EXPECT_EQ(result.output.find(text), std::string::npos) << "'" << text << "' in:\n"
                                                             << result.output;
    }
  }

  static e2e::ScratchDir* scratch_;
};
e2e::ScratchDir* CliSettlementPriceTest::scratch_ = nullptr;

TEST_F(CliSettlementPriceTest, TheLogHoldsARoundedBankruptcyPrice) {
  const auto rows = nlohmann::json::parse(Run("liquidations list --json").output);
  ASSERT_EQ(rows.size(), 1u) << rows;
  EXPECT_EQ(rows[0]["bankruptcy_price"], 58100000);
  EXPECT_EQ(rows[0]["bankruptcy_quote"], 29018000000);
  EXPECT_EQ(rows[0]["position"], 500);
  EXPECT_EQ(rows[0]["settlement_price_dec"], "58036.000000");
}

TEST_F(CliSettlementPriceTest, LiquidationsListShowsTheExactPriceUnderClearNames) {
  ExpectWords("liquidations list", {"BP /lot", "BQ AMOUNT", "SETTLED PRICE*", "58036.000000"},
              {"58100.000000", "BANKRUPTCY quote*"});
}

TEST_F(CliSettlementPriceTest, AdlListShowsTheExactPrice) {
  ExpectWords("adl list", {"SETTLED PRICE*", "58036.000000"}, {"58100.000000"});
  const auto rows = nlohmann::json::parse(Run("adl list --json").output);
  ASSERT_EQ(rows.size(), 1u) << rows;
  EXPECT_EQ(rows[0]["settlement_price_dec"], "58036.000000");
  EXPECT_EQ(rows[0]["price_dec"], "58100.000000");  // The logged field, on the tick.
}

TEST_F(CliSettlementPriceTest, AdlExplainSaysWhatTheTradeSettledAt) {
  ExpectWords(
      "adl explain 48",
      {"settled for 22866184000 (22866.184000 quote)", "exactly 58036.000000 quote per base unit",
       "the bankruptcy price on the tick is 58100000 per lot"},
      {"at 58100000 per lot"});
}

}  // namespace
}  // namespace query::testing
