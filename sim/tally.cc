// Counting a simulation's log by reading its records back (see tally.h).

#include "sim/tally.h"

#include <capnp/schema.h>

#include <algorithm>
#include <map>
#include <set>

#include "ledger/event_codec.h"
#include "ledger/event_fields.h"
#include "ledger/record.h"

namespace sim {

namespace {

using Event = ledger::schema::Event;

// Union member names of schema::Event by discriminant, from the compiled-in schema.
std::map<uint16_t, std::string> EventTypeNames() {
  std::map<uint16_t, std::string> names;
  const capnp::StructSchema schema = capnp::Schema::from<Event>();
  for (const capnp::StructSchema::Field field : schema.getUnionFields()) {
    names[field.getProto().getDiscriminantValue()] =
        ledger::SnakeCase(field.getProto().getName().cStr());
  }
  return names;
}

struct Distinct {
  std::set<engine::AccountId> liquidated;
  std::set<engine::AccountId> reduced;
};

// Counts one logged effect, decoded into the engine's struct.
void Count(const engine::Effect& effect, LogTally* tally, Distinct* distinct) {
  if (const auto* liquidation = std::get_if<engine::Liquidation>(&effect)) {
    ++tally->liquidations;
    distinct->liquidated.insert(liquidation->account);
    const engine::Int128 notional =
        engine::Abs128(liquidation->position) * engine::Wide(liquidation->mark_price);
    tally->liquidated_notional += engine::Narrow<engine::Money>(notional);
  } else if (const auto* fill = std::get_if<engine::LiquidationFill>(&effect)) {
    ++(fill->phase == engine::LiquidationPhase::kA ? tally->liquidation_fills_a
                                                   : tally->liquidation_fills_b);
  } else if (const auto* draw = std::get_if<engine::InsuranceFundDraw>(&effect)) {
    ++tally->fund_draws;
    tally->fund_drawn += draw->amount;
    tally->fund_low = std::min(tally->fund_low, draw->balance_after);
  } else if (const auto* credit = std::get_if<engine::InsuranceFundCredit>(&effect)) {
    if (credit->reason != engine::CreditReason::kTopUp) tally->fund_credited += credit->amount;
  } else if (std::holds_alternative<engine::AdlQueue>(effect)) {
    ++tally->adl_queues;
  } else if (const auto* reduction = std::get_if<engine::AdlReduction>(&effect)) {
    ++tally->adl_reductions;
    distinct->reduced.insert(reduction->counterparty_account);
    tally->adl_quantity += reduction->quantity;
    tally->adl_notional += reduction->quote < 0 ? -reduction->quote : reduction->quote;
  } else if (const auto* loss = std::get_if<engine::SocializedLoss>(&effect)) {
    tally->socialized_loss += loss->amount;
  } else if (std::holds_alternative<engine::OrderRejected>(effect) ||
             std::holds_alternative<engine::InputRejected>(effect)) {
    ++tally->refusals;
  }
}

}  // namespace

base::Result<LogTally> TallyLog(const ledger::EventLog& log, engine::Money fund_start) {
  LogTally tally;
  tally.fund_low = fund_start;
  Distinct distinct;
  std::map<uint16_t, uint64_t> counts;
  const ledger::SequenceNumber head = log.head_seq();
  std::unique_ptr<ledger::RecordIterator> it = log.NewIterator(ledger::SequenceNumber{1}, head);
  for (; it->Valid(); it->Next()) {
    BACKSTOP_ASSIGN_OR_RETURN(ledger::LogRecord record, ledger::DecodeRecord(it->value()));
    BACKSTOP_ASSERT(record.seq() == ledger::SequenceNumber{tally.records} + 1, record.seq(),
                    tally.records);
    ++tally.records;
    const Event::Reader event = record.event();
    ++counts[static_cast<uint16_t>(event.which())];
    if (ledger::IsInput(event)) {
      ++tally.inputs;
      continue;
    }
    ++tally.effects;
    BACKSTOP_ASSIGN_OR_RETURN(engine::Effect effect, ledger::DecodeEffect(event));
    Count(effect, &tally, &distinct);
  }
  BACKSTOP_RETURN_IF_ERROR(it->status());
  if (ledger::SequenceNumber{tally.records} != head) {
    return base::Status::Corruption("simulate", "read " + std::to_string(tally.records) +
                                                    " records, head is " +
                                                    std::to_string(head.value()));
  }
  const std::map<uint16_t, std::string> names = EventTypeNames();
  for (const auto& [which, count] : counts) {
    const auto name = names.find(which);
    tally.events_by_type.emplace_back(
        name == names.end() ? "type" + std::to_string(which) : name->second, count);
  }
  tally.liquidated_accounts = distinct.liquidated.size();
  tally.adl_accounts = distinct.reduced.size();
  return tally;
}

}  // namespace sim
