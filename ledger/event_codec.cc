// Engine events -> Cap'n Proto schema (see event_codec.h). Field by field, in schema order.
// The decoders are in event_decode.cc.

#include "ledger/event_codec.h"

#include <limits>

#include "base/assert.h"
#include "ledger/internal/event_codec_helpers.h"

namespace ledger {

using base::Result;
using base::Status;
using internal::Bytes;
using internal::CastEnum;
using internal::Overloaded;

namespace {

bool FitsUint8(int32_t value) { return value >= 0 && value <= UINT8_MAX; }

void EncodeSpec(const engine::MarketSpec& spec, schema::MarketSpec::Builder out) {
  out.setMarketId(spec.market_id.value());
  out.setSymbol(spec.symbol);
  out.setQuoteAsset(spec.quote_asset.value());
  out.setTickSize(spec.tick_size.value());
  BACKSTOP_ASSERT(FitsUint8(spec.lot_decimals) && FitsUint8(spec.quote_decimals), spec.lot_decimals,
                  spec.quote_decimals);
  out.setLotDecimals(static_cast<uint8_t>(spec.lot_decimals));
  out.setQuoteDecimals(static_cast<uint8_t>(spec.quote_decimals));
  out.setMakerFeeE8(spec.maker_fee_e8);
  out.setTakerFeeE8(spec.taker_fee_e8);
  auto tiers = out.initTiers(static_cast<unsigned>(spec.tiers.size()));
  for (unsigned i = 0; i < spec.tiers.size(); ++i) {
    tiers[i].setNotionalFloor(spec.tiers[i].notional_floor.value());
    tiers[i].setMmrE8(spec.tiers[i].mmr_e8);
    tiers[i].setMaxLeverage(spec.tiers[i].max_leverage);
  }
  out.setFundingIntervalNs(spec.funding_interval_ns);
  out.setAdlPolicy(CastEnum<schema::AdlPolicy>(spec.adl_policy));
  out.setMaxSlippageE8(spec.max_slippage_e8);
}

void EncodeOrder(const engine::PlaceOrder& order, schema::OrderPlaced::Builder out) {
  out.setAccount(order.account.value());
  out.setMarket(order.market.value());
  out.setOrderId(order.order_id.value());
  out.setSide(CastEnum<schema::Side>(order.side));
  out.setType(CastEnum<schema::OrderType>(order.type));
  out.setTimeInForce(CastEnum<schema::TimeInForce>(order.tif));
  out.setReduceOnly(order.reduce_only);
  out.setPrice(order.price.value());
  out.setQuantity(order.quantity.value());
}

void EncodeAccepted(const engine::OrderAccepted& e, schema::OrderAccepted::Builder out) {
  out.setAccount(e.account.value());
  out.setOrderId(e.order_id.value());
  out.setMarket(e.market.value());
  out.setSide(CastEnum<schema::Side>(e.side));
  out.setType(CastEnum<schema::OrderType>(e.type));
  out.setTimeInForce(CastEnum<schema::TimeInForce>(e.tif));
  out.setReduceOnly(e.reduce_only);
  out.setPrice(e.price.value());
  out.setQuantity(e.quantity.value());
  out.setRestingQuantity(e.resting_quantity.value());
}

void EncodeFill(const engine::Fill& e, schema::Fill::Builder out) {
  out.setMarket(e.market.value());
  out.setMakerAccount(e.maker_account.value());
  out.setMakerOrderId(e.maker_order_id.value());
  out.setTakerAccount(e.taker_account.value());
  out.setTakerOrderId(e.taker_order_id.value());
  out.setTakerSide(CastEnum<schema::Side>(e.taker_side));
  out.setPrice(e.price.value());
  out.setQuantity(e.quantity.value());
  out.setMakerFee(e.maker_fee.value());
  out.setTakerFee(e.taker_fee.value());
  out.setLiquidation(e.liquidation);
}

void EncodeLiquidation(const engine::Liquidation& e, schema::Liquidation::Builder out) {
  out.setAccount(e.account.value());
  out.setMarket(e.market.value());
  out.setPosition(e.position.value());
  out.setCostBasis(e.cost.value());
  out.setMarkPrice(e.mark_price.value());
  out.setAccountEquity(e.equity.value());
  out.setAccountMaintenance(e.maintenance_margin.value());
  out.setPositionMaintenance(e.position_maintenance.value());
  out.setEquityShare(e.equity_share.value());
  out.setBankruptcyQuote(e.bankruptcy_quote.value());
  out.setBankruptcyPrice(e.bankruptcy_price.value());
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
    top[i].setPosition(e.top[i].position.value());
    top[i].setQueuePosition(static_cast<uint32_t>(e.top[i].queue_position));
  }
  out.setQuantityToCover(e.quantity_to_cover.value());
  out.setFundBalance(e.fund_balance.value());
  if (format_version >= kFormatAdlCommitment) {
    out.setRankingSha256(capnp::Data::Reader(e.ranking_sha256.data(), e.ranking_sha256.size()));
  }
}

void EncodeAdlReduction(const engine::AdlReduction& e, uint32_t format_version,
                        schema::AdlReduction::Builder out) {
  out.setMarket(e.market.value());
  out.setAccount(e.liquidated_account.value());
  out.setCounterparty(e.counterparty_account.value());
  out.setQuantity(e.quantity.value());
  out.setPrice(e.price.value());
  out.setQuote(e.quote.value());
  out.setScore(e.score);
  out.setQueuePosition(static_cast<uint32_t>(e.queue_position));
  out.setQueueLength(static_cast<uint32_t>(e.queue_length));
  out.setRemainingBefore(e.remaining_before.value());
  out.setDeficitCovered(e.deficit_covered.value());
  out.setFundBalanceAfter(e.fund_balance_after.value());
  out.setGainVsMark(e.gain_vs_mark.value());
  if (format_version >= kFormatAdlCommitment) {
    auto inputs = out.initScoreInputs();
    inputs.setPosition(e.score_inputs.position.value());
    inputs.setCost(e.score_inputs.cost.value());
    inputs.setMark(e.score_inputs.mark.value());
    inputs.setEquity(e.score_inputs.equity.value());
    inputs.setWallet(e.score_inputs.wallet.value());
    inputs.setMaintenance(e.score_inputs.maintenance.value());
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
            out.setAmount(e.amount.value());
          },
          [&](const engine::Withdraw& e) {
            auto out = event.initWithdrawal();
            out.setAccount(e.account.value());
            out.setAsset(e.asset.value());
            out.setAmount(e.amount.value());
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
            out.setMarkPrice(e.mark_price.value());
            out.setIndexPrice(e.index_price.value());
          },
          [&](const engine::FundingTick& e) {
            auto out = event.initFundingTick();
            out.setMarket(e.market.value());
            out.setRateE8(e.rate_e8);
          },
          [&](const engine::TopUpInsurance& e) {
            auto out = event.initInsuranceTopUp();
            out.setAsset(e.asset.value());
            out.setAmount(e.amount.value());
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
            out.setRemaining(e.remaining_quantity.value());
            out.setReason(static_cast<uint16_t>(e.reason));
          },
          [&](const engine::Fill& e) { EncodeFill(e, event.initFill()); },
          [&](const engine::FundingPayment& e) {
            auto out = event.initFundingPayment();
            out.setAccount(e.account.value());
            out.setMarket(e.market.value());
            out.setPosition(e.position.value());
            out.setMarkPrice(e.mark_price.value());
            out.setRateE8(e.rate_e8);
            out.setAmount(e.amount.value());
          },
          [&](const engine::Liquidation& e) { EncodeLiquidation(e, event.initLiquidation()); },
          [&](const engine::LiquidationFill& e) {
            auto out = event.initLiquidationFill();
            out.setMarket(e.market.value());
            out.setAccount(e.liquidated_account.value());
            out.setMakerAccount(e.maker_account.value());
            out.setMakerOrderId(e.maker_order_id.value());
            out.setPrice(e.price.value());
            out.setQuantity(e.quantity.value());
            out.setPhase(CastEnum<schema::LiquidationPhase>(e.phase));
            out.setInsuranceDelta(e.insurance_delta.value());
          },
          [&](const engine::InsuranceFundCredit& e) {
            auto out = event.initInsuranceFundCredit();
            out.setAsset(e.asset.value());
            out.setAmount(e.amount.value());
            out.setReason(CastEnum<schema::FundCreditReason>(e.reason));
            out.setBalanceAfter(e.balance_after.value());
          },
          [&](const engine::InsuranceFundDraw& e) {
            auto out = event.initInsuranceFundDraw();
            out.setAsset(e.asset.value());
            out.setAmount(e.amount.value());
            out.setMarket(e.market.value());
            out.setAccount(e.liquidated_account.value());
            out.setBalanceAfter(e.balance_after.value());
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
            out.setAmount(e.amount.value());
          },
      },
      effect);
}

bool IsInput(schema::Event::Reader event) {
  return static_cast<unsigned>(event.which()) <= static_cast<unsigned>(schema::Event::KEY_ROTATION);
}

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

void EncodeOrigin(const CommandOrigin& origin, schema::Event::Builder event) {
  auto out = event.initOrigin();
  out.setPrincipal(capnp::Text::Reader(origin.principal.data(), origin.principal.size()));
  out.setClientId(capnp::Text::Reader(origin.client_id.data(), origin.client_id.size()));
  out.setClientSeq(origin.client_seq);
}

}  // namespace ledger
