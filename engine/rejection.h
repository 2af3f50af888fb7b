// Stable numeric reason codes for every business refusal the engine makes (STYLE.md E4).
// Grouped: 1xx input validation, 2xx risk, 3xx book. Codes are never renumbered or reused.
#pragma once

#include <cstdint>

namespace engine {

enum class Rejection : uint16_t {
  kNone = 0,
  // 1xx: input validation.
  kUnknownAccount = 101,
  kUnknownMarket = 102,
  kInvalidQuantity = 103,
  kInvalidPrice = 104,
  kInvalidTimeInForce = 105,
  kDuplicateOrderId = 106,
  kUnknownOrder = 107,
  kInvalidAmount = 108,
  kAccountExists = 109,
  kReservedAccount = 110,
  kMarketExists = 111,
  kInvalidMarketSpec = 112,
  kImmutableMarketField = 113,
  kInvalidEnum = 114,
  kInvalidRate = 115,
  kInvalidKey = 116,
  // 2xx: risk.
  kInsufficientMargin = 201,
  kAmountOverflow = 202,
  kInsufficientBalance = 203,
  kReduceOnlyWouldIncrease = 204,
  kTooManyOpenOrders = 205,
  // 3xx: book and market state.
  kNoMarkPrice = 301,
  kPostOnlyWouldCross = 302,
  kBookNotEmpty = 303,
};

// The enumerator's name without the leading 'k' ("InsufficientMargin"); "Unknown" otherwise.
const char* RejectionName(Rejection reason);

}  // namespace engine
