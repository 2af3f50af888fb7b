// The one writer of 128-bit integers in decimal (std::ostream and std::to_chars have none for
// __int128 in every standard library we build with). Below text/ so that BACKSTOP_ASSERT can
// print an Int128; text::FormatScaled builds exact decimals on it. Pure and thread-safe.
#pragma once

#include <string>

namespace base {

namespace decimal_internal {

// Writes `magnitude` in decimal, with '-' before it when `negative`, ending at `end`; returns
// where the text starts. The buffer before `end` holds at least 40 characters.
inline char* WriteBackwards(unsigned __int128 magnitude, bool negative, char* end) {
  char* at = end;
  do {
    *--at = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  if (negative) *--at = '-';
  return at;
}

}  // namespace decimal_internal

// |value| without overflow, also for the most negative value.
inline unsigned __int128 Magnitude(__int128 value) {
  return value < 0 ? static_cast<unsigned __int128>(-(value + 1)) + 1
                   : static_cast<unsigned __int128>(value);
}

// The decimal digits of `magnitude`, most significant first, no sign or separators ("0" for 0).
inline std::string DecimalDigits(unsigned __int128 magnitude) {
  char buffer[40];  // 2^128 - 1 has 39 digits.
  char* end = buffer + sizeof(buffer);
  char* start = decimal_internal::WriteBackwards(magnitude, false, end);
  return std::string(start, end);
}

// `value` in decimal with a leading '-' when negative ("-170141183460469231731687303715884105728"
// for the most negative value).
inline std::string DecimalString(__int128 value) {
  char buffer[41];  // A sign and 39 digits.
  char* end = buffer + sizeof(buffer);
  char* start = decimal_internal::WriteBackwards(Magnitude(value), value < 0, end);
  return std::string(start, end);
}

}  // namespace base
