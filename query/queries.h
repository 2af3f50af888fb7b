// Typed queries over a read-only event log: ADL reductions, liquidations, insurance-fund
// movements and the history of one account, answered from the secondary indexes of
// ledger/indexes.h (docs/QUERIES.md says which index serves which filter, and where a scan).
// Stateless functions; thread-safe as far as the EventLog is (any thread may read it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/status.h"
#include "engine/events.h"
#include "ledger/event_log.h"
#include "ledger/record.h"

namespace query {

using ledger::SequenceNumber;

// Which records a query returns. Unset fields do not filter. Times are nanoseconds since the
// Unix epoch, compared with the time the sequencer stamped on each record.
struct Filter {
  std::optional<engine::AccountId> account;  // ADL: either side; fund: draws of it; others: named.
  std::optional<engine::MarketId> market;    // Records of this market only (fund: draws only).
  std::optional<engine::AssetId> asset;      // Fund movements of this asset (fund) only.
  std::optional<int64_t> since_ns;           // Records stamped at or after this time.
  std::optional<int64_t> until_ns;           // Records stamped strictly before this time.
  size_t limit = 0;                          // At most this many rows, oldest first; 0: no limit.
};

// Checks `filter` on its own: InvalidArgument if since >= until (an empty range is a mistake).
base::Status ValidateFilter(const Filter& filter);

// Where a row came from: its record's seq, stamp and group (seq of the group's input).
struct RecordRef {
  SequenceNumber seq{0};
  int64_t time_ns = 0;
  SequenceNumber group{0};
  bool operator==(const RecordRef&) const = default;
};

// One adlReduction effect: where it is logged, and the engine's struct (engine/events.h).
struct AdlReductionRow {
  RecordRef ref;
  engine::AdlReduction effect;
  bool operator==(const AdlReductionRow&) const = default;
};

// One liquidation effect (a position taken over at its bankruptcy quote).
struct LiquidationRow {
  RecordRef ref;
  engine::Liquidation effect;
  bool operator==(const LiquidationRow&) const = default;
};

// One insurance-fund credit or draw.
struct FundMovementRow {
  RecordRef ref;
  std::variant<engine::InsuranceFundCredit, engine::InsuranceFundDraw> effect;
  bool operator==(const FundMovementRow&) const = default;

  bool draw() const { return effect.index() == 1; }
  engine::AssetId asset() const;
  engine::Money amount() const;  // Moved, > 0 (the direction is draw()).
  engine::Money balance_after() const;
  engine::MarketId market() const;    // Draws: market of the liquidation; credits: 0.
  engine::AccountId account() const;  // Draws: liquidated account; credits: 0.
  // Credit: liquidation_surplus, funding_residue, adl_residue, top_up (the schema's names);
  // draw: liquidation_shortfall.
  std::string reason() const;
};

// Rows from one record: Corruption if its event does not decode, InvalidArgument if it is not
// an effect of that kind (a fund row: a credit or a draw).
base::Result<AdlReductionRow> AdlReductionFromRecord(const ledger::LogRecord& record);
base::Result<LiquidationRow> LiquidationFromRecord(const ledger::LogRecord& record);
base::Result<FundMovementRow> FundMovementFromRecord(const ledger::LogRecord& record);
// The market an event names, if any (orders, fills, funding, liquidation, ADL, draws, marks).
std::optional<engine::MarketId> MarketOfEvent(ledger::schema::Event::Reader event);

// ADL reductions matching `filter` (account: either side; asset ignored), in seq order.
// Served by idx_adl_account, idx_adl_market or idx_adl_time; the rows are those indexes'
// values (no record is read). NotFound if filter.account has no event at all in the log;
// InvalidArgument for a bad filter; Corruption (a value that does not decode) or IOError.
base::Result<std::vector<AdlReductionRow>> ListAdlReductions(const ledger::EventLog& log,
                                                             const Filter& filter);

// Called with (records read, records to read) about every 65536 records while a query scans
// the log itself (no index covers it), for a progress display. Default: none.
using ScanProgress = std::function<void(uint64_t done, uint64_t total)>;

// Liquidations matching `filter` (asset ignored), in seq order. With an account: served by
// idx_liquidation_account, whose values are the rows. Without one there is no index: the query
// scans the records in the time range (found by binary search on seq, as stamps never
// decrease), reporting to `progress`. NotFound as above.
base::Result<std::vector<LiquidationRow>> ListLiquidations(const ledger::EventLog& log,
                                                           const Filter& filter,
                                                           const ScanProgress& progress = {});

// Insurance-fund credits and draws matching `filter`, in seq order. Account and market keep
// only the draws of that liquidated account / market (credits name neither). Served by
// idx_fund (the whole index, merged into seq order, when no asset is given). NotFound as above.
base::Result<std::vector<FundMovementRow>> ListFundMovements(const ledger::EventLog& log,
                                                             const Filter& filter);

// Every record that names `filter.account` (required: InvalidArgument without it), optionally
// only those naming filter.market, in the time range, in seq order. Served by idx_account.
// NotFound if the account has no event at all.
base::Result<std::vector<ledger::LogRecord>> AccountHistory(const ledger::EventLog& log,
                                                            const Filter& filter);

// True if any record names `account` (one seek in idx_account).
base::Result<bool> AccountExists(const ledger::EventLog& log, engine::AccountId account);

// First seq stamped at or after `time_ns` (head + 1 if none): binary search over the log,
// O(log head) reads; valid because stamps never decrease along the log.
base::Result<SequenceNumber> FirstSeqAtOrAfter(const ledger::EventLog& log, int64_t time_ns);

}  // namespace query
