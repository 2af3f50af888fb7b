// The history queries of `backstop`: adl list / adl explain, account history, fund history,
// liquidations list and export (docs/QUERIES.md). main.cc parses arguments into these option
// structs; each function prints to stdout/stderr and returns the exit code of cli/commands.h:
// 0 on success (an empty result included), 2 on a usage error (bad filter, unknown account,
// unknown seq) or when the log cannot be opened, 1 if the log turns out to be corrupt.
#pragma once

#include <cstdint>
#include <string>

#include "cli/commands.h"

namespace cli {

// Filters as typed on the command line; every empty string means "no filter". Parsed and
// checked by the Run functions (so that errors read the same in every command).
struct QueryOptions {
  std::string data_dir;
  std::string account;  // Account id (decimal).
  std::string market;   // Market id (decimal).
  std::string asset;    // Asset id (decimal); fund history and exports.
  std::string since;    // Inclusive; ISO-8601 or epoch (query/text.h ParseTime).
  std::string until;    // Exclusive; same forms.
  uint64_t limit = 0;   // At most this many rows, oldest first; 0: all.
  bool json = false;    // A JSON array (or object) instead of the aligned table.
};

// `adl list`: ADL reductions, both sides, quantity, price, score, rank, deficit covered, seq
// and time. Uses account (either side), market, since, until, limit.
int RunAdlList(const QueryOptions& options);

struct AdlExplainOptions {
  std::string data_dir;
  std::string seq;    // Seq of an adlReduction record (decimal).
  bool json = false;  // One JSON object instead of plain words.
  bool full = false;  // Also the whole queue, re-derived by replay and checked against the log.
};
// `adl explain SEQ`: why one reduction happened, in plain words, from its group's events.
int RunAdlExplain(const AdlExplainOptions& options);

// `account history A`: every event naming the account (options.account required); market,
// since, until and limit filter it.
int RunAccountHistory(const QueryOptions& options);

// `fund history`: insurance-fund credits and draws with the balance after each. Uses asset,
// account and market (draws of that liquidation only), since, until, limit.
int RunFundHistory(const QueryOptions& options);

// `liquidations list`: positions taken over, with bankruptcy price and quote. Uses account,
// market, since, until, limit.
int RunLiquidationsList(const QueryOptions& options);

struct ExportOptions {
  QueryOptions filters;  // filters.json is ignored (see format).
  bool raw = false;      // `export SEQ --raw --out PREFIX`: one record's signed bytes.
  std::string seq;       // Only with raw.
  std::string type;      // adl | liquidations | fund | all (not with raw).
  std::string format;    // jsonl (default) | csv (not with raw).
  std::string out;       // raw: path prefix (required); otherwise a file ("" or -: stdout).
};
// `export`: with raw, RunExportRaw of one record; otherwise the rows of `type` as JSON Lines or
// CSV (one header line; `all` merges the types in seq order with a `type` column). Refuses a
// mix of the two forms with exit 2.
int RunExport(const ExportOptions& options);

}  // namespace cli
