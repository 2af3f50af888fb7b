// `backstop whatif` as a user runs it, on a copy of the format-1 crash-demo fixture: the control
// run reproduces the log (text and JSON), a changed policy parts the histories, bad options exit 2.

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/e2e/cli_test_support.h"

namespace e2e {
namespace {

class CliWhatIfTest : public ::testing::Test {
 protected:
  CliWhatIfTest() : scratch_("whatif") {
    std::filesystem::copy(std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures/v1-crash-demo",
                          scratch_ / "data", std::filesystem::copy_options::recursive);
  }
  ScratchDir scratch_;
};

TEST_F(CliWhatIfTest, ControlRunReproducesTheLog) {
  const CommandResult text = RunBackstop("whatif --data " + scratch_ / "data");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("reproduces the logged effects exactly"), std::string::npos)
      << text.output;
  const CommandResult json = RunBackstop("whatif --json --data " + scratch_ / "data");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  const nlohmann::json parsed = nlohmann::json::parse(json.output);
  EXPECT_TRUE(parsed["identical"].get<bool>());
  EXPECT_EQ(parsed["logged"], parsed["what_if"]);
  EXPECT_EQ(parsed["window"]["records"].get<uint64_t>(), 48u);
  EXPECT_GT(parsed["logged"]["adl_reductions"].get<uint64_t>(), 0u);
}

TEST_F(CliWhatIfTest, AnotherPolicyPartsTheHistories) {
  const CommandResult json =
      RunBackstop("whatif --json --adl-policy pro_rata --data " + scratch_ / "data");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  const nlohmann::json parsed = nlohmann::json::parse(json.output);
  EXPECT_EQ(parsed["parameters"]["adl_policy"], "pro_rata");
  EXPECT_FALSE(parsed["identical"].get<bool>());
  EXPECT_GT(parsed["first_difference"]["seq"].get<uint64_t>(), 0u);
}

TEST_F(CliWhatIfTest, BadOptionsExitTwo) {
  EXPECT_EQ(RunBackstop("whatif --adl-policy fifo --data " + scratch_ / "data").exit_code, 2);
  EXPECT_EQ(
      RunBackstop("whatif --insurance-fund 1 --fund-scale 5 --data " + scratch_ / "data").exit_code,
      2);
  EXPECT_EQ(RunBackstop("whatif --mmr-scale -3 --data " + scratch_ / "data").exit_code, 2);
  EXPECT_EQ(RunBackstop("whatif --to 999 --data " + scratch_ / "data").exit_code, 2);
  // The fixture's one snapshot is at its head: nothing is left to replay after it.
  EXPECT_EQ(RunBackstop("whatif --from-snapshot 48 --data " + scratch_ / "data").exit_code, 2);
}

}  // namespace
}  // namespace e2e
