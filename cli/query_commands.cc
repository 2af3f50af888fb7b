// The history-list commands of `backstop` (see query_commands.h): adl list, liquidations list,
// fund history and account history, as aligned tables for people or JSON for programs.

#include <capnp/dynamic.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "base/strong_type_fmt.h"
#include "cli/common.h"
#include "cli/event_json.h"
#include "cli/internal/query_output.h"
#include "query/adl_explain.h"
#include "query/queries.h"
#include "query/text.h"

namespace cli {

using base::Result;
using base::Status;

namespace {

// ---- Tables ----

void PrintAdlTable(const std::vector<query::AdlReductionRow>& rows, const Scales& scales) {
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    const engine::AdlReduction& e = row.effect;
    const query::MarketScale* scale = ScaleOf(scales, e.market.value());
    cells.push_back(
        {std::to_string(row.ref.seq.value()), FormatTimeNs(row.ref.time_ns),
         MarketLabel(scales, e.market.value()), FieldCell(e, "account"),
         FieldCell(e, "counterparty"), FieldCell(e, "quantity"), FieldCell(e, "price"),
         FieldCell(e, "score"), fmt::format("{}/{}", e.queue_position, e.queue_length),
         FieldCell(e, "deficit_covered"), DecimalCell(e, "quantity", scale),
         Scaled(scale, [&](auto& s) { return query::SettlementPrice(e.quote, e.quantity, s); }),
         DecimalCell(e, "deficit_covered", scale)});
  }
  PrintTable(
      {"SEQ", "TIME (UTC)", "MARKET", "LIQUIDATED", "COUNTERPARTY", "QTY lots", "BP /lot", "SCORE",
       "RANK", "DEFICIT", "QTY base*", "SETTLED PRICE*", "DEFICIT quote*"},
      {false, true, true, false, false, false, false, false, false, false, false, false, false},
      cells);
}

void PrintScaleNote(const Scales& scales) {
  if (scales.empty()) return;
  fmt::print(
      "* decimals from the market listing (lotDecimals, quoteDecimals), in base and quote units; "
      "SETTLED PRICE is the exact quote / quantity; the integer columns are exact: lots and quote "
      "minor units (per lot for prices; BP is the bankruptcy price on the tick)\n");
}

void PrintLiquidationTable(const std::vector<query::LiquidationRow>& rows, const Scales& scales) {
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    const engine::Liquidation& e = row.effect;
    const query::MarketScale* scale = ScaleOf(scales, e.market.value());
    cells.push_back({std::to_string(row.ref.seq.value()), FormatTimeNs(row.ref.time_ns),
                     MarketLabel(scales, e.market.value()), FieldCell(e, "account"),
                     FieldCell(e, "position"), FieldCell(e, "mark_price"),
                     FieldCell(e, "bankruptcy_price"), FieldCell(e, "bankruptcy_quote"),
                     FieldCell(e, "account_equity"), FieldCell(e, "account_maintenance"),
                     DecimalCell(e, "position", scale), Scaled(scale, [&](auto& s) {
                       return query::SettlementPrice(e.bankruptcy_quote, e.position, s);
                     })});
  }
  PrintTable({"SEQ", "TIME (UTC)", "MARKET", "ACCOUNT", "POSITION lots", "MARK /lot", "BP /lot",
              "BQ AMOUNT", "EQUITY", "MAINTENANCE", "POSITION base*", "SETTLED PRICE*"},
             {false, true, true, false, false, false, false, false, false, false, false, false},
             cells);
}

void PrintFundTable(const std::vector<query::FundMovementRow>& rows, const Scales& scales) {
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    const query::MarketScale* scale = query::ScaleOfAsset(scales, row.asset().value());
    const bool draw = row.draw();
    cells.push_back(
        {std::to_string(row.ref.seq.value()), FormatTimeNs(row.ref.time_ns),
         std::to_string(row.asset().value()), draw ? "draw" : "credit", row.reason(),
         fmt::format("{}{}", draw ? "-" : "+", row.amount()),
         std::to_string(row.balance_after().value()),
         draw ? MarketLabel(scales, row.market().value()) : "",
         draw ? std::to_string(row.account().value()) : "",
         std::visit([&](const auto& e) { return DecimalCell(e, "balance_after", scale); },
                    row.effect)});
  }
  PrintTable({"SEQ", "TIME (UTC)", "ASSET", "KIND", "REASON", "AMOUNT", "BALANCE AFTER", "MARKET",
              "ACCOUNT", "BALANCE quote*"},
             {false, true, false, true, true, false, false, true, false, false}, cells);
}

template <typename Row>
int PrintRows(const std::vector<Row>& rows, const Scales& scales, bool json,
              Json (*to_json)(const Row&, const Scales&),
              void (*table)(const std::vector<Row>&, const Scales&), const char* what) {
  if (json) {
    Json array = Json::array();
    for (const Row& row : rows) array.push_back(to_json(row, scales));
    fmt::print("{}\n", array.dump(2));
    return kExitOk;
  }
  if (rows.empty()) {
    fmt::print("no {} match\n", what);
    return kExitOk;
  }
  table(rows, scales);
  PrintScaleNote(scales);
  fmt::print("{} {}\n", rows.size(), what);
  return kExitOk;
}

}  // namespace

int RunAdlList(const QueryOptions& options) {
  auto filter = ParseFilter(options);
  if (!filter.ok()) return Exit(filter.status());
  auto log = OpenLog(options.data_dir);
  if (!log.ok()) return Fail(log.status().message());
  auto rows = query::ListAdlReductions(**log, *filter);
  if (!rows.ok()) return Exit(rows.status());
  auto scales = ScalesFor(**log, MarketsOf(*rows), {});
  if (!scales.ok()) return Exit(scales.status());
  return PrintRows<query::AdlReductionRow>(*rows, *scales, options.json, AdlJson, PrintAdlTable,
                                           "ADL reductions");
}

int RunLiquidationsList(const QueryOptions& options) {
  auto filter = ParseFilter(options);
  if (!filter.ok()) return Exit(filter.status());
  auto log = OpenLog(options.data_dir);
  if (!log.ok()) return Fail(log.status().message());
  ProgressLine progress("scanned");
  auto rows = query::ListLiquidations(
      **log, *filter, [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); });
  progress.Clear();
  if (!rows.ok()) return Exit(rows.status());
  auto scales = ScalesFor(**log, MarketsOf(*rows), {});
  if (!scales.ok()) return Exit(scales.status());
  return PrintRows<query::LiquidationRow>(*rows, *scales, options.json, LiquidationJson,
                                          PrintLiquidationTable, "liquidations");
}

int RunFundHistory(const QueryOptions& options) {
  auto filter = ParseFilter(options);
  if (!filter.ok()) return Exit(filter.status());
  auto log = OpenLog(options.data_dir);
  if (!log.ok()) return Fail(log.status().message());
  auto rows = query::ListFundMovements(**log, *filter);
  if (!rows.ok()) return Exit(rows.status());
  std::set<uint32_t> markets;
  for (const auto& row : *rows) {
    if (row.draw()) markets.insert(row.market().value());
  }
  auto scales = ScalesFor(**log, markets, AssetsOf(*rows));
  if (!scales.ok()) return Exit(scales.status());
  return PrintRows<query::FundMovementRow>(*rows, *scales, options.json, FundJson, PrintFundTable,
                                           "insurance-fund movements");
}

int RunAccountHistory(const QueryOptions& options) {
  if (options.account.empty()) return Fail("account history: give an ACCOUNT");
  auto filter = ParseFilter(options);
  if (!filter.ok()) return Exit(filter.status());
  auto log = OpenLog(options.data_dir);
  if (!log.ok()) return Fail(log.status().message());
  auto records = query::AccountHistory(**log, *filter);
  if (!records.ok()) return Exit(records.status());
  Json array = Json::array();
  std::vector<std::vector<std::string>> cells;
  for (const ledger::LogRecord& record : *records) {
    capnp::DynamicStruct::Reader event = record.event();
    std::string type;
    std::string details;
    KJ_IF_MAYBE (field, event.which()) {
      type = SnakeCase(field->getProto().getName().cStr());
      details = StructToText(event.get(*field).as<capnp::DynamicStruct>());
    }
    if (options.json) {
      Json row;
      AddTime(&row, {record.seq(), record.time_ns(), record.group()});
      row["type"] = type;
      row["event"] = Json::parse(StructToJson(event).dump());
      array.push_back(std::move(row));
    } else {
      cells.push_back({std::to_string(record.seq().value()), FormatTimeNs(record.time_ns()),
                       std::to_string(record.group().value()), type, details});
    }
  }
  if (options.json) {
    fmt::print("{}\n", array.dump(2));
  } else if (cells.empty()) {
    fmt::print("no events of account {} match\n", options.account);
  } else {
    PrintTable({"SEQ", "TIME (UTC)", "GROUP", "EVENT", "DETAILS"}, {false, true, false, true, true},
               cells);
    fmt::print("{} events of account {}\n", cells.size(), options.account);
  }
  return kExitOk;
}

}  // namespace cli
