// Text for people (see text.h). Dates go through Howard Hinnant's date library; everything
// else is a few lines of integer arithmetic.

#include "text/text.h"

#include <date/date.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <sstream>

#include "base/assert.h"
#include "base/decimal.h"

namespace text {
namespace {

using base::Result;
using base::Status;

constexpr int64_t kNanosPerSecond = 1'000'000'000;
// Years whose every instant int64 nanoseconds since 1970 hold (1677-09-21 to 2262-04-11).
constexpr int kFirstYear = 1678;
constexpr int kLastYear = 2261;

Status BadTime(std::string_view text, std::string_view why) {
  return Status::InvalidArgument(
      "bad time '" + std::string(text) + "'",
      std::string(why) +
          " (use ISO-8601 UTC like 2025-10-10T21:15:00Z or 2025-10-10T21:15:00.123456789Z, "
          "a date like 2025-10-10, or epoch seconds, milliseconds, microseconds or nanoseconds)");
}

Result<int64_t> ParseEpoch(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return BadTime(text, "epoch value out of range");
  }
  const __int128 magnitude = value < 0 ? -static_cast<__int128>(value) : value;
  __int128 scaled = value;
  if (magnitude < 100'000'000'000) {
    scaled *= kNanosPerSecond;
  } else if (magnitude < 100'000'000'000'000) {
    scaled *= 1'000'000;
  } else if (magnitude < 100'000'000'000'000'000) {
    scaled *= 1'000;
  }
  if (scaled > INT64_MAX || scaled < INT64_MIN) return BadTime(text, "epoch value out of range");
  return static_cast<int64_t>(scaled);
}

// True if the whole of `text` parses with `format` into `*time` (date::parse, nanoseconds).
template <typename Time>
bool ParseWhole(const std::string& text, const char* format, Time* time) {
  std::istringstream in(text);
  in >> date::parse(format, *time);
  return !in.fail() && in.peek() == std::char_traits<char>::eof();
}

// YYYY-MM-DDTHH:MM, optionally :SS and then optionally '.' and digits, then Z or +HH:MM /
// -HH:MM.
bool HasIsoShape(std::string_view text) {
  auto digits = [&](size_t from, size_t count) {
    if (text.size() < from + count) return false;
    for (size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
    }
    return true;
  };
  if (text.size() < 17 || !digits(0, 4) || text[4] != '-' || !digits(5, 2) || text[7] != '-' ||
      !digits(8, 2) || text[10] != 'T' || !digits(11, 2) || text[13] != ':' || !digits(14, 2)) {
    return false;
  }
  size_t at = 16;
  if (text[at] == ':') {
    if (!digits(17, 2)) return false;
    at = 19;
  }
  if (at == 19 && at < text.size() && text[at] == '.') {
    const size_t start = ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    if (at == start) return false;
  }
  const std::string_view zone = text.substr(at);
  return zone == "Z" || (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') &&
                         digits(at + 1, 2) && zone[3] == ':' && digits(at + 4, 2));
}

Result<int64_t> ParseIso(std::string_view original) {
  // The library takes 'T' and 'Z' only; the lower-case forms and a space mean the same.
  std::string text(original);
  if (text.size() > 10 && (text[10] == 't' || text[10] == ' ')) text[10] = 'T';
  if (!text.empty() && text.back() == 'z') text.back() = 'Z';
  if (text.size() < 10 || text[4] != '-') return BadTime(original, "not a date YYYY-MM-DD");
  // Exactly the documented shape, so that the date library never meets text it would read into
  // a floating-point value (the fuzzer found malformed times whose seconds came out NaN, an
  // undefined conversion inside <chrono>).
  if (text.size() > 10 && !HasIsoShape(text)) {
    return BadTime(original, "not an ISO-8601 time (YYYY-MM-DDTHH:MM:SS[.fraction]Z or +HH:MM)");
  }
  int year = 0;
  const auto [year_end, year_error] = std::from_chars(text.data(), text.data() + 4, year);
  if (year_error != std::errc() || year_end != text.data() + 4) {
    return BadTime(original, "not a date YYYY-MM-DD");
  }
  if (year < kFirstYear || year > kLastYear) {
    return BadTime(original, "outside the years 1678-2261 that nanoseconds can hold");
  }
  date::sys_days day;
  if (text.size() == 10) {
    if (!ParseWhole(text, "%F", &day)) return BadTime(original, "no such date");
    return static_cast<int64_t>(day.time_since_epoch().count()) * 86400 * kNanosPerSecond;
  }
  const size_t dot = text.find('.');
  if (dot != std::string::npos &&
      (dot + 1 == text.size() || !std::isdigit(static_cast<unsigned char>(text[dot + 1])))) {
    return BadTime(original, "no digits after '.'");
  }
  const size_t offset = text.find_first_of("+-", 11);
  if (text.back() != 'Z' && offset == std::string::npos) {
    return BadTime(original, "a time of day needs a zone: end it with Z (UTC) or +HH:MM");
  }
  // The library also takes "+H" and "+HH"; the documented form is exactly +HH:MM.
  if (offset != std::string::npos && (text.size() - offset != 6 || text[offset + 3] != ':')) {
    return BadTime(original, "bad UTC offset (use +HH:MM or -HH:MM)");
  }
  // The one format the shape calls for: trying %T on a time without seconds makes the library
  // compute NaN seconds on its way to failing (found by the fuzzer).
  const bool seconds = text[16] == ':';
  const bool utc = text.back() == 'Z';
  const char* format = seconds ? (utc ? "%FT%TZ" : "%FT%T%Ez") : (utc ? "%FT%RZ" : "%FT%R%Ez");
  date::sys_time<std::chrono::nanoseconds> time;
  if (ParseWhole(text, format, &time)) {
    return static_cast<int64_t>(time.time_since_epoch().count());
  }
  return BadTime(original, "not ISO-8601 (YYYY-MM-DDTHH:MM[:SS[.fraction]] then Z or +HH:MM)");
}

}  // namespace

Result<uint64_t> ParseUnsigned(std::string_view text, std::string_view what, uint64_t max) {
  uint64_t value = 0;
  bool ok = !text.empty() && text.size() <= 20;
  for (char c : text) {
    if (!ok || c < '0' || c > '9' || value > (max - static_cast<uint64_t>(c - '0')) / 10) {
      ok = false;
      break;
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok) {
    return Status::InvalidArgument(fmt::format("bad {}", what),
                                   fmt::format("'{}' is not a number in [0, {}]", text, max));
  }
  return value;
}

Result<SeqRange> ParseSeqRange(std::string_view text) {
  SeqRange range;
  if (text.empty()) return range;
  const size_t dots = text.find("..");
  const std::string_view from = text.substr(0, dots);
  const std::string_view to = dots == std::string_view::npos ? from : text.substr(dots + 2);
  bool ok = !(from.empty() && to.empty());
  if (ok && !from.empty()) {
    auto first = ParseUnsigned(from, "range", UINT64_MAX);
    ok = first.ok() && *first != 0;
    range.first = ok ? *first : 0;
  }
  if (ok && !to.empty()) {
    auto last = ParseUnsigned(to, "range", UINT64_MAX);
    ok = last.ok() && *last != 0;
    range.last = ok ? *last : 0;
  }
  if (!ok || (range.last != 0 && range.first > range.last)) {
    return Status::InvalidArgument(
        "bad range", fmt::format("'{}': use SEQ, FROM..TO, FROM.. or ..TO (seqs from 1)", text));
  }
  return range;
}

Result<int64_t> ParseTime(std::string_view text) {
  if (text.empty()) return BadTime(text, "empty");
  const size_t sign = text[0] == '-' ? 1 : 0;
  const bool all_digits =
      text.size() > sign &&
      std::all_of(text.begin() + sign, text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (all_digits) return ParseEpoch(text);
  return ParseIso(text);
}

std::string FormatTimeNs(int64_t time_ns) {
  const date::sys_time<std::chrono::nanoseconds> time{std::chrono::nanoseconds(time_ns)};
  return date::format("%FT%TZ", time);
}

std::string FormatTimeSeconds(int64_t time_ns) {
  const date::sys_time<std::chrono::nanoseconds> time{std::chrono::nanoseconds(time_ns)};
  return date::format("%F %T", date::floor<std::chrono::seconds>(time));
}

std::string FormatScaled(__int128 value, int decimals) {
  BACKSTOP_ASSERT(decimals >= 0 && decimals <= 30, decimals);
  std::string digits = base::DecimalDigits(base::Magnitude(value));
  // At least one digit before the point: 5 with 3 decimals is "0.005".
  if (digits.size() <= static_cast<size_t>(decimals)) {
    digits.insert(0, static_cast<size_t>(decimals) + 1 - digits.size(), '0');
  }
  if (decimals > 0) digits.insert(digits.size() - static_cast<size_t>(decimals), 1, '.');
  return value < 0 ? "-" + digits : digits;
}

std::string FormatScaledGrouped(__int128 value, int decimals) {
  const std::string plain = FormatScaled(value, decimals);
  const size_t first = plain[0] == '-' ? 1 : 0;
  const size_t point = std::min(plain.find('.'), plain.size());
  std::string out = plain.substr(0, first);
  for (size_t i = first; i < point; ++i) {
    if (i > first && (point - i) % 3 == 0) out.push_back(',');
    out.push_back(plain[i]);
  }
  return out + plain.substr(point);
}

std::string FormatCount(uint64_t value) { return FormatScaledGrouped(value, 0); }

std::string FormatQuotient(__int128 numerator, __int128 denominator, int min_decimals,
                           int max_decimals) {
  BACKSTOP_ASSERT(denominator > 0, min_decimals);
  BACKSTOP_ASSERT(min_decimals >= 0 && min_decimals <= max_decimals && max_decimals <= 30,
                  min_decimals, max_decimals);
  // Long division on the magnitude, one digit at a time: no intermediate exceeds
  // denominator * 10.
  const bool negative = numerator < 0;
  const unsigned __int128 magnitude = base::Magnitude(numerator);
  const auto divisor = static_cast<unsigned __int128>(denominator);
  unsigned __int128 remainder = magnitude % divisor;
  std::string out = base::DecimalDigits(magnitude / divisor);
  for (int i = 0; i < max_decimals && (i < min_decimals || remainder != 0); ++i) {
    if (i == 0) out.push_back('.');
    remainder *= 10;
    out.push_back(static_cast<char>('0' + static_cast<int>(remainder / divisor)));
    remainder %= divisor;
  }
  if (remainder != 0) out += "...";
  const bool zero = out.find_first_not_of("0.") == std::string::npos;
  return negative && !zero ? "-" + out : out;
}

std::string CsvCell(std::string_view value) {
  if (value.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(value);
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string FormatTable(const std::vector<std::string>& headers, const std::vector<bool>& left,
                        const std::vector<std::vector<std::string>>& rows) {
  BACKSTOP_ASSERT(left.size() == headers.size(), left.size(), headers.size());
  std::vector<size_t> widths(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) widths[i] = headers[i].size();
  for (const auto& row : rows) {
    BACKSTOP_ASSERT(row.size() <= headers.size(), row.size(), headers.size());
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  auto add_row = [&](const std::vector<std::string>& cells) {
    const size_t start = out.size();
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += "  ";
      if (left[i]) {
        fmt::format_to(std::back_inserter(out), "{:<{}}", cells[i], widths[i]);
      } else {
        fmt::format_to(std::back_inserter(out), "{:>{}}", cells[i], widths[i]);
      }
    }
    while (out.size() > start && out.back() == ' ') out.pop_back();
    out.push_back('\n');
  };
  add_row(headers);
  for (const auto& row : rows) add_row(row);
  return out;
}

ProgressLine::ProgressLine(std::string verb, std::string unit)
    : verb_(std::move(verb)), unit_(std::move(unit)), enabled_(isatty(fileno(stderr)) == 1) {}

void ProgressLine::Update(uint64_t done, uint64_t total, std::string_view detail) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(500)) {
    return;
  }
  last_ = now;
  shown_ = true;
  if (total == 0) {
    fmt::print(stderr, "\r\033[K{} {} {}{}", verb_, FormatCount(done), unit_, detail);
    return;
  }
  const uint64_t percent = std::min<uint64_t>(done, total) * 100 / total;
  fmt::print(stderr, "\r\033[K{} [{:<25}] {} / {} {} ({}%){}", verb_, std::string(percent / 4, '#'),
             FormatCount(done), FormatCount(total), unit_, percent, detail);
}

void ProgressLine::Clear() {
  if (shown_) fmt::print(stderr, "\r\033[K");
  shown_ = false;
}

}  // namespace text
