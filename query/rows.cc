// Rows of the query results, copied field for field from logged events (see queries.h and
// adl_explain.h).

#include "base/assert.h"
#include "query/adl_explain.h"
#include "query/queries.h"

namespace query {
namespace {

using E = ledger::schema::Event;

RecordRef RefOf(const ledger::LogRecord& record) {
  return {record.seq(), record.time_ns(), record.group()};
}

const char* CreditReasonName(ledger::schema::FundCreditReason reason) {
  switch (reason) {
    case ledger::schema::FundCreditReason::LIQUIDATION_SURPLUS:
      return "liquidation_surplus";
    case ledger::schema::FundCreditReason::FUNDING_RESIDUE:
      return "funding_residue";
    case ledger::schema::FundCreditReason::ADL_RESIDUE:
      return "adl_residue";
    case ledger::schema::FundCreditReason::TOP_UP:
      return "top_up";
  }
  return "unknown";
}

}  // namespace

AdlReductionRow AdlReductionFromRecord(const ledger::LogRecord& record) {
  const E::Reader event = record.event();
  BACKSTOP_ASSERT(event.which() == E::ADL_REDUCTION, record.seq());
  const auto adl = event.getAdlReduction();
  AdlReductionRow row;
  row.ref = RefOf(record);
  row.market = adl.getMarket();
  row.account = adl.getAccount();
  row.counterparty = adl.getCounterparty();
  row.quantity = adl.getQuantity();
  row.price = adl.getPrice();
  row.quote = adl.getQuote();
  row.score = adl.getScore();
  row.queue_position = adl.getQueuePosition();
  row.queue_length = adl.getQueueLength();
  row.remaining_before = adl.getRemainingBefore();
  row.deficit_covered = adl.getDeficitCovered();
  row.fund_balance_after = adl.getFundBalanceAfter();
  row.gain_vs_mark = adl.getGainVsMark();
  return row;
}

LiquidationRow LiquidationFromRecord(const ledger::LogRecord& record) {
  const E::Reader event = record.event();
  BACKSTOP_ASSERT(event.which() == E::LIQUIDATION, record.seq());
  const auto liquidation = event.getLiquidation();
  LiquidationRow row;
  row.ref = RefOf(record);
  row.account = liquidation.getAccount();
  row.market = liquidation.getMarket();
  row.position = liquidation.getPosition();
  row.cost_basis = liquidation.getCostBasis();
  row.mark_price = liquidation.getMarkPrice();
  row.account_equity = liquidation.getAccountEquity();
  row.account_maintenance = liquidation.getAccountMaintenance();
  row.position_maintenance = liquidation.getPositionMaintenance();
  row.equity_share = liquidation.getEquityShare();
  row.bankruptcy_quote = liquidation.getBankruptcyQuote();
  row.bankruptcy_price = liquidation.getBankruptcyPrice();
  return row;
}

FundMovementRow FundMovementFromRecord(const ledger::LogRecord& record) {
  const E::Reader event = record.event();
  FundMovementRow row;
  row.ref = RefOf(record);
  if (event.which() == E::INSURANCE_FUND_CREDIT) {
    const auto credit = event.getInsuranceFundCredit();
    row.asset = credit.getAsset();
    row.amount = credit.getAmount();
    row.reason = CreditReasonName(credit.getReason());
    row.balance_after = credit.getBalanceAfter();
    return row;
  }
  BACKSTOP_ASSERT(event.which() == E::INSURANCE_FUND_DRAW, record.seq());
  const auto draw = event.getInsuranceFundDraw();
  row.asset = draw.getAsset();
  row.draw = true;
  row.amount = draw.getAmount();
  row.reason = "liquidation_shortfall";
  row.market = draw.getMarket();
  row.account = draw.getAccount();
  row.balance_after = draw.getBalanceAfter();
  return row;
}

AdlQueueRow AdlQueueFromRecord(const ledger::LogRecord& record) {
  const E::Reader event = record.event();
  BACKSTOP_ASSERT(event.which() == E::ADL_QUEUE, record.seq());
  const auto queue = event.getAdlQueue();
  AdlQueueRow row;
  row.ref = RefOf(record);
  row.market = queue.getMarket();
  row.account = queue.getAccount();
  row.counterparty_side = queue.getCounterpartySide();
  row.policy = queue.getPolicy();
  row.queue_length = queue.getQueueLength();
  for (const auto entry : queue.getTop()) {
    row.top.push_back(
        {entry.getAccount(), entry.getScore(), entry.getPosition(), entry.getQueuePosition()});
  }
  row.quantity_to_cover = queue.getQuantityToCover();
  row.fund_balance = queue.getFundBalance();
  return row;
}

std::optional<uint32_t> MarketOfEvent(E::Reader event) {
  switch (event.which()) {
    case E::MARKET_LISTED:
      return event.getMarketListed().getMarketId();
    case E::MARKET_CHANGED:
      return event.getMarketChanged().getMarketId();
    case E::ORDER_PLACED:
      return event.getOrderPlaced().getMarket();
    case E::MARK_PRICE:
      return event.getMarkPrice().getMarket();
    case E::FUNDING_TICK:
      return event.getFundingTick().getMarket();
    case E::ORDER_ACCEPTED:
      return event.getOrderAccepted().getMarket();
    case E::ORDER_CANCELLED:
      return event.getOrderCancelled().getMarket();
    case E::FILL:
      return event.getFill().getMarket();
    case E::FUNDING_PAYMENT:
      return event.getFundingPayment().getMarket();
    case E::LIQUIDATION:
      return event.getLiquidation().getMarket();
    case E::LIQUIDATION_FILL:
      return event.getLiquidationFill().getMarket();
    case E::INSURANCE_FUND_DRAW:
      return event.getInsuranceFundDraw().getMarket();
    case E::ADL_QUEUE:
      return event.getAdlQueue().getMarket();
    case E::ADL_REDUCTION:
      return event.getAdlReduction().getMarket();
    case E::SOCIALIZED_LOSS:
      return event.getSocializedLoss().getMarket();
    default:
      return std::nullopt;
  }
}

}  // namespace query
