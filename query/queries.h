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
#include <vector>

#include "base/status.h"
#include "ledger/event_log.h"
#include "ledger/record.h"

namespace query {

using ledger::SequenceNumber;

// Which records a query returns. Unset fields do not filter. Times are nanoseconds since the
// Unix epoch, compared with the time the sequencer stamped on each record.
struct Filter {
  std::optional<uint64_t> account;  // ADL: either side; fund: draws of it; others: named.
  std::optional<uint32_t> market;   // Records of this market only (fund: draws only).
  std::optional<uint32_t> asset;    // Fund movements of this asset (fund) only.
  std::optional<int64_t> since_ns;  // Records stamped at or after this time.
  std::optional<int64_t> until_ns;  // Records stamped strictly before this time.
  size_t limit = 0;                 // At most this many rows, oldest first; 0: no limit.
};

// Checks `filter` on its own: InvalidArgument if since >= until (an empty range is a mistake).
base::Status ValidateFilter(const Filter& filter);

// Where a row came from: its record's seq, stamp and group (seq of the group's input).
struct RecordRef {
  SequenceNumber seq = 0;
  int64_t time_ns = 0;
  SequenceNumber group = 0;
  bool operator==(const RecordRef&) const = default;
};

// One adlReduction effect (ledger/schema/event.capnp AdlReduction), field for field.
struct AdlReductionRow {
  RecordRef ref;
  uint32_t market = 0;
  uint64_t account = 0;       // The liquidated account.
  uint64_t counterparty = 0;  // The account reduced.
  int64_t quantity = 0;       // Lots taken from the counterparty.
  int64_t price = 0;          // Bankruptcy price (quote minor units per lot, display).
  int64_t quote = 0;          // Exact amount settled with the counterparty.
  int64_t score = 0;
  uint32_t queue_position = 0;  // 1-based rank of the counterparty.
  uint32_t queue_length = 0;
  int64_t remaining_before = 0;
  int64_t deficit_covered = 0;
  int64_t fund_balance_after = 0;
  int64_t gain_vs_mark = 0;
  bool operator==(const AdlReductionRow&) const = default;
};

// One liquidation effect (a position taken over at its bankruptcy quote).
struct LiquidationRow {
  RecordRef ref;
  uint64_t account = 0;
  uint32_t market = 0;
  int64_t position = 0;  // Signed lots taken over.
  int64_t cost_basis = 0;
  int64_t mark_price = 0;
  int64_t account_equity = 0;
  int64_t account_maintenance = 0;
  int64_t position_maintenance = 0;
  int64_t equity_share = 0;
  int64_t bankruptcy_quote = 0;
  int64_t bankruptcy_price = 0;
  bool operator==(const LiquidationRow&) const = default;
};

// One insurance-fund credit or draw.
struct FundMovementRow {
  RecordRef ref;
  uint32_t asset = 0;
  bool draw = false;     // True for insuranceFundDraw, false for insuranceFundCredit.
  int64_t amount = 0;    // Moved, > 0 (the direction is `draw`).
  std::string reason;    // Credit: liquidation_surplus, funding_residue, adl_residue, top_up;
                         // draw: liquidation_shortfall.
  uint32_t market = 0;   // Draws: market of the liquidation; credits: 0.
  uint64_t account = 0;  // Draws: liquidated account; credits: 0.
  int64_t balance_after = 0;
  bool operator==(const FundMovementRow&) const = default;
};

// Rows from one record (precondition, asserted: the event is of that kind).
AdlReductionRow AdlReductionFromRecord(const ledger::LogRecord& record);
LiquidationRow LiquidationFromRecord(const ledger::LogRecord& record);
FundMovementRow FundMovementFromRecord(const ledger::LogRecord& record);
// The market an event names, if any (orders, fills, funding, liquidation, ADL, draws, marks).
std::optional<uint32_t> MarketOfEvent(ledger::schema::Event::Reader event);

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
base::Result<bool> AccountExists(const ledger::EventLog& log, uint64_t account);

// First seq stamped at or after `time_ns` (head + 1 if none): binary search over the log,
// O(log head) reads; valid because stamps never decrease along the log.
base::Result<SequenceNumber> FirstSeqAtOrAfter(const ledger::EventLog& log, int64_t time_ns);

}  // namespace query
