// Engine events <-> Cap'n Proto schema (see event_codec.h). Field by field, in schema order.

#include "ledger/event_codec.h"

#include <kj/exception.h>

#include <limits>
#include <type_traits>

#include "base/assert.h"

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

capnp::Data::Reader Bytes(const std::string& text) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(text.data()), text.size());
}

std::string String(capnp::Data::Reader data) {
  return std::string(reinterpret_cast<const char*>(data.begin()), data.size());
}

bool FitsUint8(int32_t value) { return value >= 0 && value <= UINT8_MAX; }

void EncodeSpec(const engine::MarketSpec& spec, schema::MarketSpec::Builder out) {
  out.setMarketId(spec.market_id.value());
  out.setSymbol(spec.symbol);
  out.setQuoteAsset(spec.quote_asset.value());
  out.setTickSize(spec.tick_size);
  BACKSTOP_ASSERT(FitsUint8(spec.lot_decimals) && FitsUint8(spec.quote_decimals), spec.lot_decimals,
                  spec.quote_decimals);
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

engine::MarketSpec DecodeSpec(schema::MarketSpec::Reader in, Narrowing* narrowing) {
  engine::MarketSpec spec;
  spec.market_id = engine::MarketId{in.getMarketId()};
  spec.symbol = in.getSymbol().cStr();
  spec.quote_asset = engine::AssetId{in.getQuoteAsset()};
  spec.tick_size = in.getTickSize();
  spec.lot_decimals = in.getLotDecimals();
  spec.quote_decimals = in.getQuoteDecimals();
  spec.maker_fee_e8 = in.getMakerFeeE8();
  spec.taker_fee_e8 = in.getTakerFeeE8();
  for (auto tier : in.getTiers()) {
    spec.tiers.push_back({tier.getNotionalFloor(), tier.getMmrE8(), tier.getMaxLeverage()});
  }
  spec.funding_interval_ns = in.getFundingIntervalNs();
  spec.adl_policy = narrowing->Enum<engine::AdlPolicy>(in.getAdlPolicy(), "adl_policy");
  spec.max_slippage_e8 = in.getMaxSlippageE8();
  return spec;
}

void EncodeOrder(const engine::PlaceOrder& order, schema::OrderPlaced::Builder out) {
  out.setAccount(order.account.value());
  out.setMarket(order.market.value());
  out.setOrderId(order.order_id.value());
  out.setSide(CastEnum<schema::Side>(order.side));
  out.setType(CastEnum<schema::OrderType>(order.type));
  out.setTimeInForce(CastEnum<schema::TimeInForce>(order.tif));
  out.setReduceOnly(order.reduce_only);
  out.setPrice(order.price);
  out.setQuantity(order.quantity);
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
  order.price = in.getPrice();
  order.quantity = in.getQuantity();
  return order;
}

void EncodeAccepted(const engine::OrderAccepted& e, schema::OrderAccepted::Builder out) {
  out.setAccount(e.account.value());
  out.setOrderId(e.order_id.value());
  out.setMarket(e.market.value());
  out.setSide(CastEnum<schema::Side>(e.side));
  out.setType(CastEnum<schema::OrderType>(e.type));
  out.setTimeInForce(CastEnum<schema::TimeInForce>(e.tif));
  out.setReduceOnly(e.reduce_only);
  out.setPrice(e.price);
  out.setQuantity(e.quantity);
  out.setRestingQuantity(e.resting_quantity);
}

void EncodeFill(const engine::Fill& e, schema::Fill::Builder out) {
  out.setMarket(e.market.value());
  out.setMakerAccount(e.maker_account.value());
  out.setMakerOrderId(e.maker_order_id.value());
  out.setTakerAccount(e.taker_account.value());
  out.setTakerOrderId(e.taker_order_id.value());
  out.setTakerSide(CastEnum<schema::Side>(e.taker_side));
  out.setPrice(e.price);
  out.setQuantity(e.quantity);
  out.setMakerFee(e.maker_fee);
  out.setTakerFee(e.taker_fee);
  out.setLiquidation(e.liquidation);
}

void EncodeLiquidation(const engine::Liquidation& e, schema::Liquidation::Builder out) {
  out.setAccount(e.account.value());
  out.setMarket(e.market.value());
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
  out.setMarket(e.market.value());
  out.setAccount(e.liquidated_account.value());
  out.setCounterpartySide(CastEnum<schema::Side>(e.counterparty_side));
  out.setPolicy(CastEnum<schema::AdlPolicy>(e.policy));
  out.setQueueLength(static_cast<uint32_t>(e.queue_length));
  auto top = out.initTop(static_cast<unsigned>(e.top.size()));
  for (unsigned i = 0; i < e.top.size(); ++i) {
    top[i].setAccount(e.top[i].account.value());
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
  out.setMarket(e.market.value());
  out.setAccount(e.liquidated_account.value());
  out.setCounterparty(e.counterparty_account.value());
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
          [&](const engine::OpenAccount& e) {
            event.initAccountOpened().setAccount(e.account.value());
          },
          [&](const engine::Deposit& e) {
            auto out = event.initDeposit();
            out.setAccount(e.account.value());
            out.setAsset(e.asset.value());
            out.setAmount(e.amount);
          },
          [&](const engine::Withdraw& e) {
            auto out = event.initWithdrawal();
            out.setAccount(e.account.value());
            out.setAsset(e.asset.value());
            out.setAmount(e.amount);
          },
          [&](const engine::PlaceOrder& e) { EncodeOrder(e, event.initOrderPlaced()); },
          [&](const engine::CancelOrder& e) {
            auto out = event.initOrderCancelRequested();
            out.setAccount(e.account.value());
            out.setOrderId(e.order_id.value());
          },
          [&](const engine::SetMark& e) {
            auto out = event.initMarkPrice();
            out.setMarket(e.market.value());
            out.setMarkPrice(e.mark_price);
            out.setIndexPrice(e.index_price);
          },
          [&](const engine::FundingTick& e) {
            auto out = event.initFundingTick();
            out.setMarket(e.market.value());
            out.setRateE8(e.rate_e8);
          },
          [&](const engine::TopUpInsurance& e) {
            auto out = event.initInsuranceTopUp();
            out.setAsset(e.asset.value());
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
            out.setAccount(e.account.value());
            out.setOrderId(e.order_id.value());
            out.setReason(static_cast<uint16_t>(e.reason));
          },
          [&](const engine::InputRejected& e) {
            event.initInputRejected().setReason(static_cast<uint16_t>(e.reason));
          },
          [&](const engine::OrderCancelled& e) {
            auto out = event.initOrderCancelled();
            out.setAccount(e.account.value());
            out.setOrderId(e.order_id.value());
            out.setMarket(e.market.value());
            out.setRemaining(e.remaining_quantity);
            out.setReason(static_cast<uint16_t>(e.reason));
          },
          [&](const engine::Fill& e) { EncodeFill(e, event.initFill()); },
          [&](const engine::FundingPayment& e) {
            auto out = event.initFundingPayment();
            out.setAccount(e.account.value());
            out.setMarket(e.market.value());
            out.setPosition(e.position);
            out.setMarkPrice(e.mark_price);
            out.setRateE8(e.rate_e8);
            out.setAmount(e.amount);
          },
          [&](const engine::Liquidation& e) { EncodeLiquidation(e, event.initLiquidation()); },
          [&](const engine::LiquidationFill& e) {
            auto out = event.initLiquidationFill();
            out.setMarket(e.market.value());
            out.setAccount(e.liquidated_account.value());
            out.setMakerAccount(e.maker_account.value());
            out.setMakerOrderId(e.maker_order_id.value());
            out.setPrice(e.price);
            out.setQuantity(e.quantity);
            out.setPhase(CastEnum<schema::LiquidationPhase>(e.phase));
            out.setInsuranceDelta(e.insurance_delta);
          },
          [&](const engine::InsuranceFundCredit& e) {
            auto out = event.initInsuranceFundCredit();
            out.setAsset(e.asset.value());
            out.setAmount(e.amount);
            out.setReason(CastEnum<schema::FundCreditReason>(e.reason));
            out.setBalanceAfter(e.balance_after);
          },
          [&](const engine::InsuranceFundDraw& e) {
            auto out = event.initInsuranceFundDraw();
            out.setAsset(e.asset.value());
            out.setAmount(e.amount);
            out.setMarket(e.market.value());
            out.setAccount(e.liquidated_account.value());
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
            out.setMarket(e.market.value());
            out.setAmount(e.amount);
          },
      },
      effect);
}

bool IsInput(schema::Event::Reader event) {
  return static_cast<unsigned>(event.which()) <= static_cast<unsigned>(schema::Event::KEY_ROTATION);
}

namespace {

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
                                           engine::AssetId{in.getAsset()}, in.getAmount()});
    }
    case E::WITHDRAWAL: {
      auto in = event.getWithdrawal();
      return engine::Input(engine::Withdraw{engine::AccountId{in.getAccount()},
                                            engine::AssetId{in.getAsset()}, in.getAmount()});
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
      return engine::Input(
          engine::SetMark{engine::MarketId{in.getMarket()}, in.getMarkPrice(), in.getIndexPrice()});
    }
    case E::FUNDING_TICK: {
      auto in = event.getFundingTick();
      return engine::Input(engine::FundingTick{engine::MarketId{in.getMarket()}, in.getRateE8()});
    }
    case E::INSURANCE_TOP_UP: {
      auto in = event.getInsuranceTopUp();
      return engine::Input(engine::TopUpInsurance{engine::AssetId{in.getAsset()}, in.getAmount()});
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
  e.price = in.getPrice();
  e.quantity = in.getQuantity();
  e.resting_quantity = in.getRestingQuantity();
  return e;
}

engine::OrderCancelled DecodeCancelled(schema::OrderCancelled::Reader in, Narrowing* narrowing) {
  engine::OrderCancelled e;
  e.account = engine::AccountId{in.getAccount()};
  e.order_id = engine::OrderId{in.getOrderId()};
  e.market = engine::MarketId{in.getMarket()};
  e.remaining_quantity = in.getRemaining();
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
  e.price = in.getPrice();
  e.quantity = in.getQuantity();
  e.maker_fee = in.getMakerFee();
  e.taker_fee = in.getTakerFee();
  e.liquidation = in.getLiquidation();
  return e;
}

engine::FundingPayment DecodeFundingPayment(schema::FundingPayment::Reader in) {
  engine::FundingPayment e;
  e.account = engine::AccountId{in.getAccount()};
  e.market = engine::MarketId{in.getMarket()};
  e.position = in.getPosition();
  e.mark_price = in.getMarkPrice();
  e.rate_e8 = in.getRateE8();
  e.amount = in.getAmount();
  return e;
}

engine::Liquidation DecodeLiquidation(schema::Liquidation::Reader in) {
  engine::Liquidation e;
  e.account = engine::AccountId{in.getAccount()};
  e.market = engine::MarketId{in.getMarket()};
  e.position = in.getPosition();
  e.cost = in.getCostBasis();
  e.mark_price = in.getMarkPrice();
  e.equity = in.getAccountEquity();
  e.maintenance_margin = in.getAccountMaintenance();
  e.position_maintenance = in.getPositionMaintenance();
  e.equity_share = in.getEquityShare();
  e.bankruptcy_quote = in.getBankruptcyQuote();
  e.bankruptcy_price = in.getBankruptcyPrice();
  return e;
}

engine::LiquidationFill DecodeLiquidationFill(schema::LiquidationFill::Reader in,
                                              Narrowing* narrowing) {
  engine::LiquidationFill e;
  e.market = engine::MarketId{in.getMarket()};
  e.liquidated_account = engine::AccountId{in.getAccount()};
  e.maker_account = engine::AccountId{in.getMakerAccount()};
  e.maker_order_id = engine::OrderId{in.getMakerOrderId()};
  e.price = in.getPrice();
  e.quantity = in.getQuantity();
  e.phase = narrowing->Enum<engine::LiquidationPhase>(in.getPhase(), "phase");
  e.insurance_delta = in.getInsuranceDelta();
  return e;
}

engine::InsuranceFundCredit DecodeFundCredit(schema::InsuranceFundCredit::Reader in,
                                             Narrowing* narrowing) {
  engine::InsuranceFundCredit e;
  e.asset = engine::AssetId{in.getAsset()};
  e.amount = in.getAmount();
  e.reason = narrowing->Enum<engine::CreditReason>(in.getReason(), "reason");
  e.balance_after = in.getBalanceAfter();
  return e;
}

engine::InsuranceFundDraw DecodeFundDraw(schema::InsuranceFundDraw::Reader in) {
  engine::InsuranceFundDraw e;
  e.asset = engine::AssetId{in.getAsset()};
  e.amount = in.getAmount();
  e.market = engine::MarketId{in.getMarket()};
  e.liquidated_account = engine::AccountId{in.getAccount()};
  e.balance_after = in.getBalanceAfter();
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
    e.top.push_back({engine::AccountId{entry.getAccount()}, entry.getScore(), entry.getPosition(),
                     entry.getQueuePosition()});
  }
  e.quantity_to_cover = in.getQuantityToCover();
  e.fund_balance = in.getFundBalance();
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
  e.quantity = in.getQuantity();
  e.price = in.getPrice();
  e.quote = in.getQuote();
  e.score = in.getScore();
  e.queue_position = in.getQueuePosition();
  e.queue_length = in.getQueueLength();
  e.remaining_before = in.getRemainingBefore();
  e.deficit_covered = in.getDeficitCovered();
  e.fund_balance_after = in.getFundBalanceAfter();
  e.gain_vs_mark = in.getGainVsMark();
  if (in.hasScoreInputs()) {  // Format 3 on.
    const auto inputs = in.getScoreInputs();
    e.score_inputs = {inputs.getPosition(), inputs.getCost(),   inputs.getMark(),
                      inputs.getEquity(),   inputs.getWallet(), inputs.getMaintenance()};
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
          engine::SocializedLoss{engine::MarketId{in.getMarket()}, in.getAmount()});
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

base::Status CheckEncodable(const engine::Input& input) {
  const engine::MarketSpec* spec = nullptr;
  if (const auto* list = std::get_if<engine::ListMarket>(&input)) spec = &list->spec;
  if (const auto* change = std::get_if<engine::ChangeMarket>(&input)) spec = &change->spec;
  if (spec == nullptr) return Status::OK();
  if (!FitsUint8(spec->lot_decimals)) {
    return Status::InvalidArgument(
        "lot_decimals", std::to_string(spec->lot_decimals) + " is outside the schema's 0..255");
  }
  if (!FitsUint8(spec->quote_decimals)) {
    return Status::InvalidArgument(
        "quote_decimals", std::to_string(spec->quote_decimals) + " is outside the schema's 0..255");
  }
  return Status::OK();
}

Result<engine::Input> DecodeInput(schema::Event::Reader event) {
  return DecodeChecked<engine::Input>(event, DecodeInputUnchecked);
}

Result<engine::Effect> DecodeEffect(schema::Event::Reader event) {
  return DecodeChecked<engine::Effect>(event, DecodeEffectUnchecked);
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
