// Engine events <-> Cap'n Proto schema (see event_codec.h). Field by field, in schema order.

#include "ledger/event_codec.h"

#include <kj/exception.h>

#include <type_traits>

namespace ledger {

using base::Result;
using base::Status;
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Engine enums and schema enums share numbering (engine/events.h mirrors the schema).
template <typename To, typename From>
To CastEnum(From value) {
  return static_cast<To>(static_cast<std::underlying_type_t<To>>(value));
}

capnp::Data::Reader Bytes(const std::string& text) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(text.data()), text.size());
}

std::string String(capnp::Data::Reader data) {
  return std::string(reinterpret_cast<const char*>(data.begin()), data.size());
}

void EncodeSpec(const engine::MarketSpec& spec, schema::MarketSpec::Builder out) {
  out.setMarketId(spec.market_id);
  out.setSymbol(spec.symbol);
  out.setQuoteAsset(spec.quote_asset);
  out.setTickSize(spec.tick_size);
  out.setLotDecimals(static_cast<uint8_t>(spec.lot_decimals));
  out.setQuoteDecimals(static_cast<uint8_t>(spec.quote_decimals));
  out.setMakerFeeE8(spec.maker_fee_e8);
  out.setTakerFeeE8(spec.taker_fee_e8);
  auto tiers = out.initTiers(static_cast<unsigned>(spec.tiers.size()));
  for (unsigned i = 0; i < spec.tiers.size(); ++i) {
    tiers[i].setNotionalFloor(spec.tiers[i].notional_floor);
    tiers[i].setMmrE8(spec.tiers[i].mmr_e8);
    tiers[i].setMaxLeverage(spec.tiers[i].max_leverage);
  }
  out.setFundingIntervalNs(spec.funding_interval_ns);
  out.setAdlPolicy(CastEnum<schema::AdlPolicy>(spec.adl_policy));
  out.setMaxSlippageE8(spec.max_slippage_e8);
}

engine::MarketSpec DecodeSpec(schema::MarketSpec::Reader in) {
  engine::MarketSpec spec;
  spec.market_id = in.getMarketId();
  spec.symbol = in.getSymbol().cStr();
  spec.quote_asset = in.getQuoteAsset();
  spec.tick_size = in.getTickSize();
  spec.lot_decimals = in.getLotDecimals();
  spec.quote_decimals = in.getQuoteDecimals();
  spec.maker_fee_e8 = in.getMakerFeeE8();
  spec.taker_fee_e8 = in.getTakerFeeE8();
  for (auto tier : in.getTiers()) {
    spec.tiers.push_back({tier.getNotionalFloor(), tier.getMmrE8(), tier.getMaxLeverage()});
  }
  spec.funding_interval_ns = in.getFundingIntervalNs();
  spec.adl_policy = CastEnum<engine::AdlPolicy>(in.getAdlPolicy());
  spec.max_slippage_e8 = in.getMaxSlippageE8();
  return spec;
}

void EncodeOrder(const engine::PlaceOrder& order, schema::OrderPlaced::Builder out) {
  out.setAccount(order.account);
  out.setMarket(order.market);
  out.setOrderId(order.order_id);
  out.setSide(CastEnum<schema::Side>(order.side));
  out.setType(CastEnum<schema::OrderType>(order.type));
  out.setTimeInForce(CastEnum<schema::TimeInForce>(order.tif));
  out.setReduceOnly(order.reduce_only);
  out.setPrice(order.price);
  out.setQuantity(order.quantity);
}

engine::PlaceOrder DecodeOrder(schema::OrderPlaced::Reader in) {
  engine::PlaceOrder order;
  order.account = in.getAccount();
  order.market = in.getMarket();
  order.order_id = in.getOrderId();
  order.side = CastEnum<engine::Side>(in.getSide());
  order.type = CastEnum<engine::OrderType>(in.getType());
  order.tif = CastEnum<engine::TimeInForce>(in.getTimeInForce());
  order.reduce_only = in.getReduceOnly();
  order.price = in.getPrice();
  order.quantity = in.getQuantity();
  return order;
}

void EncodeAccepted(const engine::OrderAccepted& e, schema::OrderAccepted::Builder out) {
  out.setAccount(e.account);
  out.setOrderId(e.order_id);
  out.setMarket(e.market);
  out.setSide(CastEnum<schema::Side>(e.side));
  out.setType(CastEnum<schema::OrderType>(e.type));
  out.setTimeInForce(CastEnum<schema::TimeInForce>(e.tif));
  out.setReduceOnly(e.reduce_only);
  out.setPrice(e.price);
  out.setQuantity(e.quantity);
  out.setRestingQuantity(e.resting_quantity);
}

void EncodeFill(const engine::Fill& e, schema::Fill::Builder out) {
  out.setMarket(e.market);
  out.setMakerAccount(e.maker_account);
  out.setMakerOrderId(e.maker_order_id);
  out.setTakerAccount(e.taker_account);
  out.setTakerOrderId(e.taker_order_id);
  out.setTakerSide(CastEnum<schema::Side>(e.taker_side));
  out.setPrice(e.price);
  out.setQuantity(e.quantity);
  out.setMakerFee(e.maker_fee);
  out.setTakerFee(e.taker_fee);
  out.setLiquidation(e.liquidation);
}

void EncodeLiquidation(const engine::Liquidation& e, schema::Liquidation::Builder out) {
  out.setAccount(e.account);
  out.setMarket(e.market);
  out.setPosition(e.position);
  out.setCostBasis(e.cost);
  out.setMarkPrice(e.mark_price);
  out.setAccountEquity(e.equity);
  out.setAccountMaintenance(e.maintenance_margin);
  out.setPositionMaintenance(e.position_maintenance);
  out.setEquityShare(e.equity_share);
  out.setBankruptcyQuote(e.bankruptcy_quote);
  out.setBankruptcyPrice(e.bankruptcy_price);
}

void EncodeAdlQueue(const engine::AdlQueue& e, uint32_t format_version,
                    schema::AdlQueue::Builder out) {
  out.setMarket(e.market);
  out.setAccount(e.liquidated_account);
  out.setCounterpartySide(CastEnum<schema::Side>(e.counterparty_side));
  out.setPolicy(CastEnum<schema::AdlPolicy>(e.policy));
  out.setQueueLength(static_cast<uint32_t>(e.queue_length));
  auto top = out.initTop(static_cast<unsigned>(e.top.size()));
  for (unsigned i = 0; i < e.top.size(); ++i) {
    top[i].setAccount(e.top[i].account);
    top[i].setScore(e.top[i].score);
    top[i].setPosition(e.top[i].position);
    top[i].setQueuePosition(static_cast<uint32_t>(e.top[i].queue_position));
  }
  out.setQuantityToCover(e.quantity_to_cover);
  out.setFundBalance(e.fund_balance);
  if (format_version >= kFormatAdlCommitment) {
    out.setRankingSha256(capnp::Data::Reader(e.ranking_sha256.data(), e.ranking_sha256.size()));
  }
}

void EncodeAdlReduction(const engine::AdlReduction& e, uint32_t format_version,
                        schema::AdlReduction::Builder out) {
  out.setMarket(e.market);
  out.setAccount(e.liquidated_account);
  out.setCounterparty(e.counterparty_account);
  out.setQuantity(e.quantity);
  out.setPrice(e.price);
  out.setQuote(e.quote);
  out.setScore(e.score);
  out.setQueuePosition(static_cast<uint32_t>(e.queue_position));
  out.setQueueLength(static_cast<uint32_t>(e.queue_length));
  out.setRemainingBefore(e.remaining_before);
  out.setDeficitCovered(e.deficit_covered);
  out.setFundBalanceAfter(e.fund_balance_after);
  out.setGainVsMark(e.gain_vs_mark);
  if (format_version >= kFormatAdlCommitment) {
    auto inputs = out.initScoreInputs();
    inputs.setPosition(e.score_inputs.position);
    inputs.setCost(e.score_inputs.cost);
    inputs.setMark(e.score_inputs.mark);
    inputs.setEquity(e.score_inputs.equity);
    inputs.setWallet(e.score_inputs.wallet);
    inputs.setMaintenance(e.score_inputs.maintenance);
  }
}

}  // namespace

void EncodeInput(const engine::Input& input, schema::Event::Builder event) {
  std::visit(
      Overloaded{
          [&](const engine::ListMarket& e) { EncodeSpec(e.spec, event.initMarketListed()); },
          [&](const engine::ChangeMarket& e) { EncodeSpec(e.spec, event.initMarketChanged()); },
          [&](const engine::OpenAccount& e) { event.initAccountOpened().setAccount(e.account); },
          [&](const engine::Deposit& e) {
            auto out = event.initDeposit();
            out.setAccount(e.account);
            out.setAsset(e.asset);
            out.setAmount(e.amount);
          },
          [&](const engine::Withdraw& e) {
            auto out = event.initWithdrawal();
            out.setAccount(e.account);
            out.setAsset(e.asset);
            out.setAmount(e.amount);
          },
          [&](const engine::PlaceOrder& e) { EncodeOrder(e, event.initOrderPlaced()); },
          [&](const engine::CancelOrder& e) {
            auto out = event.initOrderCancelRequested();
            out.setAccount(e.account);
            out.setOrderId(e.order_id);
          },
          [&](const engine::SetMark& e) {
            auto out = event.initMarkPrice();
            out.setMarket(e.market);
            out.setMarkPrice(e.mark_price);
            out.setIndexPrice(e.index_price);
          },
          [&](const engine::FundingTick& e) {
            auto out = event.initFundingTick();
            out.setMarket(e.market);
            out.setRateE8(e.rate_e8);
          },
          [&](const engine::TopUpInsurance& e) {
            auto out = event.initInsuranceTopUp();
            out.setAsset(e.asset);
            out.setAmount(e.amount);
          },
          [&](const engine::RotateKey& e) {
            auto out = event.initKeyRotation();
            out.setNewKeyId(Bytes(e.key_id));
            out.setNewPublicKey(Bytes(e.public_key));
          },
      },
      input);
}

void EncodeEffect(const engine::Effect& effect, uint32_t format_version,
                  schema::Event::Builder event) {
  std::visit(
      Overloaded{
          [&](const engine::OrderAccepted& e) { EncodeAccepted(e, event.initOrderAccepted()); },
          [&](const engine::OrderRejected& e) {
            auto out = event.initOrderRejected();
            out.setAccount(e.account);
            out.setOrderId(e.order_id);
            out.setReason(static_cast<uint16_t>(e.reason));
          },
          [&](const engine::InputRejected& e) {
            event.initInputRejected().setReason(static_cast<uint16_t>(e.reason));
          },
          [&](const engine::OrderCancelled& e) {
            auto out = event.initOrderCancelled();
            out.setAccount(e.account);
            out.setOrderId(e.order_id);
            out.setMarket(e.market);
            out.setRemaining(e.remaining_quantity);
            out.setReason(static_cast<uint16_t>(e.reason));
          },
          [&](const engine::Fill& e) { EncodeFill(e, event.initFill()); },
          [&](const engine::FundingPayment& e) {
            auto out = event.initFundingPayment();
            out.setAccount(e.account);
            out.setMarket(e.market);
            out.setPosition(e.position);
            out.setMarkPrice(e.mark_price);
            out.setRateE8(e.rate_e8);
            out.setAmount(e.amount);
          },
          [&](const engine::Liquidation& e) { EncodeLiquidation(e, event.initLiquidation()); },
          [&](const engine::LiquidationFill& e) {
            auto out = event.initLiquidationFill();
            out.setMarket(e.market);
            out.setAccount(e.liquidated_account);
            out.setMakerAccount(e.maker_account);
            out.setMakerOrderId(e.maker_order_id);
            out.setPrice(e.price);
            out.setQuantity(e.quantity);
            out.setPhase(CastEnum<schema::LiquidationPhase>(e.phase));
            out.setInsuranceDelta(e.insurance_delta);
          },
          [&](const engine::InsuranceFundCredit& e) {
            auto out = event.initInsuranceFundCredit();
            out.setAsset(e.asset);
            out.setAmount(e.amount);
            out.setReason(CastEnum<schema::FundCreditReason>(e.reason));
            out.setBalanceAfter(e.balance_after);
          },
          [&](const engine::InsuranceFundDraw& e) {
            auto out = event.initInsuranceFundDraw();
            out.setAsset(e.asset);
            out.setAmount(e.amount);
            out.setMarket(e.market);
            out.setAccount(e.liquidated_account);
            out.setBalanceAfter(e.balance_after);
          },
          [&](const engine::AdlQueue& e) {
            EncodeAdlQueue(e, format_version, event.initAdlQueue());
          },
          [&](const engine::AdlReduction& e) {
            EncodeAdlReduction(e, format_version, event.initAdlReduction());
          },
          [&](const engine::SocializedLoss& e) {
            auto out = event.initSocializedLoss();
            out.setMarket(e.market);
            out.setAmount(e.amount);
          },
      },
      effect);
}

bool IsInput(schema::Event::Reader event) {
  return static_cast<unsigned>(event.which()) <= static_cast<unsigned>(schema::Event::KEY_ROTATION);
}

namespace {

Result<engine::Input> DecodeInputUnchecked(schema::Event::Reader event) {
  using E = schema::Event;
  switch (event.which()) {
    case E::MARKET_LISTED:
      return engine::Input(engine::ListMarket{DecodeSpec(event.getMarketListed())});
    case E::MARKET_CHANGED:
      return engine::Input(engine::ChangeMarket{DecodeSpec(event.getMarketChanged())});
    case E::ACCOUNT_OPENED:
      return engine::Input(engine::OpenAccount{event.getAccountOpened().getAccount()});
    case E::DEPOSIT: {
      auto in = event.getDeposit();
      return engine::Input(engine::Deposit{in.getAccount(), in.getAsset(), in.getAmount()});
    }
    case E::WITHDRAWAL: {
      auto in = event.getWithdrawal();
      return engine::Input(engine::Withdraw{in.getAccount(), in.getAsset(), in.getAmount()});
    }
    case E::ORDER_PLACED:
      return engine::Input(DecodeOrder(event.getOrderPlaced()));
    case E::ORDER_CANCEL_REQUESTED: {
      auto in = event.getOrderCancelRequested();
      return engine::Input(engine::CancelOrder{in.getAccount(), in.getOrderId()});
    }
    case E::MARK_PRICE: {
      auto in = event.getMarkPrice();
      return engine::Input(engine::SetMark{in.getMarket(), in.getMarkPrice(), in.getIndexPrice()});
    }
    case E::FUNDING_TICK: {
      auto in = event.getFundingTick();
      return engine::Input(engine::FundingTick{in.getMarket(), in.getRateE8()});
    }
    case E::INSURANCE_TOP_UP: {
      auto in = event.getInsuranceTopUp();
      return engine::Input(engine::TopUpInsurance{in.getAsset(), in.getAmount()});
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

}  // namespace

Result<engine::Input> DecodeInput(schema::Event::Reader event) {
  std::optional<Result<engine::Input>> result;
  KJ_IF_MAYBE (exception,
               kj::runCatchingExceptions([&] { result = DecodeInputUnchecked(event); })) {
    return Status::Corruption("event_codec", exception->getDescription().cStr());
  }
  return std::move(*result);
}

void EncodeOrigin(const CommandOrigin& origin, schema::Event::Builder event) {
  auto out = event.initOrigin();
  out.setPrincipal(capnp::Text::Reader(origin.principal.data(), origin.principal.size()));
  out.setClientId(capnp::Text::Reader(origin.client_id.data(), origin.client_id.size()));
  out.setClientSeq(origin.client_seq);
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
