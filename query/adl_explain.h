// "Why was this position auto-deleveraged?": everything the log recorded about one ADL
// reduction, taken from the effects of its group only (nothing is recomputed by the engine).
// Stateless; thread-safe as far as the EventLog is.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/status.h"
#include "ledger/event_log.h"
#include "ledger/schema/event.capnp.h"
#include "query/queries.h"

namespace query {

// The adlQueue effect: the ranking when the ADL phase of one liquidated position started.
struct AdlQueueRow {
  RecordRef ref;
  engine::AdlQueue effect;
  bool operator==(const AdlQueueRow&) const = default;
};

// Everything about one ADL reduction, from its group.
struct AdlExplanation {
  AdlReductionRow reduction;   // The reduction asked about.
  LiquidationRow liquidation;  // The liquidation of the reduction's (market, account)
                               // in the group: the liquidated position, bankruptcy price/quote.
  AdlQueueRow queue;           // The adlQueue of that position in the group.
  // Every adlReduction of that position in the group, in seq order (includes `reduction`).
  std::vector<AdlReductionRow> reductions;
  engine::Quantity quantity_total{0};  // Σ reductions' quantity (= queue's quantity_to_cover).
  engine::Money deficit_total{0};  // Σ reductions' deficit_covered: what the fund did not cover.
  engine::Quantity book_quantity{0};  // Lots the book took first (Σ liquidationFill.quantity).
  engine::Money fund_drawn{0};        // Σ insuranceFundDraw.amount for this position in the group.
  engine::Money fund_credited{0};     // Σ liquidationSurplus credits for this position's fills.
  // The counterparty's entry in the queue's top, if it was among the logged top K.
  std::optional<engine::AdlQueueEntry> counterparty_entry;
};

// Explains the adlReduction at `seq`. InvalidArgument if `seq` is 0 or beyond the head
// ("seq 99 is beyond the head (48)") or its record is not an adlReduction ("seq 40 is a
// liquidation, not an adl_reduction"); Corruption if the group lacks the liquidation or the
// adlQueue the reduction implies; Corruption/IOError from reads.
base::Result<AdlExplanation> ExplainAdl(const ledger::EventLog& log, SequenceNumber seq);

// The adlQueue row of one record: Corruption if it does not decode, InvalidArgument if it is
// not an adlQueue.
base::Result<AdlQueueRow> AdlQueueFromRecord(const ledger::LogRecord& record);

}  // namespace query
