// Cap'n Proto schema -> engine events (see event_codec.h): every field checked to fit the
// engine's, a capnp exception or a value that does not fit is Corruption, never a cast.

#include <kj/exception.h>

#include <limits>
#include <optional>
#include <type_traits>

#include "base/assert.h"
#include "ledger/event_codec.h"
#include "ledger/internal/event_codec_helpers.h"

namespace ledger {

using base::Result;
using base::Status;
using internal::String;

namespace {

// Decodes schema enums and UInt16 codes into engine enums, checking that each raw value fits
// the engine enum's width (values inside it pass through, valid or not). Keeps the first
// failure; the decoded value of a failed field is unspecified.
class Narrowing {
 public:
  template <typename To, typename From>
  To Enum(From value, const char* field) {
    uint64_t raw = 0;
    if constexpr (std::is_enum_v<From>) {
      raw = static_cast<std::underlying_type_t<From>>(value);
    } else {
      raw = value;
    }
    using Width = std::underlying_type_t<To>;
    if (raw > std::numeric_limits<Width>::max() && status_.ok()) {
      status_ = Status::Corruption("event_codec", std::string(field) + " " + std::to_string(raw) +
                                                      " does not fit the engine's field");
    }
    return static_cast<To>(static_cast<Width>(raw));
  }
  // A field whose shape the engine's cannot hold ("ranking_sha256 of 31 bytes").
  void Fail(const std::string& what) {
    if (status_.ok()) status_ = Status::Corruption("event_codec", what);
  }
  const Status& status() const { return status_; }

 private:
  Status status_;
};

engine::MarketSpec DecodeSpec(schema::MarketSpec::Reader in, Narrowing* narrowing) {
  engine::MarketSpec spec;
  spec.market_id = engine::MarketId{in.getMarketId()};
  spec.symbol = in.getSymbol().cStr();
  spec.quote_asset = engine::AssetId{in.getQuoteAsset()};
  spec.tick_size = engine::Price{in.getTickSize()};
  spec.lot_decimals = in.getLotDecimals();
  spec.quote_decimals = in.getQuoteDecimals();
  spec.maker_fee_e8 = in.getMakerFeeE8();
  spec.taker_fee_e8 = in.getTakerFeeE8();
  for (auto tier : in.getTiers()) {
    spec.tiers.push_back(
        {engine::Money{tier.getNotionalFloor()}, tier.getMmrE8(), tier.getMaxLeverage()});
  }
  spec.funding_interval_ns = in.getFundingIntervalNs();
  spec.adl_policy = narrowing->Enum<engine::AdlPolicy>(in.getAdlPolicy(), "adl_policy");
  spec.max_slippage_e8 = in.getMaxSlippageE8();
  return spec;
}

engine::PlaceOrder DecodeOrder(schema::OrderPlaced::Reader in, Narrowing* narrowing) {
  engine::PlaceOrder order;
  order.account = engine::AccountId{in.getAccount()};
  order.market = engine::MarketId{in.getMarket()};
  order.order_id = engine::OrderId{in.getOrderId()};
  order.side = narrowing->Enum<engine::Side>(in.getSide(), "side");
  order.type = narrowing->Enum<engine::OrderType>(in.getType(), "type");
  order.tif = narrowing->Enum<engine::TimeInForce>(in.getTimeInForce(), "time_in_force");
  order.reduce_only = in.getReduceOnly();
  order.price = engine::Price{in.getPrice()};
  order.quantity = engine::Quantity{in.getQuantity()};
  return order;
}

Result<engine::Input> DecodeInputUnchecked(schema::Event::Reader event, Narrowing* narrowing) {
  using E = schema::Event;
  switch (event.which()) {
    case E::MARKET_LISTED:
      return engine::Input(engine::ListMarket{DecodeSpec(event.getMarketListed(), narrowing)});
    case E::MARKET_CHANGED:
      return engine::Input(engine::ChangeMarket{DecodeSpec(event.getMarketChanged(), narrowing)});
    case E::ACCOUNT_OPENED:
      return engine::Input(
          engine::OpenAccount{engine::AccountId{event.getAccountOpened().getAccount()}});
    case E::DEPOSIT: {
      auto in = event.getDeposit();
      return engine::Input(engine::Deposit{engine::AccountId{in.getAccount()},
                                           engine::AssetId{in.getAsset()},
                                           engine::Money{in.getAmount()}});
    }
    case E::WITHDRAWAL: {
      auto in = event.getWithdrawal();
      return engine::Input(engine::Withdraw{engine::AccountId{in.getAccount()},
                                            engine::AssetId{in.getAsset()},
                                            engine::Money{in.getAmount()}});
    }
    case E::ORDER_PLACED:
      return engine::Input(DecodeOrder(event.getOrderPlaced(), narrowing));
    case E::ORDER_CANCEL_REQUESTED: {
      auto in = event.getOrderCancelRequested();
      return engine::Input(engine::CancelOrder{engine::AccountId{in.getAccount()},
                                               engine::OrderId{in.getOrderId()}});
    }
    case E::MARK_PRICE: {
      auto in = event.getMarkPrice();
      return engine::Input(engine::SetMark{engine::MarketId{in.getMarket()},
                                           engine::Price{in.getMarkPrice()},
                                           engine::Price{in.getIndexPrice()}});
    }
    case E::FUNDING_TICK: {
      auto in = event.getFundingTick();
      return engine::Input(engine::FundingTick{engine::MarketId{in.getMarket()}, in.getRateE8()});
    }
    case E::INSURANCE_TOP_UP: {
      auto in = event.getInsuranceTopUp();
      return engine::Input(
          engine::TopUpInsurance{engine::AssetId{in.getAsset()}, engine::Money{in.getAmount()}});
    }
    case E::KEY_ROTATION: {
      auto in = event.getKeyRotation();
      return engine::Input(
          engine::RotateKey{String(in.getNewKeyId()), String(in.getNewPublicKey())});
    }
    default:
      return Status::InvalidArgument("event_codec", "not an input event");
  }
}

engine::OrderAccepted DecodeAccepted(schema::OrderAccepted::Reader in, Narrowing* narrowing) {
  engine::OrderAccepted e;
  e.account = engine::AccountId{in.getAccount()};
  e.order_id = engine::OrderId{in.getOrderId()};
  e.market = engine::MarketId{in.getMarket()};
  e.side = narrowing->Enum<engine::Side>(in.getSide(), "side");
  e.type = narrowing->Enum<engine::OrderType>(in.getType(), "type");
  e.tif = narrowing->Enum<engine::TimeInForce>(in.getTimeInForce(), "time_in_force");
  e.reduce_only = in.getReduceOnly();
  e.price = engine::Price{in.getPrice()};
  e.quantity = engine::Quantity{in.getQuantity()};
  e.resting_quantity = engine::Quantity{in.getRestingQuantity()};
  return e;
}

engine::OrderCancelled DecodeCancelled(schema::OrderCancelled::Reader in, Narrowing* narrowing) {
  engine::OrderCancelled e;
  e.account = engine::AccountId{in.getAccount()};
  e.order_id = engine::OrderId{in.getOrderId()};
  e.market = engine::MarketId{in.getMarket()};
  e.remaining_quantity = engine::Quantity{in.getRemaining()};
  e.reason = narrowing->Enum<engine::CancelReason>(in.getReason(), "reason");
  return e;
}

engine::Fill DecodeFill(schema::Fill::Reader in, Narrowing* narrowing) {
  engine::Fill e;
  e.market = engine::MarketId{in.getMarket()};
  e.maker_account = engine::AccountId{in.getMakerAccount()};
  e.maker_order_id = engine::OrderId{in.getMakerOrderId()};
  e.taker_account = engine::AccountId{in.getTakerAccount()};
  e.taker_order_id = engine::OrderId{in.getTakerOrderId()};
  e.taker_side = narrowing->Enum<engine::Side>(in.getTakerSide(), "taker_side");
  e.price = engine::Price{in.getPrice()};
  e.quantity = engine::Quantity{in.getQuantity()};
  e.maker_fee = engine::Money{in.getMakerFee()};
  e.taker_fee = engine::Money{in.getTakerFee()};
  e.liquidation = in.getLiquidation();
  return e;
}

engine::FundingPayment DecodeFundingPayment(schema::FundingPayment::Reader in) {
  engine::FundingPayment e;
  e.account = engine::AccountId{in.getAccount()};
  e.market = engine::MarketId{in.getMarket()};
  e.position = engine::Quantity{in.getPosition()};
  e.mark_price = engine::Price{in.getMarkPrice()};
  e.rate_e8 = in.getRateE8();
  e.amount = engine::Money{in.getAmount()};
  return e;
}

engine::Liquidation DecodeLiquidation(schema::Liquidation::Reader in) {
  engine::Liquidation e;
  e.account = engine::AccountId{in.getAccount()};
  e.market = engine::MarketId{in.getMarket()};
  e.position = engine::Quantity{in.getPosition()};
  e.cost = engine::Money{in.getCostBasis()};
  e.mark_price = engine::Price{in.getMarkPrice()};
  e.equity = engine::Money{in.getAccountEquity()};
  e.maintenance_margin = engine::Money{in.getAccountMaintenance()};
  e.position_maintenance = engine::Money{in.getPositionMaintenance()};
  e.equity_share = engine::Money{in.getEquityShare()};
  e.bankruptcy_quote = engine::Money{in.getBankruptcyQuote()};
  e.bankruptcy_price = engine::Price{in.getBankruptcyPrice()};
  return e;
}

engine::LiquidationFill DecodeLiquidationFill(schema::LiquidationFill::Reader in,
                                              Narrowing* narrowing) {
  engine::LiquidationFill e;
  e.market = engine::MarketId{in.getMarket()};
  e.liquidated_account = engine::AccountId{in.getAccount()};
  e.maker_account = engine::AccountId{in.getMakerAccount()};
  e.maker_order_id = engine::OrderId{in.getMakerOrderId()};
  e.price = engine::Price{in.getPrice()};
  e.quantity = engine::Quantity{in.getQuantity()};
  e.phase = narrowing->Enum<engine::LiquidationPhase>(in.getPhase(), "phase");
  e.insurance_delta = engine::Money{in.getInsuranceDelta()};
  return e;
}

engine::InsuranceFundCredit DecodeFundCredit(schema::InsuranceFundCredit::Reader in,
                                             Narrowing* narrowing) {
  engine::InsuranceFundCredit e;
  e.asset = engine::AssetId{in.getAsset()};
  e.amount = engine::Money{in.getAmount()};
  e.reason = narrowing->Enum<engine::CreditReason>(in.getReason(), "reason");
  e.balance_after = engine::Money{in.getBalanceAfter()};
  return e;
}

engine::InsuranceFundDraw DecodeFundDraw(schema::InsuranceFundDraw::Reader in) {
  engine::InsuranceFundDraw e;
  e.asset = engine::AssetId{in.getAsset()};
  e.amount = engine::Money{in.getAmount()};
  e.market = engine::MarketId{in.getMarket()};
  e.liquidated_account = engine::AccountId{in.getAccount()};
  e.balance_after = engine::Money{in.getBalanceAfter()};
  return e;
}

engine::AdlQueue DecodeAdlQueue(schema::AdlQueue::Reader in, Narrowing* narrowing) {
  engine::AdlQueue e;
  e.market = engine::MarketId{in.getMarket()};
  e.liquidated_account = engine::AccountId{in.getAccount()};
  e.counterparty_side =
      narrowing->Enum<engine::Side>(in.getCounterpartySide(), "counterparty_side");
  e.policy = narrowing->Enum<engine::AdlPolicy>(in.getPolicy(), "policy");
  e.queue_length = in.getQueueLength();
  for (const auto entry : in.getTop()) {
    e.top.push_back({engine::AccountId{entry.getAccount()}, entry.getScore(),
                     engine::Quantity{entry.getPosition()}, entry.getQueuePosition()});
  }
  e.quantity_to_cover = engine::Quantity{in.getQuantityToCover()};
  e.fund_balance = engine::Money{in.getFundBalance()};
  if (in.hasRankingSha256()) {  // Format 3 on.
    const capnp::Data::Reader sha = in.getRankingSha256();
    if (sha.size() == e.ranking_sha256.size()) {
      std::copy(sha.begin(), sha.end(), e.ranking_sha256.begin());
    } else {
      narrowing->Fail("ranking_sha256 of " + std::to_string(sha.size()) + " bytes");
    }
  }
  return e;
}

engine::AdlReduction DecodeAdlReduction(schema::AdlReduction::Reader in) {
  engine::AdlReduction e;
  e.market = engine::MarketId{in.getMarket()};
  e.liquidated_account = engine::AccountId{in.getAccount()};
  e.counterparty_account = engine::AccountId{in.getCounterparty()};
  e.quantity = engine::Quantity{in.getQuantity()};
  e.price = engine::Price{in.getPrice()};
  e.quote = engine::Money{in.getQuote()};
  e.score = in.getScore();
  e.queue_position = in.getQueuePosition();
  e.queue_length = in.getQueueLength();
  e.remaining_before = engine::Quantity{in.getRemainingBefore()};
  e.deficit_covered = engine::Money{in.getDeficitCovered()};
  e.fund_balance_after = engine::Money{in.getFundBalanceAfter()};
  e.gain_vs_mark = engine::Money{in.getGainVsMark()};
  if (in.hasScoreInputs()) {  // Format 3 on.
    const auto inputs = in.getScoreInputs();
    e.score_inputs = {
        engine::Quantity{inputs.getPosition()}, engine::Money{inputs.getCost()},
        engine::Price{inputs.getMark()},        engine::Money{inputs.getEquity()},
        engine::Money{inputs.getWallet()},      engine::Money{inputs.getMaintenance()}};
  }
  return e;
}

Result<engine::Effect> DecodeEffectUnchecked(schema::Event::Reader event, Narrowing* narrowing) {
  using E = schema::Event;
  switch (event.which()) {
    case E::ORDER_ACCEPTED:
      return engine::Effect(DecodeAccepted(event.getOrderAccepted(), narrowing));
    case E::ORDER_REJECTED: {
      auto in = event.getOrderRejected();
      return engine::Effect(engine::OrderRejected{
          engine::AccountId{in.getAccount()}, engine::OrderId{in.getOrderId()},
          narrowing->Enum<engine::Rejection>(in.getReason(), "reason")});
    }
    case E::INPUT_REJECTED:
      return engine::Effect(engine::InputRejected{
          narrowing->Enum<engine::Rejection>(event.getInputRejected().getReason(), "reason")});
    case E::ORDER_CANCELLED:
      return engine::Effect(DecodeCancelled(event.getOrderCancelled(), narrowing));
    case E::FILL:
      return engine::Effect(DecodeFill(event.getFill(), narrowing));
    case E::FUNDING_PAYMENT:
      return engine::Effect(DecodeFundingPayment(event.getFundingPayment()));
    case E::LIQUIDATION:
      return engine::Effect(DecodeLiquidation(event.getLiquidation()));
    case E::LIQUIDATION_FILL:
      return engine::Effect(DecodeLiquidationFill(event.getLiquidationFill(), narrowing));
    case E::INSURANCE_FUND_CREDIT:
      return engine::Effect(DecodeFundCredit(event.getInsuranceFundCredit(), narrowing));
    case E::INSURANCE_FUND_DRAW:
      return engine::Effect(DecodeFundDraw(event.getInsuranceFundDraw()));
    case E::ADL_QUEUE:
      return engine::Effect(DecodeAdlQueue(event.getAdlQueue(), narrowing));
    case E::ADL_REDUCTION:
      return engine::Effect(DecodeAdlReduction(event.getAdlReduction()));
    case E::SOCIALIZED_LOSS: {
      auto in = event.getSocializedLoss();
      return engine::Effect(
          engine::SocializedLoss{engine::MarketId{in.getMarket()}, engine::Money{in.getAmount()}});
    }
    default:
      return Status::InvalidArgument("event_codec", "not an effect event");
  }
}

// Runs `decode(event, &narrowing)`, turning a capnp exception into Corruption and a failed
// narrowing into its Status.
template <typename T, typename F>
Result<T> DecodeChecked(schema::Event::Reader event, F decode) {
  std::optional<Result<T>> result;
  Narrowing narrowing;
  KJ_IF_MAYBE (exception, kj::runCatchingExceptions([&] { result = decode(event, &narrowing); })) {
    return Status::Corruption("event_codec", exception->getDescription().cStr());
  }
  if (!result->ok()) return std::move(*result);
  if (!narrowing.status().ok()) return narrowing.status();
  return std::move(*result);
}

}  // namespace

Result<engine::Input> DecodeInput(schema::Event::Reader event) {
  return DecodeChecked<engine::Input>(event, DecodeInputUnchecked);
}

Result<engine::Effect> DecodeEffect(schema::Event::Reader event) {
  return DecodeChecked<engine::Effect>(event, DecodeEffectUnchecked);
}

Result<std::optional<CommandOrigin>> DecodeOrigin(schema::Event::Reader event) {
  std::optional<CommandOrigin> origin;
  KJ_IF_MAYBE (exception, kj::runCatchingExceptions([&] {
                 if (!event.hasOrigin()) return;
                 auto in = event.getOrigin();
                 origin = CommandOrigin{in.getPrincipal().cStr(), in.getClientId().cStr(),
                                        in.getClientSeq()};
               })) {
    return Status::Corruption("event_codec", exception->getDescription().cStr());
  }
  return origin;
}

}  // namespace ledger
