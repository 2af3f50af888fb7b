// Plain, sorted snapshot of the whole engine state (RiskEngine::Export / Import) and the
// read-only views used by queries. Every vector is in the canonical order documented per field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/events.h"
#include "engine/money.h"

namespace engine {

struct MarketState {
  MarketSpec spec;
  bool has_mark = false;
  Price mark_price{0};
  Price index_price{0};
  bool operator==(const MarketState&) const = default;
};

struct BalanceState {
  AssetId asset{0};
  Money wallet_balance{0};
  bool operator==(const BalanceState&) const = default;
};

struct PositionState {
  MarketId market{0};
  Quantity quantity{0};  // Signed Q.
  Money cost{0};         // Signed exact cost basis C.
  bool operator==(const PositionState&) const = default;
};

struct AccountState {
  AccountId account{0};
  std::vector<BalanceState> balances;    // Ascending asset id.
  std::vector<PositionState> positions;  // Ascending market id; only Q != 0.
  bool operator==(const AccountState&) const = default;
};

struct OrderState {
  AccountId account{0};
  OrderId order_id{0};
  MarketId market{0};
  Side side = Side::kBuy;
  Price price{0};
  Quantity remaining{0};
  bool reduce_only = false;
  bool operator==(const OrderState&) const = default;
};

struct AssetState {
  AssetId asset{0};
  Money deposits{0};
  Money withdrawals{0};
  Money top_ups{0};
  Money insurance_fund{0};
  Money fee_account{0};
  bool operator==(const AssetState&) const = default;
};

struct EngineState {
  std::vector<MarketState> markets;    // Ascending market id.
  std::vector<AccountState> accounts;  // Ascending account id (account 0 included).
  // Priority order: ascending market id; in each market bids best first, then asks best first;
  // within a level, time priority (oldest first). Import re-inserts in this order.
  std::vector<OrderState> orders;
  std::vector<AssetState> assets;  // Ascending asset id.
  OrderId next_internal_order_id{1};
  TimeNs last_time_ns = 0;
  bool operator==(const EngineState&) const = default;
};

// Margin figures of one account in one quote asset (its cross-margin pool), at current marks.
// Values beyond int64 are saturated (display only).
struct MarginView {
  Money wallet_balance{0};
  Money unrealized_pnl{0};
  Money equity{0};
  Money maintenance_margin{0};
  Money initial_margin{0};  // Positions and open orders (rule 2 worst case).
};

struct LevelView {
  Price price{0};
  Quantity quantity{0};
  int64_t orders = 0;
};

// Canonical bytes of `state`: explicit little-endian fixed-width fields in the order above,
// strings and vectors prefixed with a u32 length. Defined in docs/ENGINE.md.
std::string EncodeCanonical(const EngineState& state);

}  // namespace engine
