// What the history-query commands share (see internal/query_output.h).

#include "cli/internal/query_output.h"

#include <capnp/dynamic.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "cli/common.h"
#include "cli/event_json.h"
#include "ledger/event_fields.h"
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
    filter.account = engine::AccountId{value};
  }
  if (!options.market.empty()) {
    BACKSTOP_RETURN_IF_ERROR(ParseUnsigned(options.market, "--market", UINT32_MAX, &value));
    filter.market = engine::MarketId{static_cast<uint32_t>(value)};
  }
  if (!options.asset.empty()) {
    BACKSTOP_RETURN_IF_ERROR(ParseUnsigned(options.asset, "--asset", UINT32_MAX, &value));
    filter.asset = engine::AssetId{static_cast<uint32_t>(value)};
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

std::optional<std::string> Decimal(ledger::FieldUnit unit, int64_t value,
                                   const query::MarketScale& scale) {
  switch (unit) {
    case ledger::FieldUnit::kQuantity:
      return query::BaseQuantity(engine::Quantity{value}, scale);
    case ledger::FieldUnit::kPrice:
      return query::QuotePrice(engine::Price{value}, scale);
    case ledger::FieldUnit::kAmount:
      return query::QuoteAmount(engine::Money{value}, scale);
    case ledger::FieldUnit::kInteger:
    case ledger::FieldUnit::kMarket:
    case ledger::FieldUnit::kName:
      return std::nullopt;
  }
  return std::nullopt;
}

Json AdlJson(const query::AdlReductionRow& row, const Scales& scales) {
  Json out;
  AddTime(&out, row.ref);
  const engine::AdlReduction& e = row.effect;
  const query::MarketScale* scale = ScaleOf(scales, e.market.value());
  AddFields(&out, e, scale, /*symbol=*/true);
  if (scale != nullptr) {
    out["settlement_price_dec"] = query::SettlementPrice(e.quote, e.quantity, *scale);
  }
  return out;
}

Json LiquidationJson(const query::LiquidationRow& row, const Scales& scales) {
  Json out;
  AddTime(&out, row.ref);
  const engine::Liquidation& e = row.effect;
  const query::MarketScale* scale = ScaleOf(scales, e.market.value());
  AddFields(&out, e, scale, /*symbol=*/true);
  if (scale != nullptr) {
    out["settlement_price_dec"] = query::SettlementPrice(e.bankruptcy_quote, e.position, *scale);
  }
  return out;
}

Json FundJson(const query::FundMovementRow& row, const Scales& scales) {
  Json out;
  AddTime(&out, row.ref);
  // A credit and a draw share one row shape (and CSV header): the keys either lacks come
  // first with their neutral values (credits name no market or account; a draw's reason is
  // always a liquidation shortfall), then the effect's own fields fill in theirs.
  out["asset"] = row.asset();
  out["kind"] = row.draw() ? "draw" : "credit";
  out["reason"] = row.reason();
  out["amount"] = row.amount();
  out["balance_after"] = row.balance_after();
  out["market"] = 0;
  out["account"] = 0;
  const query::MarketScale* scale = query::ScaleOfAsset(scales, row.asset().value());
  std::visit([&](const auto& e) { AddFields(&out, e, scale, /*symbol=*/false); }, row.effect);
  return out;
}

namespace {

std::vector<std::string> KeysOf(const Json& row) {
  std::vector<std::string> columns;
  for (const auto& item : row.items()) columns.push_back(item.key());
  return columns;
}

}  // namespace

std::vector<std::string> AdlColumns() {
  return KeysOf(AdlJson(query::AdlReductionRow{}, Scales{{0, query::MarketScale{}}}));
}

std::vector<std::string> LiquidationColumns() {
  return KeysOf(LiquidationJson(query::LiquidationRow{}, Scales{{0, query::MarketScale{}}}));
}

std::vector<std::string> FundColumns() {
  return KeysOf(FundJson(query::FundMovementRow{}, Scales{{0, query::MarketScale{}}}));
}

std::set<uint32_t> MarketsOf(const std::vector<query::AdlReductionRow>& rows) {
  std::set<uint32_t> out;
  for (const auto& row : rows) out.insert(row.effect.market.value());
  return out;
}

std::set<uint32_t> MarketsOf(const std::vector<query::LiquidationRow>& rows) {
  std::set<uint32_t> out;
  for (const auto& row : rows) out.insert(row.effect.market.value());
  return out;
}

std::set<uint32_t> AssetsOf(const std::vector<query::FundMovementRow>& rows) {
  std::set<uint32_t> out;
  for (const auto& row : rows) out.insert(row.asset().value());
  return out;
}

}  // namespace cli
