// Rows of the query results: a record reference and the engine struct that
// ledger::DecodeEffect makes of the record's effect (see queries.h and adl_explain.h).

#include "ledger/event_codec.h"
#include "ledger/event_fields.h"
#include "query/adl_explain.h"
#include "query/queries.h"

namespace query {
namespace {

using base::Result;
using base::Status;
using E = ledger::schema::Event;

RecordRef RefOf(const ledger::LogRecord& record) {
  return {record.seq(), record.time_ns(), record.group()};
}

// The record's effect as a T; `what` names T in the error.
template <typename T>
Result<T> EffectOf(const ledger::LogRecord& record, const char* what) {
  BACKSTOP_ASSIGN_OR_RETURN(engine::Effect effect, ledger::DecodeEffect(record.event()));
  if (!std::holds_alternative<T>(effect)) {
    return Status::InvalidArgument(
        "query", "seq " + std::to_string(record.seq().value()) + " is not " + what);
  }
  return std::get<T>(std::move(effect));
}

}  // namespace

Result<AdlReductionRow> AdlReductionFromRecord(const ledger::LogRecord& record) {
  BACKSTOP_ASSIGN_OR_RETURN(auto effect,
                            EffectOf<engine::AdlReduction>(record, "an adl_reduction"));
  return AdlReductionRow{RefOf(record), std::move(effect)};
}

Result<LiquidationRow> LiquidationFromRecord(const ledger::LogRecord& record) {
  BACKSTOP_ASSIGN_OR_RETURN(auto effect, EffectOf<engine::Liquidation>(record, "a liquidation"));
  return LiquidationRow{RefOf(record), std::move(effect)};
}

Result<FundMovementRow> FundMovementFromRecord(const ledger::LogRecord& record) {
  BACKSTOP_ASSIGN_OR_RETURN(engine::Effect effect, ledger::DecodeEffect(record.event()));
  if (const auto* credit = std::get_if<engine::InsuranceFundCredit>(&effect)) {
    return FundMovementRow{RefOf(record), *credit};
  }
  if (const auto* draw = std::get_if<engine::InsuranceFundDraw>(&effect)) {
    return FundMovementRow{RefOf(record), *draw};
  }
  return Status::InvalidArgument("query", "seq " + std::to_string(record.seq().value()) +
                                              " is not an insurance-fund movement");
}

Result<AdlQueueRow> AdlQueueFromRecord(const ledger::LogRecord& record) {
  BACKSTOP_ASSIGN_OR_RETURN(auto effect, EffectOf<engine::AdlQueue>(record, "an adl_queue"));
  return AdlQueueRow{RefOf(record), std::move(effect)};
}

engine::AssetId FundMovementRow::asset() const {
  return std::visit([](const auto& e) { return e.asset; }, effect);
}

engine::Money FundMovementRow::amount() const {
  return std::visit([](const auto& e) { return e.amount; }, effect);
}

engine::Money FundMovementRow::balance_after() const {
  return std::visit([](const auto& e) { return e.balance_after; }, effect);
}

engine::MarketId FundMovementRow::market() const {
  const auto* draw = std::get_if<engine::InsuranceFundDraw>(&effect);
  return draw == nullptr ? engine::MarketId{0} : draw->market;
}

engine::AccountId FundMovementRow::account() const {
  const auto* draw = std::get_if<engine::InsuranceFundDraw>(&effect);
  return draw == nullptr ? engine::AccountId{0} : draw->liquidated_account;
}

std::string FundMovementRow::reason() const {
  const auto* credit = std::get_if<engine::InsuranceFundCredit>(&effect);
  return credit == nullptr ? "liquidation_shortfall" : ledger::EnumName(credit->reason);
}

std::optional<engine::MarketId> MarketOfEvent(E::Reader event) {
  switch (event.which()) {
    case E::MARKET_LISTED:
      return engine::MarketId{event.getMarketListed().getMarketId()};
    case E::MARKET_CHANGED:
      return engine::MarketId{event.getMarketChanged().getMarketId()};
    case E::ORDER_PLACED:
      return engine::MarketId{event.getOrderPlaced().getMarket()};
    case E::MARK_PRICE:
      return engine::MarketId{event.getMarkPrice().getMarket()};
    case E::FUNDING_TICK:
      return engine::MarketId{event.getFundingTick().getMarket()};
    case E::ORDER_ACCEPTED:
      return engine::MarketId{event.getOrderAccepted().getMarket()};
    case E::ORDER_CANCELLED:
      return engine::MarketId{event.getOrderCancelled().getMarket()};
    case E::FILL:
      return engine::MarketId{event.getFill().getMarket()};
    case E::FUNDING_PAYMENT:
      return engine::MarketId{event.getFundingPayment().getMarket()};
    case E::LIQUIDATION:
      return engine::MarketId{event.getLiquidation().getMarket()};
    case E::LIQUIDATION_FILL:
      return engine::MarketId{event.getLiquidationFill().getMarket()};
    case E::INSURANCE_FUND_DRAW:
      return engine::MarketId{event.getInsuranceFundDraw().getMarket()};
    case E::ADL_QUEUE:
      return engine::MarketId{event.getAdlQueue().getMarket()};
    case E::ADL_REDUCTION:
      return engine::MarketId{event.getAdlReduction().getMarket()};
    case E::SOCIALIZED_LOSS:
      return engine::MarketId{event.getSocializedLoss().getMarket()};
    default:
      return std::nullopt;
  }
}

}  // namespace query
