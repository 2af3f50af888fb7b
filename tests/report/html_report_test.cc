// The report page (report/html_report.h): downsampling keeps sums and lows and aligns both
// histories; the page inlines the chart library and cannot be broken out of by its data.

#include "report/html_report.h"

#include <gtest/gtest.h>

#include <string>

#include "report/whatif_json.h"

namespace report {
namespace {

nlohmann::json Bucket(int64_t minute, int64_t liquidations, int64_t fund_end, int64_t fund_low) {
  return {{"minute", minute},     {"liquidations", liquidations},
          {"adl_reductions", 1},  {"liquidated_notional", 10 * liquidations},
          {"adl_notional", 7},    {"fund_end", fund_end},
          {"fund_low", fund_low}, {"mark_last", 1000 + minute}};
}

TEST(DownsampleTest, ShortSeriesAreKeptAsTheyAre) {
  nlohmann::json whatif = {{"logged", {{"minutes", {Bucket(5, 1, 9, 8), Bucket(6, 2, 7, 7)}}}},
                           {"what_if", {{"minutes", nlohmann::json::array()}}}};
  const nlohmann::json before = whatif;
  Downsample(&whatif);
  EXPECT_EQ(whatif["minutes_per_point"], 1);
  EXPECT_EQ(whatif["logged"], before["logged"]);
}

TEST(DownsampleTest, LongSeriesMergeIntoAlignedBucketsThatKeepSumsLowsAndLasts) {
  nlohmann::json logged = nlohmann::json::array();
  nlohmann::json what_if = nlohmann::json::array();
  const int64_t minutes = 3 * static_cast<int64_t>(kMaxChartPoints);  // Three minutes a point.
  int64_t liquidations = 0;
  for (int64_t m = 0; m < minutes; ++m) {
    logged.push_back(Bucket(1000 + m, m % 5, 100 - m % 3, 50 - m % 7));
    liquidations += m % 5;
    if (m % 2 == 1) what_if.push_back(Bucket(1000 + m, 1, 1, 1));
  }
  nlohmann::json whatif = {{"logged", {{"minutes", logged}}}, {"what_if", {{"minutes", what_if}}}};
  Downsample(&whatif);
  EXPECT_EQ(whatif["minutes_per_point"], 3);
  const nlohmann::json& merged = whatif["logged"]["minutes"];
  ASSERT_EQ(merged.size(), kMaxChartPoints);
  int64_t total = 0;
  for (const nlohmann::json& b : merged) total += b["liquidations"].get<int64_t>();
  EXPECT_EQ(total, liquidations);
  // The first point covers minutes 1000..1002: fund lows 50, 49, 48; the last balance 98.
  EXPECT_EQ(merged[0]["minute"], 1000);
  EXPECT_EQ(merged[0]["fund_low"], 48);
  EXPECT_EQ(merged[0]["fund_end"], 98);
  EXPECT_EQ(merged[0]["mark_last"], 1000 + 1002);  // The mark of minute 1002.
  EXPECT_EQ(merged[0]["adl_reductions"], 3);
  // The what-if's points start on the same boundaries.
  EXPECT_EQ(whatif["what_if"]["minutes"][0]["minute"], 1000);
  EXPECT_EQ(whatif["what_if"]["minutes"][1]["minute"], 1003);
}

TEST(RenderReportTest, InlinesTheLibraryAndKeepsDataInsideItsScript) {
  ReportPage page;
  page.title = "a </script><script>alert(1)</script> title";
  page.whatif = {{"logged", {{"minutes", nlohmann::json::array()}}},
                 {"what_if", {{"minutes", nlohmann::json::array()}}},
                 {"note", "</script><b>"}};
  const std::string html = RenderReport(page);
  EXPECT_NE(html.find("uPlot"), std::string::npos);
  EXPECT_EQ(html.find("/*@UPLOT_JS@*/"), std::string::npos);
  EXPECT_EQ(html.find("@DATA@"), std::string::npos);
  EXPECT_EQ(html.find("alert(1)</script>"), std::string::npos);
  EXPECT_NE(html.find("<\\/script><b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;/script&gt;"), std::string::npos);
  // Nothing is fetched: no external script, style sheet, image or import.
  for (const char* fetch : {"src=", "<link", "@import", "url(http", "fetch(", "XMLHttpRequest"}) {
    EXPECT_EQ(html.find(fetch), std::string::npos) << fetch;
  }
}

TEST(AdlPolicyNameTest, NamesRoundTrip) {
  for (auto policy : {engine::AdlPolicy::kBitmex, engine::AdlPolicy::kBinanceLeveragePnl,
                      engine::AdlPolicy::kProRata, engine::AdlPolicy::kHyperliquid}) {
    engine::AdlPolicy parsed = engine::AdlPolicy::kBitmex;
    ASSERT_TRUE(ParseAdlPolicy(AdlPolicyName(policy), &parsed));
    EXPECT_EQ(parsed, policy);
  }
  engine::AdlPolicy unused;
  EXPECT_FALSE(ParseAdlPolicy("fifo", &unused));
}

}  // namespace
}  // namespace report
