// Private to cli/: what the history-query commands share (query_commands.cc,
// adl_explain_command.cc, export_command.cc): filters parsed from text, opening the log, row
// JSON, the markets' display scales and aligned tables. Stateless; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/assert.h"
#include "base/strong_type_json.h"
#include "cli/common.h"
#include "cli/query_commands.h"
#include "ledger/event_fields.h"
#include "ledger/event_log.h"
#include "query/adl_explain.h"
#include "query/queries.h"
#include "query/text.h"

namespace cli {

using Json = nlohmann::ordered_json;
using Scales = std::map<uint32_t, query::MarketScale>;

// `text` as a decimal in [0, max]; InvalidArgument naming `what` otherwise.
base::Status ParseUnsigned(const std::string& text, const char* what, uint64_t max, uint64_t* out);
// The query filter of the command-line options; InvalidArgument for bad ids, times or ranges.
base::Result<query::Filter> ParseFilter(const QueryOptions& options);
// A usage error, or data the log does not have: exit 2. A corrupt log: exit 1 (a finding).
inline int Exit(const base::Status& status) { return Fail(status); }
// The log in `data_dir`, read-only; IOError naming the folder.
base::Result<std::unique_ptr<ledger::EventLog>> OpenLog(const std::string& data_dir);

// seq, time_ns, time (ISO-8601) and group of a record, into `*out`.
void AddTime(Json* out, const query::RecordRef& ref);
// The display scale of `market`, or nullptr if it was never listed.
const query::MarketScale* ScaleOf(const Scales& scales, uint32_t market);
// "1 BTCUSDT", or "1" for an unknown market.
std::string MarketLabel(const Scales& scales, uint32_t market);
// A human-scaled cell, or "-" when the market's spec is unknown.
template <typename F>
std::string Scaled(const query::MarketScale* scale, F format) {
  return scale == nullptr ? "-" : format(*scale);
}
// Prints text::FormatTable on stdout: `left` columns left-aligned, the others right-aligned.
void PrintTable(const std::vector<std::string>& headers, const std::vector<bool>& left,
                const std::vector<std::vector<std::string>>& rows);
// The display scales of `markets` and of the markets quoted in `assets`.
base::Result<Scales> ScalesFor(const ledger::EventLog& log, std::set<uint32_t> markets,
                               std::set<uint32_t> assets);

// A lot, price or amount field's value in the market's decimals (query/text.h); nullopt for
// the other units.
std::optional<std::string> Decimal(ledger::FieldUnit unit, int64_t value,
                                   const query::MarketScale& scale);
// Every field of `effect` by its field table: the integer (an enum: its name) under the field's
// name, and "symbol" after a market when `symbol` is set; then, when the scale is known, each
// lot, price and amount field again in decimals under name + "_dec".
template <typename E>
void AddFields(Json* out, const E& effect, const query::MarketScale* scale, bool symbol) {
  ledger::ForEachField(effect, [&](const auto& field, const auto& value) {
    if constexpr (std::is_enum_v<std::decay_t<decltype(value)>>) {
      (*out)[field.name] = ledger::EnumName(value);
    } else {
      (*out)[field.name] = value;
    }
    if (symbol && field.unit == ledger::FieldUnit::kMarket) {
      (*out)["symbol"] = scale == nullptr ? "" : scale->symbol;
    }
  });
  if (scale == nullptr) return;
  ledger::ForEachField(effect, [&](const auto& field, const auto& value) {
    if constexpr (!std::is_enum_v<std::decay_t<decltype(value)>>) {
      const std::optional<std::string> decimal =
          Decimal(field.unit, base::UnwrapStrong(value), *scale);
      if (decimal) (*out)[std::string(field.name) + "_dec"] = *decimal;
    }
  });
}

// The table cell of field `name` of `effect` (its field table names it; asserted): the integer,
// or an enum's name. DecimalCell: its decimal form in `scale`, "-" if the scale is unknown or
// the field has no decimal form.
template <typename E>
std::string FieldCell(const E& effect, std::string_view name) {
  std::optional<std::string> cell;
  ledger::ForEachField(effect, [&](const auto& field, const auto& value) {
    if (name != field.name) return;
    if constexpr (std::is_enum_v<std::decay_t<decltype(value)>>) {
      cell = ledger::EnumName(value);
    } else {
      cell = std::to_string(base::UnwrapStrong(value));
    }
  });
  BACKSTOP_ASSERT(cell.has_value(), name);
  return *cell;
}
template <typename E>
std::string DecimalCell(const E& effect, std::string_view name, const query::MarketScale* scale) {
  std::optional<std::string> cell;
  bool found = false;
  ledger::ForEachField(effect, [&](const auto& field, const auto& value) {
    if (name != field.name) return;
    found = true;
    if constexpr (!std::is_enum_v<std::decay_t<decltype(value)>>) {
      if (scale != nullptr) cell = Decimal(field.unit, base::UnwrapStrong(value), *scale);
    }
  });
  BACKSTOP_ASSERT(found, name);
  return cell.value_or("-");
}

// Row JSON, shared by --json and export: seq, time_ns, time and group, then every field of the
// row's effect by its field table (ledger/event_fields.h), then the decimal forms ("_dec")
// when the market's scale is known.
Json AdlJson(const query::AdlReductionRow& row, const Scales& scales);
Json LiquidationJson(const query::LiquidationRow& row, const Scales& scales);
Json FundJson(const query::FundMovementRow& row, const Scales& scales);
// `adl explain --json` of one reduction (adl_explain_command.cc; also embedded by `report`).
Json ExplainJson(const query::AdlExplanation& x, const Scales& scales);
// The keys of each row JSON above, in order: the export's CSV header.
std::vector<std::string> AdlColumns();
std::vector<std::string> LiquidationColumns();
std::vector<std::string> FundColumns();
std::set<uint32_t> MarketsOf(const std::vector<query::AdlReductionRow>& rows);
std::set<uint32_t> MarketsOf(const std::vector<query::LiquidationRow>& rows);
std::set<uint32_t> AssetsOf(const std::vector<query::FundMovementRow>& rows);

}  // namespace cli
