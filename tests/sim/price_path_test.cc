// Tests of the simulator's price paths: exact decimal parsing, the kline walk order, CSV
// validation and the built-in scenarios' shape and determinism.

#include "sim/price_path.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tests/testing/status_testing.h"

namespace sim {
namespace {

TEST(ParseDecimalPriceTest, ScalesExactly) {
  auto price = ParseDecimalPrice("119403.4", 3);
  ASSERT_OK(price);
  EXPECT_EQ(*price, 119'403'400);
  price = ParseDecimalPrice("3621.81", 3);
  ASSERT_OK(price);
  EXPECT_EQ(*price, 3'621'810);
  price = ParseDecimalPrice("60000", 3);
  ASSERT_OK(price);
  EXPECT_EQ(*price, 60'000'000);
  price = ParseDecimalPrice("0.1230000", 3);  // Trailing zeros beyond the scale are exact.
  ASSERT_OK(price);
  EXPECT_EQ(*price, 123);
}

TEST(ParseDecimalPriceTest, RefusesWhatItCannotRepresent) {
  EXPECT_FALSE(ParseDecimalPrice("1.0001", 3).ok());  // A digit below the scale.
  EXPECT_FALSE(ParseDecimalPrice("", 3).ok());
  EXPECT_FALSE(ParseDecimalPrice(".", 3).ok());
  EXPECT_FALSE(ParseDecimalPrice("1.2.3", 3).ok());
  EXPECT_FALSE(ParseDecimalPrice("-5", 3).ok());
  EXPECT_FALSE(ParseDecimalPrice("1e5", 3).ok());
  EXPECT_FALSE(ParseDecimalPrice("0.000", 3).ok());
  EXPECT_FALSE(ParseDecimalPrice("99999999999999", 3).ok());  // Beyond kMaxPrice.
}

TEST(WalkKlinesTest, OpenNearerExtremeFartherExtremeClose) {
  // Open 100, high 103 (3 away), low 90 (10 away): the high comes first.
  const std::vector<Kline> klines = {
      {60'000, engine::Price{100}, engine::Price{103}, engine::Price{90}, engine::Price{95}}};
  const std::vector<PricePoint> path = WalkKlines(klines, 1);
  ASSERT_EQ(path.size(), 4u);
  EXPECT_EQ(path[0].price, 100);
  EXPECT_EQ(path[1].price, 103);
  EXPECT_EQ(path[2].price, 90);
  EXPECT_EQ(path[3].price, 95);
  EXPECT_EQ(path[0].time_ns, 60'000'000'000);
  EXPECT_EQ(path[3].time_ns, 60'000'000'000 + 45'000'000'000);
}

TEST(WalkKlinesTest, InterpolatesAndKeepsTimeIncreasing) {
  const std::vector<Kline> klines = {
      {0, engine::Price{100}, engine::Price{130}, engine::Price{70}, engine::Price{80}},
      {60'000, engine::Price{80}, engine::Price{81}, engine::Price{79}, engine::Price{80}}};
  const std::vector<PricePoint> path = WalkKlines(klines, 3);
  ASSERT_EQ(path.size(), 20u);  // (3 segments * 3 steps + 1) per bar.
  // Tie (30 each way): the extreme farther from the close (the high) first.
  const std::vector<int64_t> first_bar = {100, 110, 120, 130, 110, 90, 70, 73, 76, 80};
  for (size_t i = 0; i < first_bar.size(); ++i) EXPECT_EQ(path[i].price, first_bar[i]) << i;
  for (size_t i = 1; i < path.size(); ++i) EXPECT_LT(path[i - 1].time_ns, path[i].time_ns);
}

class KlineCsvTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    const std::string path = ::testing::TempDir() + "/sim_klines_" + std::to_string(getpid()) +
                             "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                             ".csv";
    std::ofstream(path) << text;
    return path;
  }
};

TEST_F(KlineCsvTest, ReadsTheSourcesLayout) {
  const std::string path = Write(
      "open_time_ms,open_time_utc,open,high,low,close,volume_btc,trades,taker_buy_volume_btc\n"
      "1760112000000,2025-10-10 16:00:00,121427.4,121500.0,121400.1,121450.9,1,2,3\n"
      "1760112060000,2025-10-10 16:01:00,121450.9,121460.0,121300.0,121310.5,1,2,3\n");
  auto klines = ReadKlineCsv(path, 3);
  ASSERT_OK(klines);
  ASSERT_EQ(klines->size(), 2u);
  EXPECT_EQ((*klines)[0].open, 121'427'400);
  EXPECT_EQ((*klines)[1].low, 121'300'000);
  EXPECT_EQ((*klines)[1].open_time_ms, 1'760'112'060'000);
}

TEST_F(KlineCsvTest, RefusesBadFilesNamingTheLine) {
  auto klines = ReadKlineCsv(Write("time,open,high\n1,2,3\n"), 3);
  EXPECT_TRUE(klines.status().IsInvalidArgument());
  klines = ReadKlineCsv(Write("open_time_ms,open_time_utc,open,high,low,close\n"
                              "1000,x,10,9,8,9\n"),  // open above high
                        3);
  ASSERT_FALSE(klines.ok());
  EXPECT_NE(klines.status().message().find(":2:"), std::string::npos) << klines.status().message();
  klines = ReadKlineCsv(Write("open_time_ms,open_time_utc,open,high,low,close\n"
                              "2000,x,10,11,9,10\n1000,x,10,11,9,10\n"),
                        3);
  EXPECT_FALSE(klines.ok());
  EXPECT_TRUE(ReadKlineCsv("/nonexistent/prices.csv", 3).status().IsNotFound());
}

TEST(BuiltinPathTest, CrashFallsAboutThirtyPercentThenRebounds) {
  const std::vector<PricePoint> path = BuiltinPath(BuiltinScenario::kCrash, 7);
  ASSERT_EQ(path.size(), 721u);
  const auto low = std::min_element(path.begin(), path.end(),
                                    [](const auto& a, const auto& b) { return a.price < b.price; });
  EXPECT_LT(low->price, kBuiltinStartPrice.value() * 73 / 100);
  EXPECT_GT(low->price, kBuiltinStartPrice.value() * 64 / 100);
  const int64_t minutes_in = (low->time_ns - kBuiltinStartNs) / 60'000'000'000;
  EXPECT_GE(minutes_in, 21);
  EXPECT_LE(minutes_in, 28);
  EXPECT_GT(path.back().price, low->price.value() * 110 / 100);  // A partial rebound.
  EXPECT_LT(path.back().price, kBuiltinStartPrice.value() * 90 / 100);
}

TEST(BuiltinPathTest, CalmStaysWithinOnePercentAndSeedsDiffer) {
  const std::vector<PricePoint> calm = BuiltinPath(BuiltinScenario::kCalm, 1);
  for (const PricePoint& point : calm) {
    EXPECT_GT(point.price, kBuiltinStartPrice.value() * 99 / 100);
    EXPECT_LT(point.price, kBuiltinStartPrice.value() * 101 / 100);
  }
  const std::vector<PricePoint> again = BuiltinPath(BuiltinScenario::kCalm, 1);
  const std::vector<PricePoint> other = BuiltinPath(BuiltinScenario::kCalm, 2);
  auto prices = [](const std::vector<PricePoint>& path) {
    std::vector<int64_t> out;
    for (const PricePoint& point : path) out.push_back(point.price.value());
    return out;
  };
  EXPECT_EQ(prices(calm), prices(again));
  EXPECT_NE(prices(calm), prices(other));
}

}  // namespace
}  // namespace sim
