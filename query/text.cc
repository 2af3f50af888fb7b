// Time arguments and decimal display (see text.h). Integer arithmetic only: no floating point
// touches an amount or a time.

#include "query/text.h"

#include <cctype>
#include <string>

#include "engine/assert.h"
#include "ledger/schema/event.capnp.h"

namespace query {
namespace {

using ledger::Result;
using ledger::Status;

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int kMaxDisplayDecimals = 18;

Status BadTime(std::string_view text, std::string_view why) {
  return Status::InvalidArgument(
      "bad time '" + std::string(text) + "'",
      std::string(why) +
          " (use ISO-8601 UTC like 2025-10-10T21:15:00Z or 2025-10-10T21:15:00.123456789Z, "
          "a date like 2025-10-10, or epoch seconds, milliseconds, microseconds or nanoseconds)");
}

// Days from 1970-01-01 to the civil date (proleptic Gregorian), after H. Hinnant.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

int64_t DaysInMonth(int64_t year, int64_t month) {
  static constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Reads exactly `digits` decimal digits at *pos into *value.
bool ReadDigits(std::string_view text, size_t* pos, int digits, int64_t* value) {
  if (*pos + digits > text.size()) return false;
  int64_t out = 0;
  for (int i = 0; i < digits; ++i) {
    const char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  *pos += digits;
  *value = out;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

Result<int64_t> ParseEpoch(std::string_view text) {
  const bool negative = text[0] == '-';
  __int128 value = 0;
  for (size_t i = negative ? 1 : 0; i < text.size(); ++i) {
    value = value * 10 + (text[i] - '0');
    if (value > INT64_MAX) return BadTime(text, "epoch value out of range");
  }
  const __int128 magnitude = value;
  if (magnitude < 100'000'000'000) {
    value *= kNanosPerSecond;
  } else if (magnitude < 100'000'000'000'000) {
    value *= 1'000'000;
  } else if (magnitude < 100'000'000'000'000'000) {
    value *= 1'000;
  }
  if (value > INT64_MAX) return BadTime(text, "epoch value out of range");
  return static_cast<int64_t>(negative ? -value : value);
}

// "[.fraction](Z|+HH:MM|-HH:MM)" after the seconds; adds the fraction to *nanos and returns
// the offset east of UTC in seconds.
Result<int64_t> ParseFractionAndZone(std::string_view text, size_t pos, int64_t* nanos) {
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    int64_t fraction = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (++digits > 9) return BadTime(text, "more than 9 fractional digits");
      fraction = fraction * 10 + (text[pos++] - '0');
    }
    if (digits == 0) return BadTime(text, "no digits after '.'");
    for (int i = digits; i < 9; ++i) fraction *= 10;
    *nanos = fraction;
  }
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) {
    return int64_t{0};
  }
  int64_t hours = 0;
  int64_t minutes = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int64_t sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    if (ReadDigits(text, &pos, 2, &hours) && Expect(text, &pos, ':') &&
        ReadDigits(text, &pos, 2, &minutes) && pos == text.size() && hours < 24 && minutes < 60) {
      return sign * (hours * 3600 + minutes * 60);
    }
    return BadTime(text, "bad UTC offset");
  }
  return BadTime(text, "a time of day needs a zone: end it with Z (UTC) or +HH:MM");
}

Result<int64_t> ParseIso(std::string_view text) {
  size_t pos = 0;
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, nanos = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day)) {
    return BadTime(text, "not a date YYYY-MM-DD");
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return BadTime(text, "no such date");
  }
  int64_t offset_seconds = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') {
      return BadTime(text, "expected T between date and time");
    }
    ++pos;
    if (!ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &minute)) {
      return BadTime(text, "expected HH:MM after the date");
    }
    if (pos < text.size() && text[pos] == ':' && !(++pos, ReadDigits(text, &pos, 2, &second))) {
      return BadTime(text, "expected two digits of seconds");
    }
    if (hour > 23 || minute > 59 || second > 59) return BadTime(text, "no such time of day");
    LEDGER_ASSIGN_OR_RETURN(offset_seconds, ParseFractionAndZone(text, pos, &nanos));
  }
  const __int128 seconds = static_cast<__int128>(DaysFromCivil(year, month, day)) * 86400 +
                           hour * 3600 + minute * 60 + second - offset_seconds;
  const __int128 total = seconds * kNanosPerSecond + nanos;
  if (total > INT64_MAX || total < INT64_MIN) {
    return BadTime(text, "outside the years 1678-2262 that nanoseconds can hold");
  }
  return static_cast<int64_t>(total);
}

}  // namespace

Result<int64_t> ParseTime(std::string_view text) {
  if (text.empty()) return BadTime(text, "empty");
  size_t digits = 0;
  for (size_t i = text[0] == '-' ? 1 : 0; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) break;
    ++digits;
  }
  const size_t sign = text[0] == '-' ? 1 : 0;
  if (digits > 0 && sign + digits == text.size()) return ParseEpoch(text);
  return ParseIso(text);
}

const MarketScale* ScaleOfAsset(const std::map<uint32_t, MarketScale>& scales, uint32_t asset) {
  for (const auto& [market, scale] : scales) {
    if (scale.quote_asset == asset) return &scale;
  }
  return nullptr;
}

Result<std::map<uint32_t, MarketScale>> LoadMarketScales(const ledger::EventLog& log,
                                                         const std::set<uint32_t>& markets,
                                                         const std::set<uint32_t>& assets) {
  std::map<uint32_t, MarketScale> found;
  auto complete = [&] {
    for (uint32_t market : markets) {
      if (found.count(market) == 0) return false;
    }
    for (uint32_t asset : assets) {
      if (ScaleOfAsset(found, asset) == nullptr) return false;
    }
    return true;
  };
  if (complete()) return found;
  auto it = log.NewIterator(1, 0);
  for (; it->Valid(); it->Next()) {
    LEDGER_ASSIGN_OR_RETURN(auto record, ledger::DecodeRecord(it->value()));
    const auto event = record.event();
    if (event.which() != ledger::schema::Event::MARKET_LISTED) continue;
    const auto spec = event.getMarketListed();
    // Decimals beyond kMaxDisplayDecimals are not shown (they would overflow 128 bits).
    if (found.count(spec.getMarketId()) != 0 || spec.getLotDecimals() > kMaxDisplayDecimals ||
        spec.getQuoteDecimals() > kMaxDisplayDecimals) {
      continue;
    }
    found[spec.getMarketId()] =
        MarketScale{spec.getMarketId(), spec.getSymbol().cStr(), spec.getQuoteAsset(),
                    spec.getLotDecimals(), spec.getQuoteDecimals()};
    if (complete()) break;
  }
  LEDGER_RETURN_IF_ERROR(it->status());
  return found;
}

std::string FormatScaled(__int128 value, int decimals) {
  BACKSTOP_ASSERT(decimals >= 0 && decimals <= 30, decimals);
  const bool negative = value < 0;
  unsigned __int128 magnitude = negative ? static_cast<unsigned __int128>(-(value + 1)) + 1
                                         : static_cast<unsigned __int128>(value);
  // Digits from the right: `decimals` fraction digits, the point, then at least one digit.
  char buffer[80];
  int pos = sizeof(buffer);
  for (int i = 0; i < decimals; ++i) {
    buffer[--pos] = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  }
  if (decimals > 0) buffer[--pos] = '.';
  do {
    buffer[--pos] = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  if (negative) buffer[--pos] = '-';
  BACKSTOP_ASSERT(pos >= 0, pos);
  return std::string(buffer + pos, sizeof(buffer) - pos);
}

std::string BaseQuantity(int64_t lots, const MarketScale& scale) {
  return FormatScaled(lots, scale.lot_decimals);
}

std::string QuoteAmount(int64_t amount, const MarketScale& scale) {
  return FormatScaled(amount, scale.quote_decimals);
}

std::string QuotePrice(int64_t price_per_lot, const MarketScale& scale) {
  // price per base unit = price per lot * 10^lot_decimals, in quote minor units.
  __int128 scaled = price_per_lot;
  for (int i = 0; i < scale.lot_decimals; ++i) scaled *= 10;
  return FormatScaled(scaled, scale.quote_decimals);
}

}  // namespace query
