// What a new user tripped on, end to end: `replay --to 0`, `replay --json` with accounts that
// hold nothing, reason codes by name in `log show` and JSON, and `ingest` naming the line and
// the reason of every command the engine refused.
//
// Goal and method: each test runs the real `backstop` binary in a scratch folder on a few
// input lines or on the shipped crash demo (whose line 21, a withdrawal, is refused with
// insufficient_margin) and checks the words a user reads.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/e2e/cli_test_support.h"

namespace e2e {
namespace {

const std::string kDemo = std::string(BACKSTOP_SOURCE_DIR) + "/docs/examples/crash-demo.jsonl";

class CliUserTextTest : public ::testing::Test {
 protected:
  void SetUp() override { InitLog(scratch_); }
  std::string Data() const { return " --data " + (scratch_ / "data"); }
  CommandResult Ingest(const std::string& lines) {
    std::ofstream(scratch_ / "in.jsonl") << lines;
    return RunBackstop("ingest " + (scratch_ / "in.jsonl") + Data() + " --key " +
                       (scratch_ / "signer.key.pem") + " 2>&1");
  }
  nlohmann::json ReplayJson(const std::string& extra) {
    const CommandResult replay = RunBackstop("replay --json" + extra + Data());
    EXPECT_EQ(replay.exit_code, 0) << replay.output;
    return nlohmann::json::parse(replay.output, nullptr, /*allow_exceptions=*/false);
  }
  ScratchDir scratch_{"user-text"};
};

TEST_F(CliUserTextTest, ReplayToZeroPrintsTheEmptyState) {
  ASSERT_EQ(Ingest("{\"type\":\"open_account\",\"account\":9}\n"
                   "{\"type\":\"deposit\",\"account\":9,\"asset\":1,\"amount\":5}\n")
                .exit_code,
            0);
  const nlohmann::json empty = ReplayJson(" --to 0");
  EXPECT_EQ(empty["seq"], 0) << empty;
  EXPECT_EQ(empty["accounts"], nlohmann::json::array()) << empty;
  EXPECT_EQ(empty["assets"], nlohmann::json::array()) << empty;
  const CommandResult text = RunBackstop("replay --to 0" + Data());
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("state as of seq 0"), std::string::npos) << text.output;
  EXPECT_GT(ReplayJson("")["seq"].get<int>(), 0);  // Without --to: the head.
  const CommandResult help = RunBackstop("replay --help");
  EXPECT_NE(help.output.find("0: the empty state"), std::string::npos) << help.output;
}

TEST_F(CliUserTextTest, ReplayJsonListsEveryOpenedAccountEvenWithoutADeposit) {
  EXPECT_EQ(ReplayJson("")["accounts"], nlohmann::json::array());  // An empty log.
  ASSERT_EQ(Ingest("{\"type\":\"open_account\",\"account\":9}\n").exit_code, 0);
  const nlohmann::json state = ReplayJson("");
  ASSERT_EQ(state["accounts"].size(), 1u) << state;
  EXPECT_EQ(state["accounts"][0]["account"], 9);
  EXPECT_TRUE(state["accounts"][0]["asset"].is_null()) << state;
  EXPECT_EQ(state["accounts"][0]["wallet_balance"], 0);
}

TEST_F(CliUserTextTest, LogShowNamesReasonCodes) {
  ASSERT_EQ(Ingest("{\"type\":\"deposit\",\"account\":77,\"asset\":1,\"amount\":5}\n").exit_code,
            0);
  const CommandResult text = RunBackstop("log show 2" + Data());
  EXPECT_NE(text.output.find("input_rejected         reason=unknown_account(101)"),
            std::string::npos)
      << text.output;
  const auto json = nlohmann::json::parse(RunBackstop("log show 2 --json" + Data()).output);
  EXPECT_EQ(json["input_rejected"]["reason"], "unknown_account") << json;
  EXPECT_EQ(json["input_rejected"]["reason_code"], 101) << json;
}

TEST_F(CliUserTextTest, NoReasonIsABareNumberInTheDemo) {
  ASSERT_EQ(
      RunBackstop("ingest " + kDemo + Data() + " --key " + (scratch_ / "signer.key.pem")).exit_code,
      0);
  const CommandResult text = RunBackstop("log show" + Data());
  EXPECT_NE(text.output.find("order_cancelled"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("reason=user(0)"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("reason=insufficient_margin(201)"), std::string::npos) << text.output;
  EXPECT_FALSE(std::regex_search(text.output, std::regex("reason=[0-9]"))) << text.output;
}

TEST_F(CliUserTextTest, IngestNamesTheLineAndReasonOfEachRefusal) {
  const CommandResult demo =
      RunBackstop("ingest " + kDemo + Data() + " --key " + (scratch_ / "signer.key.pem") + " 2>&1");
  ASSERT_EQ(demo.exit_code, 0) << demo.output;
  EXPECT_NE(demo.output.find("line 21: refused by the engine: insufficient_margin (201)"),
            std::string::npos)
      << demo.output;
  const CommandResult two = Ingest(
      "{\"type\":\"deposit\",\"account\":77,\"asset\":1,\"amount\":5}\n"
      "{\"type\":\"open_account\",\"account\":2}\n");
  EXPECT_NE(two.output.find("line 1: refused by the engine: unknown_account (101)"),
            std::string::npos)
      << two.output;
  EXPECT_NE(two.output.find("line 2: refused by the engine: account_exists (109)"),
            std::string::npos)
      << two.output;
}

}  // namespace
}  // namespace e2e
