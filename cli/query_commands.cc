// The history queries of `backstop` (see query_commands.h): filters from text, the query
// library, then aligned tables for people and JSON / JSON Lines / CSV for programs.

#include "cli/query_commands.h"

#include <capnp/dynamic.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "cli/common.h"
#include "cli/event_json.h"
#include "query/adl_explain.h"
#include "query/queries.h"
#include "query/text.h"

namespace cli {
namespace {

using Json = nlohmann::ordered_json;
using Scales = std::map<uint32_t, query::MarketScale>;
using ledger::Result;
using ledger::Status;

// ---- Arguments ----

Status ParseUnsigned(const std::string& text, const char* what, uint64_t max, uint64_t* out) {
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
    return Status::InvalidArgument(
        std::string("bad ") + what,
        "'" + text + "' is not a number in [0, " + std::to_string(max) + "]");
  }
  *out = value;
  return Status::OK();
}

Result<query::Filter> ParseFilter(const QueryOptions& options) {
  query::Filter filter;
  uint64_t value = 0;
  if (!options.account.empty()) {
    LEDGER_RETURN_IF_ERROR(ParseUnsigned(options.account, "--account", UINT64_MAX, &value));
    filter.account = value;
  }
  if (!options.market.empty()) {
    LEDGER_RETURN_IF_ERROR(ParseUnsigned(options.market, "--market", UINT32_MAX, &value));
    filter.market = static_cast<uint32_t>(value);
  }
  if (!options.asset.empty()) {
    LEDGER_RETURN_IF_ERROR(ParseUnsigned(options.asset, "--asset", UINT32_MAX, &value));
    filter.asset = static_cast<uint32_t>(value);
  }
  if (!options.since.empty()) {
    LEDGER_ASSIGN_OR_RETURN(filter.since_ns, query::ParseTime(options.since));
  }
  if (!options.until.empty()) {
    LEDGER_ASSIGN_OR_RETURN(filter.until_ns, query::ParseTime(options.until));
  }
  if (filter.since_ns && filter.until_ns && *filter.since_ns >= *filter.until_ns) {
    return Status::InvalidArgument("bad time range", "--since " + FormatTimeNs(*filter.since_ns) +
                                                         " is not before --until " +
                                                         FormatTimeNs(*filter.until_ns));
  }
  filter.limit = options.limit;
  return filter;
}

// A usage error, or data the log does not have: exit 2. A corrupt log: exit 1 (a finding).
int Exit(const Status& status) { return Fail(status); }

Result<std::unique_ptr<ledger::EventLog>> OpenLog(const std::string& data_dir) {
  auto log = OpenReadOnly(data_dir);
  if (!log.ok()) {
    return Status::IOError("cannot open the event log in " + data_dir, log.status().message());
  }
  return log;
}

// ---- Output helpers ----

void AddTime(Json* out, const query::RecordRef& ref) {
  (*out)["seq"] = ref.seq;
  (*out)["time_ns"] = ref.time_ns;
  (*out)["time"] = FormatTimeNs(ref.time_ns);
  (*out)["group"] = ref.group;
}

const query::MarketScale* ScaleOf(const Scales& scales, uint32_t market) {
  const auto it = scales.find(market);
  return it == scales.end() ? nullptr : &it->second;
}

std::string MarketLabel(const Scales& scales, uint32_t market) {
  const query::MarketScale* scale = ScaleOf(scales, market);
  return scale == nullptr ? std::to_string(market) : fmt::format("{} {}", market, scale->symbol);
}

// A human-scaled cell, or "-" when the market's spec is unknown.
template <typename F>
std::string Scaled(const query::MarketScale* scale, F format) {
  return scale == nullptr ? "-" : format(*scale);
}

// Prints an aligned table: text columns left-aligned, the others right-aligned.
void PrintTable(const std::vector<std::string>& headers, const std::vector<bool>& left,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) widths[i] = headers[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) line += "  ";
      line += left[i] ? fmt::format("{:<{}}", cells[i], widths[i])
                      : fmt::format("{:>{}}", cells[i], widths[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    fmt::print("{}\n", line);
  };
  print_row(headers);
  for (const auto& row : rows) print_row(row);
}

Result<Scales> ScalesFor(const ledger::EventLog& log, std::set<uint32_t> markets,
                         std::set<uint32_t> assets) {
  return query::LoadMarketScales(log, markets, assets);
}

// ---- Row JSON (shared by --json and export) ----

Json AdlJson(const query::AdlReductionRow& row, const Scales& scales) {
  Json out;
  AddTime(&out, row.ref);
  const query::MarketScale* scale = ScaleOf(scales, row.market);
  out["market"] = row.market;
  out["symbol"] = scale == nullptr ? "" : scale->symbol;
  out["account"] = row.account;
  out["counterparty"] = row.counterparty;
  out["quantity"] = row.quantity;
  out["price"] = row.price;
  out["quote"] = row.quote;
  out["score"] = row.score;
  out["queue_position"] = row.queue_position;
  out["queue_length"] = row.queue_length;
  out["remaining_before"] = row.remaining_before;
  out["deficit_covered"] = row.deficit_covered;
  out["fund_balance_after"] = row.fund_balance_after;
  out["gain_vs_mark"] = row.gain_vs_mark;
  if (scale != nullptr) {
    out["quantity_dec"] = query::BaseQuantity(row.quantity, *scale);
    out["price_dec"] = query::QuotePrice(row.price, *scale);
    out["quote_dec"] = query::QuoteAmount(row.quote, *scale);
    out["deficit_covered_dec"] = query::QuoteAmount(row.deficit_covered, *scale);
  }
  return out;
}

Json LiquidationJson(const query::LiquidationRow& row, const Scales& scales) {
  Json out;
  AddTime(&out, row.ref);
  const query::MarketScale* scale = ScaleOf(scales, row.market);
  out["market"] = row.market;
  out["symbol"] = scale == nullptr ? "" : scale->symbol;
  out["account"] = row.account;
  out["position"] = row.position;
  out["cost_basis"] = row.cost_basis;
  out["mark_price"] = row.mark_price;
  out["account_equity"] = row.account_equity;
  out["account_maintenance"] = row.account_maintenance;
  out["position_maintenance"] = row.position_maintenance;
  out["equity_share"] = row.equity_share;
  out["bankruptcy_quote"] = row.bankruptcy_quote;
  out["bankruptcy_price"] = row.bankruptcy_price;
  if (scale != nullptr) {
    out["position_dec"] = query::BaseQuantity(row.position, *scale);
    out["mark_price_dec"] = query::QuotePrice(row.mark_price, *scale);
    out["bankruptcy_price_dec"] = query::QuotePrice(row.bankruptcy_price, *scale);
    out["bankruptcy_quote_dec"] = query::QuoteAmount(row.bankruptcy_quote, *scale);
  }
  return out;
}

Json FundJson(const query::FundMovementRow& row, const Scales& scales) {
  Json out;
  AddTime(&out, row.ref);
  out["asset"] = row.asset;
  out["kind"] = row.draw ? "draw" : "credit";
  out["reason"] = row.reason;
  out["amount"] = row.amount;
  out["balance_after"] = row.balance_after;
  out["market"] = row.market;
  out["account"] = row.account;
  if (const query::MarketScale* scale = query::ScaleOfAsset(scales, row.asset)) {
    out["amount_dec"] = query::QuoteAmount(row.amount, *scale);
    out["balance_after_dec"] = query::QuoteAmount(row.balance_after, *scale);
  }
  return out;
}

std::set<uint32_t> MarketsOf(const std::vector<query::AdlReductionRow>& rows) {
  std::set<uint32_t> out;
  for (const auto& row : rows) out.insert(row.market);
  return out;
}

std::set<uint32_t> MarketsOf(const std::vector<query::LiquidationRow>& rows) {
  std::set<uint32_t> out;
  for (const auto& row : rows) out.insert(row.market);
  return out;
}

std::set<uint32_t> AssetsOf(const std::vector<query::FundMovementRow>& rows) {
  std::set<uint32_t> out;
  for (const auto& row : rows) out.insert(row.asset);
  return out;
}

// ---- Tables ----

void PrintAdlTable(const std::vector<query::AdlReductionRow>& rows, const Scales& scales) {
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    const query::MarketScale* scale = ScaleOf(scales, row.market);
    cells.push_back(
        {std::to_string(row.ref.seq), FormatTimeNs(row.ref.time_ns),
         MarketLabel(scales, row.market), std::to_string(row.account),
         std::to_string(row.counterparty), std::to_string(row.quantity), std::to_string(row.price),
         std::to_string(row.score), fmt::format("{}/{}", row.queue_position, row.queue_length),
         std::to_string(row.deficit_covered),
         Scaled(scale, [&](auto& s) { return query::BaseQuantity(row.quantity, s); }),
         Scaled(scale, [&](auto& s) { return query::QuotePrice(row.price, s); }),
         Scaled(scale, [&](auto& s) { return query::QuoteAmount(row.deficit_covered, s); })});
  }
  PrintTable(
      {"SEQ", "TIME (UTC)", "MARKET", "LIQUIDATED", "COUNTERPARTY", "QTY lots", "PRICE /lot",
       "SCORE", "RANK", "DEFICIT", "QTY base*", "PRICE quote*", "DEFICIT quote*"},
      {false, true, true, false, false, false, false, false, false, false, false, false, false},
      cells);
}

void PrintScaleNote(const Scales& scales) {
  if (scales.empty()) return;
  fmt::print(
      "* decimals from the market listing (lotDecimals, quoteDecimals); the integer "
      "columns are exact: lots and quote minor units (per lot for prices)\n");
}

void PrintLiquidationTable(const std::vector<query::LiquidationRow>& rows, const Scales& scales) {
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    const query::MarketScale* scale = ScaleOf(scales, row.market);
    cells.push_back(
        {std::to_string(row.ref.seq), FormatTimeNs(row.ref.time_ns),
         MarketLabel(scales, row.market), std::to_string(row.account), std::to_string(row.position),
         std::to_string(row.mark_price), std::to_string(row.bankruptcy_price),
         std::to_string(row.bankruptcy_quote), std::to_string(row.account_equity),
         std::to_string(row.account_maintenance),
         Scaled(scale, [&](auto& s) { return query::BaseQuantity(row.position, s); }),
         Scaled(scale, [&](auto& s) { return query::QuotePrice(row.bankruptcy_price, s); })});
  }
  PrintTable(
      {"SEQ", "TIME (UTC)", "MARKET", "ACCOUNT", "POSITION lots", "MARK /lot", "BANKRUPTCY /lot",
       "BANKRUPTCY QUOTE", "EQUITY", "MAINTENANCE", "POSITION base*", "BANKRUPTCY quote*"},
      {false, true, true, false, false, false, false, false, false, false, false, false}, cells);
}

void PrintFundTable(const std::vector<query::FundMovementRow>& rows, const Scales& scales) {
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    const query::MarketScale* scale = query::ScaleOfAsset(scales, row.asset);
    cells.push_back(
        {std::to_string(row.ref.seq), FormatTimeNs(row.ref.time_ns), std::to_string(row.asset),
         row.draw ? "draw" : "credit", row.reason,
         fmt::format("{}{}", row.draw ? "-" : "+", row.amount), std::to_string(row.balance_after),
         row.draw ? MarketLabel(scales, row.market) : "",
         row.draw ? std::to_string(row.account) : "",
         Scaled(scale, [&](auto& s) { return query::QuoteAmount(row.balance_after, s); })});
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
  auto rows = query::ListLiquidations(**log, *filter);
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
    if (row.draw) markets.insert(row.market);
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
      cells.push_back({std::to_string(record.seq()), FormatTimeNs(record.time_ns()),
                       std::to_string(record.group()), type, details});
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

// ---- adl explain ----

namespace {

std::string SideWord(ledger::schema::Side side) {
  return side == ledger::schema::Side::BUY ? "long" : "short";
}

std::string PolicyName(ledger::schema::AdlPolicy policy) {
  switch (policy) {
    case ledger::schema::AdlPolicy::BITMEX:
      return "bitmex";
    case ledger::schema::AdlPolicy::BINANCE_LEVERAGE_PNL:
      return "binance_leverage_pnl";
    case ledger::schema::AdlPolicy::PRO_RATA:
      return "pro_rata";
    case ledger::schema::AdlPolicy::HYPERLIQUID:
      return "hyperliquid";
  }
  return "unknown";
}

// "1234 (0.001234 quote)" when the scale is known, else "1234".
std::string Amount(int64_t amount, const query::MarketScale* scale) {
  if (scale == nullptr) return std::to_string(amount);
  return fmt::format("{} ({} {})", amount, query::QuoteAmount(amount, *scale), "quote");
}

std::string Lots(int64_t lots, const query::MarketScale* scale) {
  if (scale == nullptr) return fmt::format("{} lots", lots);
  return fmt::format("{} lots ({} base)", lots, query::BaseQuantity(lots, *scale));
}

std::string PerLot(int64_t price, const query::MarketScale* scale) {
  if (scale == nullptr) return fmt::format("{} per lot", price);
  return fmt::format("{} per lot ({} quote per base unit)", price,
                     query::QuotePrice(price, *scale));
}

Json ExplainJson(const query::AdlExplanation& x, const Scales& scales) {
  Json out;
  out["reduction"] = AdlJson(x.reduction, scales);
  out["liquidation"] = LiquidationJson(x.liquidation, scales);
  Json queue;
  AddTime(&queue, x.queue.ref);
  queue["market"] = x.queue.market;
  queue["account"] = x.queue.account;
  queue["counterparty_side"] =
      x.queue.counterparty_side == ledger::schema::Side::BUY ? "buy" : "sell";
  queue["policy"] = PolicyName(x.queue.policy);
  queue["queue_length"] = x.queue.queue_length;
  queue["quantity_to_cover"] = x.queue.quantity_to_cover;
  queue["fund_balance"] = x.queue.fund_balance;
  queue["top"] = Json::array();
  for (const auto& entry : x.queue.top) {
    queue["top"].push_back({{"queue_position", entry.queue_position},
                            {"account", entry.account},
                            {"score", entry.score},
                            {"position", entry.position}});
  }
  out["queue"] = std::move(queue);
  out["reductions"] = Json::array();
  for (const auto& row : x.reductions) out["reductions"].push_back(AdlJson(row, scales));
  out["quantity_total"] = x.quantity_total;
  out["deficit_total"] = x.deficit_total;
  out["book_quantity"] = x.book_quantity;
  out["fund_drawn"] = x.fund_drawn;
  out["fund_credited"] = x.fund_credited;
  out["counterparty_listed_in_top"] = x.counterparty_entry.has_value();
  return out;
}

void PrintWhoAndWhy(const query::AdlExplanation& x, const query::MarketScale* scale) {
  const auto& l = x.liquidation;
  fmt::print("Liquidated position\n");
  fmt::print("  Account {} held {} {} in market {} and was liquidated at seq {}:\n", l.account,
             l.position > 0 ? "long" : "short",
             Lots(l.position < 0 ? -l.position : l.position, scale), l.market, l.ref.seq);
  fmt::print("  equity {} was below maintenance {} at mark {}.\n", Amount(l.account_equity, scale),
             Amount(l.account_maintenance, scale), PerLot(l.mark_price, scale));
  fmt::print("  Bankruptcy price {}; bankruptcy quote {}.\n", PerLot(l.bankruptcy_price, scale),
             Amount(l.bankruptcy_quote, scale));
  fmt::print("\nWhy the insurance fund did not cover it\n");
  fmt::print("  The order book took {} first; the fund paid {} for fills beyond bankruptcy",
             Lots(x.book_quantity, scale), Amount(x.fund_drawn, scale));
  if (x.fund_credited > 0)
    fmt::print(" and received {} of surplus", Amount(x.fund_credited, scale));
  fmt::print(".\n  When ADL started {} were left to close and the fund held {}.\n",
             Lots(x.queue.quantity_to_cover, scale), Amount(x.queue.fund_balance, scale));
  if (x.deficit_total > x.queue.fund_balance) {
    fmt::print(
        "  Closing them at the mark would have left a deficit of {} against their "
        "bankruptcy quote, more than the fund held, so they were closed against "
        "counterparties at the bankruptcy price instead.\n",
        Amount(x.deficit_total, scale));
  } else {
    fmt::print(
        "  The deficit of the rest against the mark was {}: the book had no more "
        "liquidity within the limits of Phase B (rulebook rule 5), so ADL closed it at "
        "the bankruptcy price.\n",
        Amount(x.deficit_total, scale));
  }
}

void PrintQueueAndTaken(const query::AdlExplanation& x, const query::MarketScale* scale) {
  const auto& r = x.reduction;
  fmt::print("\nRanking queue at that moment (logged at seq {})\n", x.queue.ref.seq);
  fmt::print("  Policy {}: {} {} counterparties ranked, higher score first; top {} logged.\n",
             PolicyName(x.queue.policy), x.queue.queue_length, SideWord(x.queue.counterparty_side),
             x.queue.top.size());
  std::vector<std::vector<std::string>> cells;
  for (const auto& entry : x.queue.top) {
    cells.push_back({std::to_string(entry.queue_position), std::to_string(entry.account),
                     std::to_string(entry.score), std::to_string(entry.position),
                     entry.account == r.counterparty ? "<- this counterparty" : ""});
  }
  PrintTable({"  RANK", "ACCOUNT", "SCORE", "POSITION lots", ""},
             {false, false, false, false, true}, cells);
  fmt::print("\nWhere the counterparty stood\n");
  fmt::print("  Account {} ranked {} of {} with score {}{}.\n", r.counterparty, r.queue_position,
             r.queue_length, r.score,
             x.counterparty_entry ? fmt::format(", holding {} lots", x.counterparty_entry->position)
                                  : " (below the logged top of the queue)");
  fmt::print("  It gave up {} at {}, settled for {}; versus a close at the mark it {} {}.\n",
             Lots(r.quantity, scale), PerLot(r.price, scale), Amount(r.quote, scale),
             r.gain_vs_mark < 0 ? "lost" : "gained",
             Amount(r.gain_vs_mark < 0 ? -r.gain_vs_mark : r.gain_vs_mark, scale));
  fmt::print("\nHow much was taken from whom\n");
  cells.clear();
  for (const auto& row : x.reductions) {
    cells.push_back({std::to_string(row.ref.seq), std::to_string(row.queue_position),
                     std::to_string(row.counterparty), std::to_string(row.quantity),
                     std::to_string(row.quote), std::to_string(row.deficit_covered),
                     std::to_string(row.remaining_before)});
  }
  PrintTable(
      {"  SEQ", "RANK", "ACCOUNT", "QTY lots", "QUOTE", "DEFICIT COVERED", "REMAINING BEFORE"},
      {false, false, false, false, false, false, false}, cells);
  fmt::print("  Total: {} from {} counterpart{}; deficit covered {}.\n",
             Lots(x.quantity_total, scale), x.reductions.size(),
             x.reductions.size() == 1 ? "y" : "ies", Amount(x.deficit_total, scale));
}

}  // namespace

int RunAdlExplain(const AdlExplainOptions& options) {
  uint64_t seq = 0;
  Status parsed = ParseUnsigned(options.seq, "SEQ", UINT64_MAX, &seq);
  if (!parsed.ok()) return Exit(parsed);
  auto log = OpenLog(options.data_dir);
  if (!log.ok()) return Fail(log.status().message());
  auto explanation = query::ExplainAdl(**log, seq);
  if (!explanation.ok()) return Exit(explanation.status());
  const query::AdlExplanation& x = *explanation;
  auto scales = ScalesFor(**log, {x.reduction.market}, {});
  if (!scales.ok()) return Exit(scales.status());
  if (options.json) {
    fmt::print("{}\n", ExplainJson(x, *scales).dump(2));
    return kExitOk;
  }
  const query::MarketScale* scale = ScaleOf(*scales, x.reduction.market);
  fmt::print("ADL reduction at seq {}, {} (group {}, market {})\n", seq,
             FormatTimeNs(x.reduction.ref.time_ns), x.reduction.ref.group,
             MarketLabel(*scales, x.reduction.market));
  fmt::print(
      "  Account {} had {} closed by auto-deleveraging against the liquidated account "
      "{}.\n\n",
      x.reduction.counterparty, Lots(x.reduction.quantity, scale), x.reduction.account);
  PrintWhoAndWhy(x, scale);
  PrintQueueAndTaken(x, scale);
  if (scale != nullptr) {
    fmt::print(
        "\nDecimals in parentheses use market {}'s listing (lot_decimals {}, "
        "quote_decimals {}); the integers are exact.\n",
        scale->symbol, scale->lot_decimals, scale->quote_decimals);
  }
  return kExitOk;
}

// ---- export ----

namespace {

const std::vector<std::string> kAdlColumns = {"seq",
                                              "time_ns",
                                              "time",
                                              "group",
                                              "market",
                                              "symbol",
                                              "account",
                                              "counterparty",
                                              "quantity",
                                              "price",
                                              "quote",
                                              "score",
                                              "queue_position",
                                              "queue_length",
                                              "remaining_before",
                                              "deficit_covered",
                                              "fund_balance_after",
                                              "gain_vs_mark",
                                              "quantity_dec",
                                              "price_dec",
                                              "quote_dec",
                                              "deficit_covered_dec"};
const std::vector<std::string> kLiquidationColumns = {"seq",
                                                      "time_ns",
                                                      "time",
                                                      "group",
                                                      "market",
                                                      "symbol",
                                                      "account",
                                                      "position",
                                                      "cost_basis",
                                                      "mark_price",
                                                      "account_equity",
                                                      "account_maintenance",
                                                      "position_maintenance",
                                                      "equity_share",
                                                      "bankruptcy_quote",
                                                      "bankruptcy_price",
                                                      "position_dec",
                                                      "mark_price_dec",
                                                      "bankruptcy_price_dec",
                                                      "bankruptcy_quote_dec"};
const std::vector<std::string> kFundColumns = {"seq",
                                               "time_ns",
                                               "time",
                                               "group",
                                               "asset",
                                               "kind",
                                               "reason",
                                               "amount",
                                               "balance_after",
                                               "market",
                                               "account",
                                               "amount_dec",
                                               "balance_after_dec"};

std::string CsvCell(const Json& value) {
  if (value.is_null()) return "";
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::vector<std::string> ColumnsOf(const std::string& type) {
  if (type == "adl") return kAdlColumns;
  if (type == "liquidations") return kLiquidationColumns;
  if (type == "fund") return kFundColumns;
  std::vector<std::string> all = {"type"};  // The union, in first-seen order.
  for (const auto* list : {&kAdlColumns, &kLiquidationColumns, &kFundColumns}) {
    for (const std::string& column : *list) {
      if (std::find(all.begin(), all.end(), column) == all.end()) all.push_back(column);
    }
  }
  return all;
}

// The rows of `type` ("all": the three merged in seq order, each with a "type" field).
Result<std::vector<Json>> ExportRows(const ledger::EventLog& log, const std::string& type,
                                     const query::Filter& filter) {
  std::vector<std::pair<uint64_t, Json>> rows;
  const bool all = type == "all";
  auto add = [&](uint64_t seq, const char* kind, Json row) {
    if (!all) {
      rows.emplace_back(seq, std::move(row));
      return;
    }
    Json tagged;
    tagged["type"] = kind;
    tagged.update(row);
    rows.emplace_back(seq, std::move(tagged));
  };
  if (type == "adl" || all) {
    LEDGER_ASSIGN_OR_RETURN(auto adl, query::ListAdlReductions(log, filter));
    LEDGER_ASSIGN_OR_RETURN(auto scales, query::LoadMarketScales(log, MarketsOf(adl), {}));
    for (const auto& row : adl) add(row.ref.seq, "adl_reduction", AdlJson(row, scales));
  }
  if (type == "liquidations" || all) {
    LEDGER_ASSIGN_OR_RETURN(auto liquidations, query::ListLiquidations(log, filter));
    LEDGER_ASSIGN_OR_RETURN(auto scales, query::LoadMarketScales(log, MarketsOf(liquidations), {}));
    for (const auto& row : liquidations) {
      add(row.ref.seq, "liquidation", LiquidationJson(row, scales));
    }
  }
  if (type == "fund" || all) {
    LEDGER_ASSIGN_OR_RETURN(auto fund, query::ListFundMovements(log, filter));
    LEDGER_ASSIGN_OR_RETURN(auto scales, query::LoadMarketScales(log, {}, AssetsOf(fund)));
    for (const auto& row : fund) add(row.ref.seq, "fund_movement", FundJson(row, scales));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  if (all && filter.limit != 0 && rows.size() > filter.limit) rows.resize(filter.limit);
  std::vector<Json> out;
  out.reserve(rows.size());
  for (auto& row : rows) out.push_back(std::move(row.second));
  return out;
}

Status CheckExportForm(const ExportOptions& options) {
  const QueryOptions& f = options.filters;
  const bool has_filters = !f.account.empty() || !f.market.empty() || !f.asset.empty() ||
                           !f.since.empty() || !f.until.empty() || f.limit != 0;
  if (options.raw) {
    if (options.seq.empty()) return Status::InvalidArgument("export --raw", "needs a SEQ");
    if (options.out.empty()) return Status::InvalidArgument("export --raw", "needs --out PREFIX");
    if (!options.type.empty() || !options.format.empty() || has_filters) {
      return Status::InvalidArgument("export --raw",
                                     "exports one record: --type, --format and filters do not "
                                     "apply (use `export --type ...` for rows)");
    }
    return Status::OK();
  }
  if (!options.seq.empty()) {
    return Status::InvalidArgument("export", "a SEQ is only for `export SEQ --raw --out PREFIX`");
  }
  if (options.type.empty()) {
    return Status::InvalidArgument("export",
                                   "give --type adl|liquidations|fund|all (or SEQ --raw)");
  }
  if (options.type != "adl" && options.type != "liquidations" && options.type != "fund" &&
      options.type != "all") {
    return Status::InvalidArgument(
        "export", "--type must be adl, liquidations, fund or all, not '" + options.type + "'");
  }
  if (!options.format.empty() && options.format != "jsonl" && options.format != "csv") {
    return Status::InvalidArgument("export",
                                   "--format must be jsonl or csv, not '" + options.format + "'");
  }
  return Status::OK();
}

}  // namespace

int RunExport(const ExportOptions& options) {
  Status form = CheckExportForm(options);
  if (!form.ok()) return Exit(form);
  if (options.raw) {
    ExportRawOptions raw;
    raw.data_dir = options.filters.data_dir;
    raw.out = options.out;
    Status parsed = ParseUnsigned(options.seq, "SEQ", UINT64_MAX, &raw.seq);
    if (!parsed.ok()) return Exit(parsed);
    return RunExportRaw(raw);
  }
  auto filter = ParseFilter(options.filters);
  if (!filter.ok()) return Exit(filter.status());
  auto log = OpenLog(options.filters.data_dir);
  if (!log.ok()) return Fail(log.status().message());
  auto rows = ExportRows(**log, options.type, *filter);
  if (!rows.ok()) return Exit(rows.status());
  std::ofstream file;
  const bool to_stdout = options.out.empty() || options.out == "-";
  if (!to_stdout) {
    file.open(options.out, std::ios::trunc);
    if (!file) return Fail("export: cannot write " + options.out);
  }
  std::ostream& out = to_stdout ? std::cout : file;
  if (options.format == "csv") {
    const std::vector<std::string> columns = ColumnsOf(options.type);
    for (size_t i = 0; i < columns.size(); ++i) out << (i > 0 ? "," : "") << columns[i];
    out << "\n";
    for (const Json& row : *rows) {
      for (size_t i = 0; i < columns.size(); ++i) {
        const auto it = row.find(columns[i]);
        out << (i > 0 ? "," : "") << (it == row.end() ? "" : CsvCell(*it));
      }
      out << "\n";
    }
  } else {
    for (const Json& row : *rows) out << row.dump() << "\n";
  }
  out.flush();
  if (!out) return Fail("export: cannot write " + (to_stdout ? "stdout" : options.out));
  if (!to_stdout) fmt::print(stderr, "wrote {} rows to {}\n", rows->size(), options.out);
  return kExitOk;
}

}  // namespace cli
