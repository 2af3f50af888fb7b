// One field table per logged effect that the history queries read: for each field of the
// engine's struct (engine/events.h), its name in the log's schema (snake_case; the JSON key and
// CSV column), how it reads for people (an integer, lots, a price per lot, an amount, a name)
// and whether the covering index value of format 1 holds it. The index values
// (ledger/indexes.h), the query rows' JSON and CSV and the query tables all walk these tables,
// so a field is added here, once. Constant data; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "engine/events.h"

namespace ledger {

// How a field reads for people; the decimal forms take the market's lot and quote decimals.
enum class FieldUnit : uint8_t {
  kInteger,   // Ids, ranks, counts, scores: the integer itself.
  kMarket,    // A market id: the integer, shown with the market's symbol where known.
  kQuantity,  // Lots (signed where a position).
  kPrice,     // Quote minor units per lot.
  kAmount,    // Quote minor units.
  kName,      // An enum: its schema enumerant's name in snake_case, "top_up".
};

// One field of event type E whose engine member has type M.
template <typename E, typename M>
struct Field {
  const char* name;  // Schema name in snake_case.
  M E::*member;
  FieldUnit unit;
  bool indexed;  // Part of the covering index value (format 1), in table order.
};

template <typename E, typename M>
constexpr Field<E, M> MakeField(const char* name, M E::*member, FieldUnit unit,
                                bool indexed = false) {
  return {name, member, unit, indexed};
}

// Specialised for each effect type below; kFields lists its fields in schema order.
template <typename E>
struct FieldTable;

template <>
struct FieldTable<engine::AdlReduction> {
  using E = engine::AdlReduction;
  static constexpr auto kFields = std::make_tuple(
      MakeField("market", &E::market, FieldUnit::kMarket, true),
      MakeField("account", &E::liquidated_account, FieldUnit::kInteger, true),
      MakeField("counterparty", &E::counterparty_account, FieldUnit::kInteger, true),
      MakeField("quantity", &E::quantity, FieldUnit::kQuantity, true),
      MakeField("price", &E::price, FieldUnit::kPrice, true),
      MakeField("quote", &E::quote, FieldUnit::kAmount, true),
      MakeField("score", &E::score, FieldUnit::kInteger, true),
      MakeField("queue_position", &E::queue_position, FieldUnit::kInteger, true),
      MakeField("queue_length", &E::queue_length, FieldUnit::kInteger, true),
      MakeField("remaining_before", &E::remaining_before, FieldUnit::kQuantity, true),
      MakeField("deficit_covered", &E::deficit_covered, FieldUnit::kAmount, true),
      MakeField("fund_balance_after", &E::fund_balance_after, FieldUnit::kAmount, true),
      MakeField("gain_vs_mark", &E::gain_vs_mark, FieldUnit::kAmount, true));
};

template <>
struct FieldTable<engine::Liquidation> {
  using E = engine::Liquidation;
  static constexpr auto kFields = std::make_tuple(
      MakeField("account", &E::account, FieldUnit::kInteger, true),
      MakeField("market", &E::market, FieldUnit::kMarket, true),
      MakeField("position", &E::position, FieldUnit::kQuantity, true),
      MakeField("cost_basis", &E::cost, FieldUnit::kAmount, true),
      MakeField("mark_price", &E::mark_price, FieldUnit::kPrice, true),
      MakeField("account_equity", &E::equity, FieldUnit::kAmount, true),
      MakeField("account_maintenance", &E::maintenance_margin, FieldUnit::kAmount, true),
      MakeField("position_maintenance", &E::position_maintenance, FieldUnit::kAmount, true),
      MakeField("equity_share", &E::equity_share, FieldUnit::kAmount, true),
      MakeField("bankruptcy_quote", &E::bankruptcy_quote, FieldUnit::kAmount, true),
      MakeField("bankruptcy_price", &E::bankruptcy_price, FieldUnit::kPrice, true));
};

template <>
struct FieldTable<engine::InsuranceFundCredit> {
  using E = engine::InsuranceFundCredit;
  static constexpr auto kFields =
      std::make_tuple(MakeField("asset", &E::asset, FieldUnit::kInteger),
                      MakeField("amount", &E::amount, FieldUnit::kAmount),
                      MakeField("reason", &E::reason, FieldUnit::kName),
                      MakeField("balance_after", &E::balance_after, FieldUnit::kAmount));
};

template <>
struct FieldTable<engine::InsuranceFundDraw> {
  using E = engine::InsuranceFundDraw;
  static constexpr auto kFields =
      std::make_tuple(MakeField("asset", &E::asset, FieldUnit::kInteger),
                      MakeField("amount", &E::amount, FieldUnit::kAmount),
                      MakeField("market", &E::market, FieldUnit::kMarket),
                      MakeField("account", &E::liquidated_account, FieldUnit::kInteger),
                      MakeField("balance_after", &E::balance_after, FieldUnit::kAmount));
};

template <>
struct FieldTable<engine::AdlQueueEntry> {
  using E = engine::AdlQueueEntry;
  static constexpr auto kFields =
      std::make_tuple(MakeField("account", &E::account, FieldUnit::kInteger),
                      MakeField("score", &E::score, FieldUnit::kInteger),
                      MakeField("position", &E::position, FieldUnit::kQuantity),
                      MakeField("queue_position", &E::queue_position, FieldUnit::kInteger));
};

// The queue's scalar fields; its `top` entries have their own table (AdlQueueEntry).
template <>
struct FieldTable<engine::AdlQueue> {
  using E = engine::AdlQueue;
  static constexpr auto kFields =
      std::make_tuple(MakeField("market", &E::market, FieldUnit::kMarket),
                      MakeField("account", &E::liquidated_account, FieldUnit::kInteger),
                      MakeField("counterparty_side", &E::counterparty_side, FieldUnit::kName),
                      MakeField("policy", &E::policy, FieldUnit::kName),
                      MakeField("queue_length", &E::queue_length, FieldUnit::kInteger),
                      MakeField("quantity_to_cover", &E::quantity_to_cover, FieldUnit::kQuantity),
                      MakeField("fund_balance", &E::fund_balance, FieldUnit::kAmount));
};

// Calls visit(field, value) for each field of `event` in table order; `value` is a reference
// to the member (const if `event` is).
template <typename E, typename Visit>
constexpr void ForEachField(E& event, Visit&& visit) {
  std::apply([&](const auto&... field) { (visit(field, event.*(field.member)), ...); },
             FieldTable<std::remove_const_t<E>>::kFields);
}

// "insuranceFundDraw" -> "insurance_fund_draw": the schema's names as the CLI prints them.
std::string SnakeCase(std::string_view lower_camel);

// The schema's name of an engine enum value in snake_case ("liquidation_surplus", "sell",
// "pro_rata"); its number as text if the schema has no such enumerant.
std::string EnumName(engine::CreditReason value);
std::string EnumName(engine::Side value);
std::string EnumName(engine::AdlPolicy value);
std::string EnumName(engine::LiquidationPhase value);

}  // namespace ledger
