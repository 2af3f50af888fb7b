// `backstop report` as a user runs it reads the logged history from the log; `report --check`
// makes the same page by the what-if control run (every effect re-derived), as report did
// before. The two HTML files must be identical byte for byte, over a whole log and over
// snapshot windows; --check and --whatif exclude each other.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/cli_test_support.h"

namespace e2e {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

class ReportFastTest : public ::testing::Test {
 protected:
  ReportFastTest() : scratch_("report_fast") {}

  // Writes the page both ways with `window` flags and expects the same bytes.
  void ExpectSamePage(const std::string& data, const std::string& window) {
    SCOPED_TRACE(window);
    const std::string fast = scratch_ / "fast.html";
    const std::string checked = scratch_ / "checked.html";
    const CommandResult read =
        RunBackstop("report --data " + data + " --out " + fast + " " + window);
    ASSERT_EQ(read.exit_code, 0) << read.output;
    const CommandResult check =
        RunBackstop("report --check --data " + data + " --out " + checked + " " + window);
    ASSERT_EQ(check.exit_code, 0) << check.output;
    const std::string page = ReadFile(fast);
    EXPECT_GT(page.size(), 10000u);
    EXPECT_TRUE(page == ReadFile(checked)) << "the pages differ";
  }

  ScratchDir scratch_;
};

TEST_F(ReportFastTest, SamePageAsTheControlRun) {
  ASSERT_EQ(RunBackstop("keygen --out " + scratch_ / "signer").exit_code, 0);
  const std::string data = scratch_ / "data";
  const CommandResult simulated =
      RunBackstop("simulate --scenario crash --snapshot-every 12000 --data " + data + " --key " +
                  scratch_ / "signer.key.pem");
  ASSERT_EQ(simulated.exit_code, 0) << simulated.output;
  ExpectSamePage(data, "");
  const CommandResult listed = RunBackstop("snapshot list --json --data " + data);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  const nlohmann::json snapshots = nlohmann::json::parse(listed.output);
  ASSERT_GE(snapshots.size(), 3u);
  std::vector<uint64_t> seqs;
  for (const nlohmann::json& snapshot : snapshots) seqs.push_back(snapshot["seq"].get<uint64_t>());
  std::sort(seqs.begin(), seqs.end());
  const uint64_t first = seqs[0];
  const uint64_t third = seqs[2];
  ExpectSamePage(
      data, "--from-snapshot " + std::to_string(first) + " --to " + std::to_string(third + 5000));

  const fs::path fixture = scratch_ / "fixture";
  fs::copy(std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures/v1-crash-demo", fixture,
           fs::copy_options::recursive);
  ExpectSamePage(fixture.string(), "");
}

TEST_F(ReportFastTest, CheckExcludesWhatIf) {
  const fs::path fixture = scratch_ / "fixture";
  fs::copy(std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures/v1-crash-demo", fixture,
           fs::copy_options::recursive);
  const CommandResult both = RunBackstop("report --check --whatif --fund-scale 200 --data " +
                                         fixture.string() + " --out " + scratch_ / "x.html");
  EXPECT_EQ(both.exit_code, 2) << both.output;
}

}  // namespace
}  // namespace e2e
