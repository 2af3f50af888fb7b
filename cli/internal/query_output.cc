// What the history-query commands share (see internal/query_output.h).

#include "cli/internal/query_output.h"

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
#include "text/text.h"

namespace cli {

using base::Result;
using base::Status;

// ---- Arguments ----

Status ParseUnsigned(const std::string& text, const char* what, uint64_t max, uint64_t* out) {
  BACKSTOP_ASSIGN_OR_RETURN(*out, text::ParseUnsigned(text, what, max));
  return Status::OK();
}

Result<query::Filter> ParseFilter(const QueryOptions& options) {
  query::Filter filter;
  uint64_t value = 0;
  if (!options.account.empty()) {
    BACKSTOP_RETURN_IF_ERROR(ParseUnsigned(options.account, "--account", UINT64_MAX, &value));
    filter.account = value;
  }
  if (!options.market.empty()) {
    BACKSTOP_RETURN_IF_ERROR(ParseUnsigned(options.market, "--market", UINT32_MAX, &value));
    filter.market = static_cast<uint32_t>(value);
  }
  if (!options.asset.empty()) {
    BACKSTOP_RETURN_IF_ERROR(ParseUnsigned(options.asset, "--asset", UINT32_MAX, &value));
    filter.asset = static_cast<uint32_t>(value);
  }
  if (!options.since.empty()) {
    BACKSTOP_ASSIGN_OR_RETURN(filter.since_ns, text::ParseTime(options.since));
  }
  if (!options.until.empty()) {
    BACKSTOP_ASSIGN_OR_RETURN(filter.until_ns, text::ParseTime(options.until));
  }
  if (filter.since_ns && filter.until_ns && *filter.since_ns >= *filter.until_ns) {
    return Status::InvalidArgument("bad time range", "--since " + FormatTimeNs(*filter.since_ns) +
                                                         " is not before --until " +
                                                         FormatTimeNs(*filter.until_ns));
  }
  filter.limit = options.limit;
  return filter;
}

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

void PrintTable(const std::vector<std::string>& headers, const std::vector<bool>& left,
                const std::vector<std::vector<std::string>>& rows) {
  fmt::print("{}", text::FormatTable(headers, left, rows));
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
    out["settlement_price_dec"] = query::SettlementPrice(row.quote, row.quantity, *scale);
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
    out["settlement_price_dec"] =
        query::SettlementPrice(row.bankruptcy_quote, row.position, *scale);
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

}  // namespace cli
