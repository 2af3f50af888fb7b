// Counting a simulation's log by reading its records back (see tally.h).

#include "sim/tally.h"

#include <capnp/schema.h>

#include <algorithm>
#include <map>
#include <set>

#include "ledger/event_codec.h"
#include "ledger/record.h"

namespace sim {

namespace {

using Event = ledger::schema::Event;

// "insuranceFundDraw" -> "insurance_fund_draw" (the type names of `log show --json`).
std::string SnakeCase(const std::string& name) {
  std::string out;
  for (const char c : name) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back('_');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Union member names of schema::Event by discriminant, from the compiled-in schema.
std::map<uint16_t, std::string> EventTypeNames() {
  std::map<uint16_t, std::string> names;
  const capnp::StructSchema schema = capnp::Schema::from<Event>();
  for (const capnp::StructSchema::Field field : schema.getUnionFields()) {
    names[field.getProto().getDiscriminantValue()] = SnakeCase(field.getProto().getName().cStr());
  }
  return names;
}

struct Distinct {
  std::set<uint64_t> liquidated;
  std::set<uint64_t> reduced;
};

void Count(Event::Reader event, LogTally* tally, Distinct* distinct) {
  switch (event.which()) {
    case Event::LIQUIDATION: {
      const auto liquidation = event.getLiquidation();
      ++tally->liquidations;
      distinct->liquidated.insert(liquidation.getAccount());
      const engine::Int128 notional =
          engine::Abs128(liquidation.getPosition()) * liquidation.getMarkPrice();
      tally->liquidated_notional += engine::ToInt64(notional);
      break;
    }
    case Event::LIQUIDATION_FILL:
      if (event.getLiquidationFill().getPhase() == ledger::schema::LiquidationPhase::A) {
        ++tally->liquidation_fills_a;
      } else {
        ++tally->liquidation_fills_b;
      }
      break;
    case Event::INSURANCE_FUND_DRAW: {
      const auto draw = event.getInsuranceFundDraw();
      ++tally->fund_draws;
      tally->fund_drawn += draw.getAmount();
      tally->fund_low = std::min(tally->fund_low, draw.getBalanceAfter());
      break;
    }
    case Event::INSURANCE_FUND_CREDIT: {
      const auto credit = event.getInsuranceFundCredit();
      if (credit.getReason() != ledger::schema::FundCreditReason::TOP_UP) {
        tally->fund_credited += credit.getAmount();
      }
      break;
    }
    case Event::ADL_QUEUE:
      ++tally->adl_queues;
      break;
    case Event::ADL_REDUCTION: {
      const auto reduction = event.getAdlReduction();
      ++tally->adl_reductions;
      distinct->reduced.insert(reduction.getCounterparty());
      tally->adl_quantity += reduction.getQuantity();
      tally->adl_notional +=
          reduction.getQuote() < 0 ? -reduction.getQuote() : reduction.getQuote();
      break;
    }
    case Event::SOCIALIZED_LOSS:
      tally->socialized_loss += event.getSocializedLoss().getAmount();
      break;
    case Event::ORDER_REJECTED:
    case Event::INPUT_REJECTED:
      ++tally->refusals;
      break;
    default:
      break;
  }
}

}  // namespace

base::Result<LogTally> TallyLog(const ledger::EventLog& log, engine::Money fund_start) {
  LogTally tally;
  tally.fund_low = fund_start;
  Distinct distinct;
  std::map<uint16_t, uint64_t> counts;
  const ledger::SequenceNumber head = log.head_seq();
  std::unique_ptr<ledger::RecordIterator> it = log.NewIterator(1, head);
  for (; it->Valid(); it->Next()) {
    BACKSTOP_ASSIGN_OR_RETURN(ledger::LogRecord record, ledger::DecodeRecord(it->value()));
    BACKSTOP_ASSERT(record.seq() == tally.records + 1, record.seq(), tally.records);
    ++tally.records;
    const Event::Reader event = record.event();
    ++counts[static_cast<uint16_t>(event.which())];
    if (ledger::IsInput(event)) {
      ++tally.inputs;
    } else {
      ++tally.effects;
    }
    Count(event, &tally, &distinct);
  }
  BACKSTOP_RETURN_IF_ERROR(it->status());
  if (tally.records != head) {
    return base::Status::Corruption("simulate", "read " + std::to_string(tally.records) +
                                                    " records, head is " + std::to_string(head));
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
