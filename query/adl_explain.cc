// ADL explain (see adl_explain.h): reads the one group that holds the reduction and picks out
// the liquidation, the queue and the reductions of the same position. Invariant: within a
// group, a position's liquidation precedes its fills and draws, which precede its adlQueue,
// which precedes its adlReductions (docs/ENGINE.md).

#include "query/adl_explain.h"

#include <string>

#include "base/assert.h"

namespace query {
namespace {

using E = ledger::schema::Event;
using base::Result;
using base::Status;
using ledger::LogRecord;

std::string EventName(E::Which which) {
  switch (which) {
    case E::LIQUIDATION:
      return "a liquidation";
    case E::ADL_QUEUE:
      return "an adl_queue";
    case E::LIQUIDATION_FILL:
      return "a liquidation_fill";
    case E::FILL:
      return "a fill";
    case E::INSURANCE_FUND_DRAW:
      return "an insurance_fund_draw";
    case E::INSURANCE_FUND_CREDIT:
      return "an insurance_fund_credit";
    case E::ORDER_PLACED:
      return "an order_placed";
    case E::MARK_PRICE:
      return "a mark_price";
    default:
      return "event #" + std::to_string(static_cast<int>(which));
  }
}

Result<LogRecord> ReadAdlReduction(const ledger::EventLog& log, SequenceNumber seq) {
  const SequenceNumber head = log.head_seq();
  if (seq == 0 || seq > head) {
    return Status::InvalidArgument(
        "adl explain",
        "seq " + std::to_string(seq) + " is not in the log (head is " + std::to_string(head) + ")");
  }
  BACKSTOP_ASSIGN_OR_RETURN(LogRecord record, log.Read(seq));
  if (record.event().which() != E::ADL_REDUCTION) {
    return Status::InvalidArgument(
        "adl explain", "seq " + std::to_string(seq) + " is " + EventName(record.event().which()) +
                           ", not an adl_reduction (find them with `backstop adl list`)");
  }
  return record;
}

// Folds one record of the group into `out` if it concerns the position (market, account).
void Fold(const LogRecord& record, uint32_t market, uint64_t account, bool* have_liquidation,
          bool* have_queue, AdlExplanation* out) {
  const E::Reader event = record.event();
  switch (event.which()) {
    case E::LIQUIDATION: {
      const auto liquidation = event.getLiquidation();
      if (liquidation.getMarket() != market || liquidation.getAccount() != account) return;
      out->liquidation = LiquidationFromRecord(record);
      *have_liquidation = true;
      return;
    }
    case E::LIQUIDATION_FILL: {
      const auto fill = event.getLiquidationFill();
      if (fill.getMarket() != market || fill.getAccount() != account) return;
      out->book_quantity += fill.getQuantity();
      if (fill.getInsuranceDelta() > 0) out->fund_credited += fill.getInsuranceDelta();
      return;
    }
    case E::INSURANCE_FUND_DRAW: {
      const auto draw = event.getInsuranceFundDraw();
      if (draw.getMarket() != market || draw.getAccount() != account) return;
      out->fund_drawn += draw.getAmount();
      return;
    }
    case E::ADL_QUEUE: {
      const auto queue = event.getAdlQueue();
      if (queue.getMarket() != market || queue.getAccount() != account) return;
      out->queue = AdlQueueFromRecord(record);
      out->reductions.clear();  // A later queue of the same position starts a new ADL phase.
      *have_queue = true;
      return;
    }
    case E::ADL_REDUCTION: {
      const auto adl = event.getAdlReduction();
      if (adl.getMarket() != market || adl.getAccount() != account || !*have_queue) return;
      out->reductions.push_back(AdlReductionFromRecord(record));
      return;
    }
    default:
      return;
  }
}

}  // namespace

Result<AdlExplanation> ExplainAdl(const ledger::EventLog& log, SequenceNumber seq) {
  BACKSTOP_ASSIGN_OR_RETURN(LogRecord asked, ReadAdlReduction(log, seq));
  AdlExplanation out;
  out.reduction = AdlReductionFromRecord(asked);
  const uint32_t market = out.reduction.market;
  const uint64_t account = out.reduction.account;
  const SequenceNumber group = asked.group();
  bool have_liquidation = false;
  bool have_queue = false;
  bool passed_asked = false;
  auto it = log.NewIterator(group, 0);
  for (; it->Valid(); it->Next()) {
    BACKSTOP_ASSIGN_OR_RETURN(LogRecord record, ledger::DecodeRecord(it->value()));
    if (record.group() != group) break;
    // Stop at a later queue of the same position: its reductions belong to another phase.
    if (passed_asked && record.event().which() == E::ADL_QUEUE &&
        record.event().getAdlQueue().getMarket() == market &&
        record.event().getAdlQueue().getAccount() == account) {
      break;
    }
    // After the asked reduction only the rest of its phase's reductions matter.
    if (passed_asked && record.event().which() != E::ADL_REDUCTION) continue;
    Fold(record, market, account, &have_liquidation, &have_queue, &out);
    if (record.seq() == seq) passed_asked = true;
  }
  BACKSTOP_RETURN_IF_ERROR(it->status());
  const std::string where = "seq " + std::to_string(seq) + " (group " + std::to_string(group) + ")";
  if (!have_liquidation) {
    return Status::Corruption("adl explain", where + ": no liquidation of that position");
  }
  if (!have_queue) return Status::Corruption("adl explain", where + ": no adl_queue before it");
  BACKSTOP_ASSERT(passed_asked, seq, group);
  for (const AdlReductionRow& row : out.reductions) {
    out.quantity_total += row.quantity;
    out.deficit_total += row.deficit_covered;
  }
  for (const AdlQueueEntryRow& entry : out.queue.top) {
    if (entry.account == out.reduction.counterparty) out.counterparty_entry = entry;
  }
  return out;
}

}  // namespace query
