// ADL explain (see adl_explain.h): reads the one group that holds the reduction and picks out
// the liquidation, the queue and the reductions of the same position. Invariant: within a
// group, a position's liquidation precedes its fills and draws, which precede its adlQueue,
// which precedes its adlReductions (docs/ENGINE.md).

#include "query/adl_explain.h"

#include <string>

#include "base/assert.h"
#include "ledger/event_codec.h"

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
  if (seq == ledger::SequenceNumber{0} || seq > head) {
    return Status::InvalidArgument("adl explain", "seq " + std::to_string(seq.value()) +
                                                      " is not in the log (head is " +
                                                      std::to_string(head.value()) + ")");
  }
  BACKSTOP_ASSIGN_OR_RETURN(LogRecord record, log.Read(seq));
  if (record.event().which() != E::ADL_REDUCTION) {
    return Status::InvalidArgument(
        "adl explain", "seq " + std::to_string(seq.value()) + " is " +
                           EventName(record.event().which()) +
                           ", not an adl_reduction (find them with `backstop adl list`)");
  }
  return record;
}

// Folds one record of the group into `out` if it concerns the position (market, account).
// Corruption if an effect does not decode.
Status Fold(const LogRecord& record, uint32_t market, uint64_t account, bool* have_liquidation,
            bool* have_queue, AdlExplanation* out) {
  if (ledger::IsInput(record.event())) return Status::OK();
  BACKSTOP_ASSIGN_OR_RETURN(engine::Effect effect, ledger::DecodeEffect(record.event()));
  const RecordRef ref{record.seq(), record.time_ns(), record.group()};
  if (auto* liquidation = std::get_if<engine::Liquidation>(&effect)) {
    if (liquidation->market != engine::MarketId{market} ||
        liquidation->account != engine::AccountId{account})
      return Status::OK();
    out->liquidation = {ref, std::move(*liquidation)};
    *have_liquidation = true;
  } else if (const auto* fill = std::get_if<engine::LiquidationFill>(&effect)) {
    if (fill->market != engine::MarketId{market} ||
        fill->liquidated_account != engine::AccountId{account})
      return Status::OK();
    out->book_quantity += fill->quantity;
    if (fill->insurance_delta > 0) out->fund_credited += fill->insurance_delta;
  } else if (const auto* draw = std::get_if<engine::InsuranceFundDraw>(&effect)) {
    if (draw->market != engine::MarketId{market} ||
        draw->liquidated_account != engine::AccountId{account})
      return Status::OK();
    out->fund_drawn += draw->amount;
  } else if (auto* queue = std::get_if<engine::AdlQueue>(&effect)) {
    if (queue->market != engine::MarketId{market} ||
        queue->liquidated_account != engine::AccountId{account})
      return Status::OK();
    out->queue = {ref, std::move(*queue)};
    out->reductions.clear();  // A later queue of the same position starts a new ADL phase.
    *have_queue = true;
  } else if (auto* reduction = std::get_if<engine::AdlReduction>(&effect)) {
    if (reduction->market != engine::MarketId{market} ||
        reduction->liquidated_account != engine::AccountId{account} || !*have_queue) {
      return Status::OK();
    }
    out->reductions.push_back({ref, std::move(*reduction)});
  }
  return Status::OK();
}

}  // namespace

Result<AdlExplanation> ExplainAdl(const ledger::EventLog& log, SequenceNumber seq) {
  BACKSTOP_ASSIGN_OR_RETURN(LogRecord asked, ReadAdlReduction(log, seq));
  AdlExplanation out;
  BACKSTOP_ASSIGN_OR_RETURN(out.reduction, AdlReductionFromRecord(asked));
  const uint32_t market = out.reduction.effect.market.value();
  const uint64_t account = out.reduction.effect.liquidated_account.value();
  const SequenceNumber group = asked.group();
  bool have_liquidation = false;
  bool have_queue = false;
  bool passed_asked = false;
  auto it = log.NewIterator(group, ledger::SequenceNumber{0});
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
    BACKSTOP_RETURN_IF_ERROR(Fold(record, market, account, &have_liquidation, &have_queue, &out));
    if (record.seq() == seq) passed_asked = true;
  }
  BACKSTOP_RETURN_IF_ERROR(it->status());
  const std::string where =
      "seq " + std::to_string(seq.value()) + " (group " + std::to_string(group.value()) + ")";
  if (!have_liquidation) {
    return Status::Corruption("adl explain", where + ": no liquidation of that position");
  }
  if (!have_queue) return Status::Corruption("adl explain", where + ": no adl_queue before it");
  BACKSTOP_ASSERT(passed_asked, seq, group);
  for (const AdlReductionRow& row : out.reductions) {
    out.quantity_total += row.effect.quantity;
    out.deficit_total += row.effect.deficit_covered;
  }
  for (const engine::AdlQueueEntry& entry : out.queue.effect.top) {
    if (entry.account == out.reduction.effect.counterparty_account) {
      out.counterparty_entry = entry;
    }
  }
  return out;
}

}  // namespace query
