// `backstop export`: rows for jq and spreadsheets (JSON Lines or CSV), or one record's raw
// signed bytes (see query_commands.h).

#include <capnp/dynamic.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "base/strong_type_json.h"
#include "cli/common.h"
#include "cli/event_json.h"
#include "cli/internal/query_output.h"
#include "query/adl_explain.h"
#include "query/queries.h"
#include "query/text.h"
#include "text/text.h"

namespace cli {

using base::Result;
using base::Status;

// ---- export ----

namespace {

// A CSV cell of a row field: empty for null, strings as they are, other JSON as it dumps.
std::string CsvCell(const Json& value) {
  if (value.is_null()) return "";
  return text::CsvCell(value.is_string() ? value.get<std::string>() : value.dump());
}

std::vector<std::string> ColumnsOf(const std::string& type) {
  if (type == "adl") return AdlColumns();
  if (type == "liquidations") return LiquidationColumns();
  if (type == "fund") return FundColumns();
  std::vector<std::string> all = {"type"};  // The union, in first-seen order.
  for (const auto& list : {AdlColumns(), LiquidationColumns(), FundColumns()}) {
    for (const std::string& column : list) {
      if (std::find(all.begin(), all.end(), column) == all.end()) all.push_back(column);
    }
  }
  return all;
}

// The rows of `type` ("all": the three merged in seq order, each with a "type" field).
// Reports formatting on `progress` ("exporting ... rows formatted").
Result<std::vector<Json>> ExportRows(const ledger::EventLog& log, const std::string& type,
                                     const query::Filter& filter, text::ProgressLine* progress) {
  std::vector<std::pair<ledger::SequenceNumber, Json>> rows;
  const bool all = type == "all";
  uint64_t total = 0;  // Rows found so far, over every type.
  auto add = [&](ledger::SequenceNumber seq, const char* kind, Json row) {
    progress->Update(rows.size() + 1, total, " formatted");
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
    BACKSTOP_ASSIGN_OR_RETURN(auto adl, query::ListAdlReductions(log, filter));
    BACKSTOP_ASSIGN_OR_RETURN(auto scales, query::LoadMarketScales(log, MarketsOf(adl), {}));
    total += adl.size();
    for (const auto& row : adl) add(row.ref.seq, "adl_reduction", AdlJson(row, scales));
  }
  if (type == "liquidations" || all) {
    ProgressLine progress("scanned");
    BACKSTOP_ASSIGN_OR_RETURN(
        auto liquidations,
        query::ListLiquidations(log, filter, [&progress](uint64_t done, uint64_t total) {
          progress.Update(done, total);
        }));
    progress.Clear();
    BACKSTOP_ASSIGN_OR_RETURN(auto scales,
                              query::LoadMarketScales(log, MarketsOf(liquidations), {}));
    total += liquidations.size();
    for (const auto& row : liquidations) {
      add(row.ref.seq, "liquidation", LiquidationJson(row, scales));
    }
  }
  if (type == "fund" || all) {
    BACKSTOP_ASSIGN_OR_RETURN(auto fund, query::ListFundMovements(log, filter));
    BACKSTOP_ASSIGN_OR_RETURN(auto scales, query::LoadMarketScales(log, {}, AssetsOf(fund)));
    total += fund.size();
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
  // One line over the whole export, on a terminal: rows formatted, then rows written (when they
  // do not go to the terminal themselves).
  text::ProgressLine progress("exporting", "rows");
  auto rows = ExportRows(**log, options.type, *filter, &progress);
  if (!rows.ok()) return Exit(rows.status());
  std::ofstream file;
  const bool to_stdout = options.out.empty() || options.out == "-";
  if (!to_stdout) {
    file.open(options.out, std::ios::trunc);
    if (!file) return Fail("export: cannot write " + options.out);
  }
  std::ostream& out = to_stdout ? std::cout : file;
  // Rows going to the terminal are their own progress: the line would break into them.
  const bool count_written = !to_stdout || isatty(fileno(stdout)) != 1;
  if (options.format == "csv") {
    const std::vector<std::string> columns = ColumnsOf(options.type);
    for (size_t i = 0; i < columns.size(); ++i) out << (i > 0 ? "," : "") << columns[i];
    out << "\n";
    for (size_t n = 0; n < rows->size(); ++n) {
      if (count_written) progress.Update(n + 1, rows->size(), " written");
      const Json& row = (*rows)[n];
      for (size_t i = 0; i < columns.size(); ++i) {
        const auto it = row.find(columns[i]);
        out << (i > 0 ? "," : "") << (it == row.end() ? "" : CsvCell(*it));
      }
      out << "\n";
    }
  } else {
    for (size_t n = 0; n < rows->size(); ++n) {
      if (count_written) progress.Update(n + 1, rows->size(), " written");
      out << (*rows)[n].dump() << "\n";
    }
  }
  out.flush();
  progress.Clear();
  if (!out) return Fail("export: cannot write " + (to_stdout ? "stdout" : options.out));
  if (!to_stdout) fmt::print(stderr, "wrote {} rows to {}\n", rows->size(), options.out);
  return kExitOk;
}

}  // namespace cli
