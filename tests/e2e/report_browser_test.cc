// The HTML report in a real browser: Debian's chromium, headless, loads the page written by
// `backstop report` from a file with no network and dumps the DOM after the scripts ran. The
// page must report no script error, every chart must have painted pixels into its canvas, and
// every figure in the page's outcome table must equal `backstop whatif --json`'s. A screenshot
// of each page is kept in the build folder (build/artifacts/) to look at.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "tests/e2e/cli_test_support.h"

namespace e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* kChromiumFlags =
    "--headless --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run --hide-scrollbars "
    "--virtual-time-budget=10000";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ReportBrowserTest : public ::testing::Test {
 protected:
  ReportBrowserTest() : scratch_("report-browser") {}

  void SetUp() override {
    ASSERT_EQ(RunShell("command -v chromium >/dev/null").exit_code, 0)
        << "chromium is missing: scripts/setup.sh installs Debian's chromium";
  }

  // Runs chromium on `html` with a fresh profile: `args` is --dump-dom or --screenshot=...
  CommandResult Chromium(const std::string& html, const std::string& args, int run) {
    const std::string profile = scratch_ / ("profile-" + std::to_string(run));
    fs::create_directories(profile);
    return RunShell(std::string("timeout 120 chromium ") + kChromiumFlags +
                    " --enable-logging=stderr --v=0 --user-data-dir=" + profile + " " + args +
                    " file://" + html + " 2>" + scratch_ / "chromium.err");
  }

  // Loads the page, checks it drew, and returns the DOM as the scripts left it.
  std::string LoadAndCheck(const std::string& html, const std::string& artifact) {
    const CommandResult dom = Chromium(html, "--dump-dom", 1);
    EXPECT_EQ(dom.exit_code, 0) << dom.output;
    const std::string log = ReadFile(scratch_ / "chromium.err");
    EXPECT_EQ(log.find("CONSOLE"), std::string::npos) << "console output:\n" << log;
    std::smatch body;
    EXPECT_TRUE(std::regex_search(dom.output, body, std::regex("<body[^>]*>")));
    const std::string body_tag = body.str();
    EXPECT_NE(body_tag.find("data-ready=\"yes\""), std::string::npos) << body_tag;
    EXPECT_NE(body_tag.find("data-errors=\"0\""), std::string::npos) << body_tag;
    EXPECT_NE(body_tag.find("data-charts=\"4\""), std::string::npos) << body_tag;
    for (const char* chart : {"chart-mark", "chart-fund", "chart-notional", "chart-queue"}) {
      std::smatch tag;
      const std::regex pattern(std::string("<div class=\"chart\" id=\"") + chart + "\"[^>]*>");
      if (!std::regex_search(dom.output, tag, pattern)) {
        ADD_FAILURE() << chart << " is not in the page";
        continue;
      }
      EXPECT_NE(tag.str().find("data-drawn=\"yes\""), std::string::npos) << tag.str();
    }
    const fs::path artifacts = fs::path(BACKSTOP_ARTIFACT_DIR);
    fs::create_directories(artifacts);
    const std::string png = (artifacts / artifact).string();
    fs::remove(png);
    const CommandResult shot = Chromium(html, "--window-size=1220,2600 --screenshot=" + png, 2);
    EXPECT_EQ(shot.exit_code, 0) << shot.output;
    EXPECT_GT(fs::exists(png) ? fs::file_size(png) : 0, 20'000u) << png;
    return dom.output;
  }

  ScratchDir scratch_;
};

// Every figure cell (data-key="logged.adl_reductions" data-value="847") against the JSON.
int ExpectFiguresMatch(const std::string& dom, const nlohmann::json& json) {
  const std::regex cell("data-key=\"([a-z_]+)\\.([a-z_0-9.]+)\" data-value=\"(-?[0-9]+)\"");
  int compared = 0;
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), cell); it != std::sregex_iterator();
       ++it) {
    const std::string side = (*it)[1];
    std::string key = (*it)[2];
    std::replace(key.begin(), key.end(), '.', '/');
    const nlohmann::json& expected = json[side].at(nlohmann::json::json_pointer("/" + key));
    EXPECT_EQ(std::stoll((*it)[3]), expected.get<int64_t>()) << side << "." << key;
    ++compared;
  }
  return compared;
}

TEST_F(ReportBrowserTest, CrashDemoWithAWhatIfDrawsEveryChartAndShowsTheJsonFigures) {
  ASSERT_EQ(RunBackstop("keygen --out " + scratch_ / "signer").exit_code, 0);
  const CommandResult simulated =
      RunBackstop("simulate --scenario crash --data " + scratch_ / "data" + " --key " +
                  scratch_ / "signer.key.pem" + " --report " + scratch_ / "simulated.html");
  ASSERT_EQ(simulated.exit_code, 0) << simulated.output;
  const std::string what_if = "--adl-policy pro_rata --fund-scale 1000";
  const CommandResult json =
      RunBackstop("whatif --json " + what_if + " --data " + scratch_ / "data");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  const std::string html = scratch_ / "report.html";
  const CommandResult written =
      RunBackstop("report --data " + scratch_ / "data" + " --out " + html + " --whatif " + what_if);
  ASSERT_EQ(written.exit_code, 0) << written.output;
  const std::string dom = LoadAndCheck(html, "report-crash-whatif.png");
  const nlohmann::json parsed = nlohmann::json::parse(json.output);
  // 10 figures and 3 per fund, in both histories.
  EXPECT_EQ(ExpectFiguresMatch(dom, parsed),
            2 * (10 + 3 * static_cast<int>(parsed["logged"]["funds"].size())));
  EXPECT_NE(dom.find("data-account="), std::string::npos) << "the top-accounts tables have rows";

  // simulate --report wrote the control page of the same log.
  const std::string control_dom = LoadAndCheck(scratch_ / "simulated.html", "report-crash.png");
  const CommandResult control = RunBackstop("whatif --json --data " + scratch_ / "data");
  ASSERT_EQ(control.exit_code, 0);
  EXPECT_EQ(ExpectFiguresMatch(control_dom, nlohmann::json::parse(control.output)),
            10 + 3 * static_cast<int>(parsed["logged"]["funds"].size()));
}

}  // namespace
}  // namespace e2e
