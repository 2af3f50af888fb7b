// Text for people, one implementation each: time arguments and stamps (ISO-8601 through Howard
// Hinnant's date library), exact decimals of integers, CSV cells, aligned tables and the
// progress line of long commands. Integer arithmetic only: no floating point touches an amount
// or a time. Stateless functions are thread-safe; ProgressLine is not.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace text {

// ---- Numbers and seq ranges ----

// `text` as a decimal integer in [0, max]: digits only (no sign, spaces or separators), at most
// 20 of them. InvalidArgument("bad WHAT", "'TEXT' is not a number in [0, MAX]") otherwise.
base::Result<uint64_t> ParseUnsigned(std::string_view text, std::string_view what, uint64_t max);

// A range of seqs [first, last]; last 0: to the head.
struct SeqRange {
  uint64_t first = 1;
  uint64_t last = 0;
};
// "" (every record), "SEQ", "FROM..TO", "FROM.." or "..TO", seqs >= 1 and FROM <= TO.
// InvalidArgument naming the text and the accepted forms otherwise.
base::Result<SeqRange> ParseSeqRange(std::string_view text);

// ---- Time ----

// Parses a time argument into nanoseconds since the Unix epoch:
//  - ISO-8601 UTC: "2025-10-10T21:15:00Z", with optional seconds, optional fractional seconds
//    (1-9 digits), and "Z" or a "+HH:MM"/"-HH:MM" offset; 't', 'z' and a space for 'T' are
//    accepted; or a date alone, "2025-10-10" (midnight UTC). Years 1678-2261 (what int64
//    nanoseconds hold).
//  - Epoch, a decimal integer, unit by magnitude of |value|: < 1e11 seconds, < 1e14
//    milliseconds, < 1e17 microseconds, otherwise nanoseconds.
// InvalidArgument naming the text and the accepted forms otherwise.
base::Result<int64_t> ParseTime(std::string_view text);

// "2026-11-22T03:04:05.123456789Z" for nanoseconds since the Unix epoch.
std::string FormatTimeNs(int64_t time_ns);
// "2026-11-22 03:04:05": the same instant to the second (rounded down), without the zone.
std::string FormatTimeSeconds(int64_t time_ns);

// ---- Exact decimals ----

// value / 10^decimals as an exact decimal with `decimals` fraction digits ("-0.394" for -394,
// 3). decimals in [0, 30].
std::string FormatScaled(__int128 value, int decimals);
// The same with the integer part grouped in thousands ("-1,234.500000").
std::string FormatScaledGrouped(__int128 value, int decimals);
// "1,234,567".
std::string FormatCount(uint64_t value);
// numerator / denominator as an exact decimal with at least `min_decimals` fraction digits
// and as many more as it needs up to `max_decimals`; a quotient that has not ended by then is
// cut there and marked with "..." ("45010.333..." for 135031/3, 0, 3). denominator > 0;
// 0 <= min_decimals <= max_decimals <= 30.
std::string FormatQuotient(__int128 numerator, __int128 denominator, int min_decimals,
                           int max_decimals);

// ---- CSV and tables ----

// One CSV cell (RFC 4180): as is, or in double quotes (inner quotes doubled) when it holds a
// comma, a quote or a line break.
std::string CsvCell(std::string_view value);

// An aligned table, one line per row after the header line, each ending in '\n': columns two
// spaces apart, `left[i]` columns left-aligned and the others right-aligned, trailing spaces
// trimmed. `left` has one entry per header; rows have at most as many cells as headers.
std::string FormatTable(const std::vector<std::string>& headers, const std::vector<bool>& left,
                        const std::vector<std::vector<std::string>>& rows);

// ---- Progress ----

// The one progress line of long commands, on stderr and only when stderr is a terminal:
// "<verb> [#####      ] done / total <unit> (P%)<detail>" (total 0: "<verb> done <unit>"),
// redrawn at most twice a second once a run has lasted a second, and erased by Clear() or the
// destructor. Not thread-safe: call Update from one thread (or under the caller's lock).
class ProgressLine {
 public:
  ProgressLine(std::string verb, std::string unit);
  ~ProgressLine() { Clear(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Redraws the line if it is due; `detail` is appended as is (start it with spaces).
  void Update(uint64_t done, uint64_t total, std::string_view detail = {});
  // Erases the line if it is shown.
  void Clear();

 private:
  std::string verb_;
  std::string unit_;
  bool enabled_ = false;  // stderr is a terminal.
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace text
