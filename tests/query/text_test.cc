// Time arguments and exact decimal display (query/text.h), table-driven.

#include "query/text.h"

#include <gtest/gtest.h>

#include "tests/testing/status_testing.h"

namespace query {
namespace {

struct TimeCase {
  const char* text;
  int64_t expected_ns;
};

TEST(ParseTimeTest, AcceptsIsoAndEpochForms) {
  const TimeCase cases[] = {
      {"2025-10-10T21:15:00Z", 1'760'130'900'000'000'000},
      {"2025-10-10T21:15:00.5Z", 1'760'130'900'500'000'000},
      {"2025-10-10T21:15:00.123456789Z", 1'760'130'900'123'456'789},
      {"2025-10-10t21:15:00z", 1'760'130'900'000'000'000},
      {"2025-10-10T21:15Z", 1'760'130'900'000'000'000},
      {"2025-10-10T23:15:00+02:00", 1'760'130'900'000'000'000},
      {"2025-10-10T20:15:00-01:00", 1'760'130'900'000'000'000},
      {"2025-10-10", 1'760'054'400'000'000'000},
      {"1970-01-01T00:00:00Z", 0},
      {"1969-12-31T23:59:59Z", -1'000'000'000},
      {"2024-02-29T00:00:00Z", 1'709'164'800'000'000'000},
      {"1760130900", 1'760'130'900'000'000'000},        // seconds
      {"1760130900123", 1'760'130'900'123'000'000},     // milliseconds
      {"1760130900123456", 1'760'130'900'123'456'000},  // microseconds
      {"1760130900123456789", 1'760'130'900'123'456'789},
      {"0", 0},
  };
  for (const TimeCase& c : cases) {
    auto parsed = ParseTime(c.text);
    ASSERT_OK(parsed);
    EXPECT_EQ(*parsed, c.expected_ns) << c.text;
  }
}

TEST(ParseTimeTest, RejectsMalformedTimesWithTheText) {
  for (const char* text :
       {"", "yesterday", "2025-13-01", "2025-02-30", "2025-10-10T25:00:00Z", "2025-10-10T21:15:00",
        "2025-10-10T21:15:00.Z", "2025-10-10T21:15:00.1234567890Z", "2025-10-10T21:15:00+2",
        "99999999999999999999", "12abc", "2025-10-10T21:15:00Zjunk"}) {
    auto parsed = ParseTime(text);
    ASSERT_TRUE(parsed.status().IsInvalidArgument()) << text;
    EXPECT_NE(parsed.status().message().find(std::string("'") + text + "'"), std::string::npos)
        << parsed.status().message();
  }
}

TEST(FormatScaledTest, IsExact) {
  EXPECT_EQ(FormatScaled(394, 3), "0.394");
  EXPECT_EQ(FormatScaled(-394, 3), "-0.394");
  EXPECT_EQ(FormatScaled(5, 3), "0.005");
  EXPECT_EQ(FormatScaled(123456, 0), "123456");
  EXPECT_EQ(FormatScaled(INT64_MIN, 6), "-9223372036854.775808");
  MarketScale scale{1, "BTCUSDT", 1, 3, 6};
  EXPECT_EQ(BaseQuantity(500, scale), "0.500");
  EXPECT_EQ(QuotePrice(58036000, scale), "58036.000000");  // Per lot of 0.001 BTC.
  EXPECT_EQ(QuoteAmount(14184000, scale), "14.184000");
}

}  // namespace
}  // namespace query
