// Text for people (text/text.h): time arguments and stamps, exact decimals, CSV cells and
// tables, table-driven.

#include "text/text.h"

#include <gtest/gtest.h>

#include "tests/testing/status_testing.h"

namespace text {
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
       {"", "yesterday", "ab", "3000-01-01", "1600-01-01", "2025-10-10T21:15:00+02", "2025-13-01",
        "2025-02-30", "2025-10-10T25:00:00Z", "2025-10-10T21:15:00", "2025-10-10T21:15:00.Z",
        "2025-10-10T21:15:00.1234567890Z", "2025-10-10T21:15:00+2", "99999999999999999999", "12abc",
        "2025-10-10T21:15:00Zjunk"}) {
    auto parsed = ParseTime(text);
    ASSERT_TRUE(parsed.status().IsInvalidArgument()) << text;
    EXPECT_NE(parsed.status().message().find(std::string("'") + text + "'"), std::string::npos)
        << parsed.status().message();
  }
}

// Found by scripts/fuzz.sh (fuzz_input): junk bytes inside the time of day, and a time without
// seconds tried against %T first, made the date library compute NaN seconds and convert them to
// an integer inside <chrono> (undefined behaviour under UBSan). Malformed times are refused
// before the library sees them, and each shape is parsed with its own format only.
TEST(ParseTimeTest, RefusesJunkBytesInsideTheTimeOfDay) {
  std::string text = "2024-08-05T00:1" + std::string(20, '\xac') + "2:30Z";
  EXPECT_TRUE(ParseTime(text).status().IsInvalidArgument());
  EXPECT_TRUE(ParseTime("2024-08-05T00:12:30Z").ok());
  EXPECT_TRUE(ParseTime("2024-08-05T12:30Z").ok());  // Was parsed as %T first: NaN seconds.
  EXPECT_TRUE(ParseTime("2024-08-05T00:12:30.25+02:00").ok());
}

TEST(ParseUnsignedTest, AcceptsDigitsUpToTheMaximumOnly) {
  EXPECT_EQ(*ParseUnsigned("0", "SEQ", 10), 0u);
  EXPECT_EQ(*ParseUnsigned("10", "SEQ", 10), 10u);
  EXPECT_EQ(*ParseUnsigned("18446744073709551615", "SEQ", UINT64_MAX), UINT64_MAX);
  for (const char* bad : {"", "11", "-1", "+1", " 1", "1 ", "1e3", "0x1", "18446744073709551616",
                          "000000000000000000001"}) {
    auto parsed = ParseUnsigned(bad, "--market", 10);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().ToString(), "InvalidArgument: bad --market: '" + std::string(bad) +
                                              "' is not a number in [0, 10]");
  }
}

TEST(ParseSeqRangeTest, AcceptsTheFiveFormsAndNothingElse) {
  auto check = [](const char* text, uint64_t first, uint64_t last) {
    auto range = ParseSeqRange(text);
    ASSERT_TRUE(range.ok()) << text << ": " << range.status().ToString();
    EXPECT_EQ(range->first, first) << text;
    EXPECT_EQ(range->last, last) << text;
  };
  check("", 1, 0);
  check("7", 7, 7);
  check("3..9", 3, 9);
  check("3..", 3, 0);
  check("..9", 1, 9);
  check("5..5", 5, 5);
  for (const char* bad :
       {"..", "0", "0..5", "5..0", "9..3", "a", "3...9", "3..9..", "-1..2", " 3..9", "3. .9"}) {
    auto range = ParseSeqRange(bad);
    ASSERT_FALSE(range.ok()) << bad;
    EXPECT_NE(range.status().ToString().find("use SEQ, FROM..TO, FROM.. or ..TO"),
              std::string::npos)
        << range.status().ToString();
  }
}

TEST(FormatScaledTest, IsExact) {
  EXPECT_EQ(FormatScaled(394, 3), "0.394");
  EXPECT_EQ(FormatScaled(-394, 3), "-0.394");
  EXPECT_EQ(FormatScaled(5, 3), "0.005");
  EXPECT_EQ(FormatScaled(123456, 0), "123456");
  EXPECT_EQ(FormatScaled(INT64_MIN, 6), "-9223372036854.775808");
  EXPECT_EQ(FormatScaled(0, 2), "0.00");
  EXPECT_EQ(FormatScaled(-5, 0), "-5");
  const __int128 min = -static_cast<__int128>(~static_cast<unsigned __int128>(0) >> 1) - 1;
  EXPECT_EQ(FormatScaled(min, 30), "-170141183.460469231731687303715884105728");
  // The quotient's whole part may be 2^127, one past the largest Int128.
  EXPECT_EQ(FormatQuotient(min, 1, 0, 0), "-170141183460469231731687303715884105728");
}

TEST(FormatTimeTest, PrintsNanosecondsInUtc) {
  EXPECT_EQ(FormatTimeNs(1'760'130'900'123'456'789), "2025-10-10T21:15:00.123456789Z");
  EXPECT_EQ(FormatTimeNs(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatTimeNs(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatTimeSeconds(1'760'130'900'999'999'999), "2025-10-10 21:15:00");
  EXPECT_EQ(FormatTimeSeconds(-1), "1969-12-31 23:59:59");
}

TEST(FormatTimeTest, ParsesWhatItPrints) {
  for (int64_t ns : {int64_t{0}, int64_t{-1}, int64_t{1'760'130'900'123'456'789},
                     int64_t{-9'000'000'000'000'000'000}, int64_t{9'000'000'000'000'000'000}}) {
    auto parsed = ParseTime(FormatTimeNs(ns));
    ASSERT_OK(parsed);
    EXPECT_EQ(*parsed, ns);
  }
}

TEST(FormatScaledTest, GroupsThousands) {
  EXPECT_EQ(FormatScaledGrouped(-1'234'500'000, 6), "-1,234.500000");
  EXPECT_EQ(FormatScaledGrouped(123, 0), "123");
  EXPECT_EQ(FormatScaledGrouped(1'000, 3), "1.000");
  EXPECT_EQ(FormatCount(1'234'567), "1,234,567");
  EXPECT_EQ(FormatCount(0), "0");
}

TEST(FormatQuotientTest, IsExactWhenItEndsAndMarkedWhenCut) {
  EXPECT_EQ(FormatQuotient(135'030, 3, 0, 6), "45010");
  EXPECT_EQ(FormatQuotient(135'031, 3, 0, 3), "45010.333...");
  EXPECT_EQ(FormatQuotient(1, 8, 2, 6), "0.125");
  EXPECT_EQ(FormatQuotient(1, 2, 3, 6), "0.500");
  EXPECT_EQ(FormatQuotient(-7, 2, 0, 6), "-3.5");
  EXPECT_EQ(FormatQuotient(0, 5, 1, 6), "0.0");
}

TEST(CsvCellTest, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(CsvCell("plain"), "plain");
  EXPECT_EQ(CsvCell("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvCell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvCell("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvCell(""), "");
}

TEST(FormatTableTest, AlignsColumnsAndTrimsTrailingSpaces) {
  EXPECT_EQ(FormatTable({"SEQ", "NAME", ""}, {false, true, true},
                        {{"7", "alpha", ""}, {"12345", "b", "<- this"}}),
            "  SEQ  NAME\n"
            "    7  alpha\n"
            "12345  b      <- this\n");
}

}  // namespace
}  // namespace text
