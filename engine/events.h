// The engine's vocabulary: market specifications, inputs (commands from outside) and effects
// (what the engine decided). Plain value types; the ledger maps them to and from its schema.
// Units are those of engine/money.h. Field order matches ledger/schema/event.capnp.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "base/sha256.h"
#include "engine/money.h"
#include "engine/rejection.h"

namespace engine {

enum class Side : uint8_t { kBuy = 0, kSell = 1 };
enum class OrderType : uint8_t { kLimit = 0, kMarket = 1 };
enum class TimeInForce : uint8_t { kGtc = 0, kIoc = 1, kFok = 2, kPostOnly = 3 };
// How the ADL queue is ranked (docs/ENGINE.md gives each integer formula).
enum class AdlPolicy : uint8_t {
  kBitmex = 0,
  kBinanceLeveragePnl = 1,
  kProRata = 2,
  kHyperliquid = 3,
};

// One Binance-style risk bracket: it covers notional_floor <= N < next tier's floor.
struct RiskTier {
  Money notional_floor{0};   // The first tier's floor must be 0; floors strictly increase.
  RateE8 mmr_e8 = 0;         // Maintenance margin rate; non-decreasing over tiers.
  int64_t max_leverage = 1;  // IM = ceil(N / max_leverage); mmr_e8 * max_leverage <= 1e8.
  bool operator==(const RiskTier&) const = default;
};

struct MarketSpec {
  MarketId market_id{0};
  std::string symbol;
  AssetId quote_asset{0};
  Price tick_size{1};          // Limit prices must be positive multiples of it.
  int32_t lot_decimals = 0;    // Display only.
  int32_t quote_decimals = 0;  // Display only.
  RateE8 maker_fee_e8 = 0;     // >= 0.
  RateE8 taker_fee_e8 = 0;     // >= 0.
  std::vector<RiskTier> tiers;
  int64_t funding_interval_ns = 0;  // Informational: funding ticks are driven by inputs.
  AdlPolicy adl_policy = AdlPolicy::kBitmex;
  RateE8 max_slippage_e8 = 0;  // Phase B price cap from mark; 0 = none.
  bool operator==(const MarketSpec&) const = default;
};

// ---- Inputs ----

struct ListMarket {
  MarketSpec spec;
  bool operator==(const ListMarket&) const = default;
};
// Changes fees, tiers, funding interval, ADL policy, slippage cap (and tick size when the book
// is empty). The quote asset cannot change.
struct ChangeMarket {
  MarketSpec spec;
  bool operator==(const ChangeMarket&) const = default;
};
struct OpenAccount {
  AccountId account{0};
  bool operator==(const OpenAccount&) const = default;
};
struct Deposit {
  AccountId account{0};
  AssetId asset{0};
  Money amount{0};
  bool operator==(const Deposit&) const = default;
};
struct Withdraw {
  AccountId account{0};
  AssetId asset{0};
  Money amount{0};
  bool operator==(const Withdraw&) const = default;
};
struct PlaceOrder {
  AccountId account{0};
  MarketId market{0};
  OrderId order_id{0};
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  bool reduce_only = false;
  Price price{0};  // 0 for market orders.
  Quantity quantity{0};
  bool operator==(const PlaceOrder&) const = default;
};
struct CancelOrder {
  AccountId account{0};
  OrderId order_id{0};
  bool operator==(const CancelOrder&) const = default;
};
struct SetMark {
  MarketId market{0};
  Price mark_price{0};
  Price index_price{0};  // Recorded, not used by any rule.
  bool operator==(const SetMark&) const = default;
};
struct FundingTick {
  MarketId market{0};
  RateE8 rate_e8 = 0;  // For the interval; > 0 means longs pay shorts.
  bool operator==(const FundingTick&) const = default;
};
struct TopUpInsurance {
  AssetId asset{0};
  Money amount{0};
  bool operator==(const TopUpInsurance&) const = default;
};
// Key rotation is the ledger's business; the engine accepts it without any state effect.
struct RotateKey {
  std::string key_id;
  std::string public_key;
  bool operator==(const RotateKey&) const = default;
};

using Input = std::variant<ListMarket, ChangeMarket, OpenAccount, Deposit, Withdraw, PlaceOrder,
                           CancelOrder, SetMark, FundingTick, TopUpInsurance, RotateKey>;

// ---- Effects ----

enum class CancelReason : uint8_t {
  kUser = 0,
  kIocRemainder = 1,
  kSelfTrade = 2,    // The resting maker order met an order of its own account.
  kLiquidation = 3,  // Its account is being liquidated.
  kAdl = 4,          // Its account was auto-deleveraged in that market.
  kFokUnfilled = 5,
  kReduceOnly = 6,  // A reduce-only order that can no longer reduce.
};
// The enumerator's name without the leading 'k' ("IocRemainder"); "Unknown" otherwise.
constexpr const char* CancelReasonName(CancelReason reason) {
  switch (reason) {
    case CancelReason::kUser:
      return "User";
    case CancelReason::kIocRemainder:
      return "IocRemainder";
    case CancelReason::kSelfTrade:
      return "SelfTrade";
    case CancelReason::kLiquidation:
      return "Liquidation";
    case CancelReason::kAdl:
      return "Adl";
    case CancelReason::kFokUnfilled:
      return "FokUnfilled";
    case CancelReason::kReduceOnly:
      return "ReduceOnly";
  }
  return "Unknown";
}
enum class LiquidationPhase : uint8_t { kA = 0, kB = 1 };
enum class CreditReason : uint8_t {
  kLiquidationSurplus = 0,
  kFundingResidue = 1,
  kAdlResidue = 2,
  kTopUp = 3,
};

// Emitted before any fill of the order. resting_quantity is what will rest in the book after
// this input's matching (0 for IOC, FOK and market orders).
struct OrderAccepted {
  AccountId account{0};
  OrderId order_id{0};
  MarketId market{0};
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  bool reduce_only = false;
  Price price{0};
  Quantity quantity{0};
  Quantity resting_quantity{0};
  bool operator==(const OrderAccepted&) const = default;
};
struct OrderRejected {
  AccountId account{0};
  OrderId order_id{0};
  Rejection reason = Rejection::kNone;
  bool operator==(const OrderRejected&) const = default;
};
// A refused non-order input (deposit, withdrawal, market listing, mark, funding, ...).
struct InputRejected {
  Rejection reason = Rejection::kNone;
  bool operator==(const InputRejected&) const = default;
};
struct OrderCancelled {
  AccountId account{0};
  OrderId order_id{0};
  MarketId market{0};
  Quantity remaining_quantity{0};
  CancelReason reason = CancelReason::kUser;
  bool operator==(const OrderCancelled&) const = default;
};
struct Fill {
  MarketId market{0};
  AccountId maker_account{0};
  OrderId maker_order_id{0};
  AccountId taker_account{0};
  OrderId taker_order_id{0};  // Engine-assigned for liquidation orders (account 0).
  Side taker_side = Side::kBuy;
  Price price{0};
  Quantity quantity{0};
  Money maker_fee{0};
  Money taker_fee{0};  // 0 for liquidation orders.
  bool liquidation = false;
  bool operator==(const Fill&) const = default;
};
struct FundingPayment {
  AccountId account{0};
  MarketId market{0};
  Quantity position{0};
  Price mark_price{0};
  RateE8 rate_e8 = 0;
  Money amount{0};  // + received, - paid.
  bool operator==(const FundingPayment&) const = default;
};
// One per liquidated position, in ascending market id, before the take-over.
struct Liquidation {
  AccountId account{0};
  MarketId market{0};
  Quantity position{0};
  Money cost{0};
  Price mark_price{0};
  Money equity{0};                // The account's (pool's) equity, saturated to int64.
  Money maintenance_margin{0};    // The account's total MM, saturated to int64.
  Money position_maintenance{0};  // This position's MM.
  Money equity_share{0};          // e_i.
  Money bankruptcy_quote{0};      // BQ_i = Q_i * P - e_i, exact.
  Price bankruptcy_price{0};      // BQ_i / Q_i rounded to the tick as the Phase A limit.
  bool operator==(const Liquidation&) const = default;
};
struct LiquidationFill {
  MarketId market{0};
  AccountId liquidated_account{0};
  AccountId maker_account{0};
  OrderId maker_order_id{0};
  Price price{0};
  Quantity quantity{0};
  LiquidationPhase phase = LiquidationPhase::kA;
  Money insurance_delta{0};  // + credited to the fund, - drawn from it.
  bool operator==(const LiquidationFill&) const = default;
};
struct InsuranceFundCredit {
  AssetId asset{0};
  Money amount{0};
  CreditReason reason = CreditReason::kTopUp;
  Money balance_after{0};
  bool operator==(const InsuranceFundCredit&) const = default;
};
struct InsuranceFundDraw {
  AssetId asset{0};
  Money amount{0};
  MarketId market{0};
  AccountId liquidated_account{0};
  Money balance_after{0};
  bool operator==(const InsuranceFundDraw&) const = default;
};
inline constexpr int kAdlQueueTopK = 20;  // Entries listed in an AdlQueue effect.
struct AdlQueueEntry {
  AccountId account{0};
  int64_t score = 0;  // Policy score (BitMEX: score_e12), saturated to int64.
  Quantity position{0};
  uint32_t queue_position = 0;  // 1-based (schema UInt32).
  bool operator==(const AdlQueueEntry&) const = default;
};
struct AdlQueue {
  MarketId market{0};
  AccountId liquidated_account{0};
  Side counterparty_side = Side::kBuy;  // kBuy: the counterparties are longs.
  AdlPolicy policy = AdlPolicy::kBitmex;
  uint32_t queue_length = 0;       // Schema UInt32.
  std::vector<AdlQueueEntry> top;  // The first kAdlQueueTopK entries.
  Quantity quantity_to_cover{0};
  Money fund_balance{0};
  // SHA-256 over the whole ranking, every entry in order (not only the top): for each, account,
  // score and position as 8-byte big-endian two's complement (docs/ENGINE.md, "ADL queue").
  base::Sha256Digest ranking_sha256{};
  // Every entry in order, only with EngineOptions::list_full_adl_queue (for `adl explain
  // --full`); never logged.
  std::vector<AdlQueueEntry> full;
  bool operator==(const AdlQueue&) const = default;
};
// The counterparty's figures its rule-6 score was computed from when it was ranked (before any
// reduction of this ADL): AdlScoreOf(policy, inputs) gives the score again from the record.
// Equity and maintenance are the account's cross-margin pool in the quote asset, saturated to
// int64 (the score is recomputable exactly whenever they fit, i.e. always in practice).
struct AdlScoreInputs {
  Quantity position{0};  // Q, signed.
  Money cost{0};         // C, signed.
  Price mark{0};         // The market's mark price.
  Money equity{0};       // E.
  Money wallet{0};       // WB in the quote asset (Binance's score divides by it).
  Money maintenance{0};  // MM of the pool (Binance's score multiplies by MM / E).
  bool operator==(const AdlScoreInputs&) const = default;
};
struct AdlReduction {
  MarketId market{0};
  AccountId liquidated_account{0};
  AccountId counterparty_account{0};
  Quantity quantity{0};  // Lots taken from the counterparty (> 0).
  Price price{0};        // The bankruptcy price (display; the quote is exact).
  Money quote{0};        // Cash the counterparty pays (short) or receives (long), >= 0 usually.
  int64_t score = 0;
  uint32_t queue_position = 0;  // 1-based (schema UInt32).
  uint32_t queue_length = 0;
  Quantity remaining_before{0};  // Quantity still to cover before this reduction.
  Money deficit_covered{0};      // What the liquidation side gets over a close at mark.
  Money fund_balance_after{0};
  Money gain_vs_mark{0};  // Counterparty's cash versus a close at mark (= -deficit_covered).
  AdlScoreInputs score_inputs;
  bool operator==(const AdlReduction&) const = default;
};
// Vocabulary only: reaching it is an engine fault under RULEBOOK rule 10 (an assertion).
struct SocializedLoss {
  MarketId market{0};
  Money amount{0};
  bool operator==(const SocializedLoss&) const = default;
};

using Effect = std::variant<OrderAccepted, OrderRejected, InputRejected, OrderCancelled, Fill,
                            FundingPayment, Liquidation, LiquidationFill, InsuranceFundCredit,
                            InsuranceFundDraw, AdlQueue, AdlReduction, SocializedLoss>;

}  // namespace engine
