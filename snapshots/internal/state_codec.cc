// Snapshot bodies to and from Cap'n Proto canonical form. The module's only Cap'n Proto
// adapter (STYLE.md E3): capnp may throw kj::Exception on malformed input, and every such
// exception is caught in EncodeBody or DecodeBody below. Helpers in the anonymous namespace may
// throw; they are only called inside those try blocks.

#include "snapshots/internal/state_codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include <cstring>
#include <exception>
#include <string>

#include "base/strong_type_fmt.h"
#include "snapshots/internal/snapshot_format.h"
#include "snapshots/schema/snapshot.capnp.h"

namespace snapshots::internal {
namespace {

namespace schema = ::snapshots::schema;

// Every word is read once by isCanonical and once by the decoder, each with its own reader;
// the slack covers lists of zero-sized elements, which capnp charges one word per element.
constexpr uint64_t kTraversalWordsPerBodyWord = 4;
constexpr uint64_t kTraversalSlackWords = 4096;
constexpr int kNestingLimit = 16;  // Snapshot > state > markets > market > spec > tiers > tier.

static_assert(kMaxSnapshotBytes / sizeof(capnp::word) * kTraversalWordsPerBodyWord <
              (uint64_t{1} << 40));

capnp::ReaderOptions LimitedOptions(size_t body_words) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = body_words * kTraversalWordsPerBodyWord + kTraversalSlackWords;
  options.nestingLimit = kNestingLimit;
  return options;
}

base::Status Bad(std::string detail) { return base::Status::Corruption("", detail); }

template <size_t N>
capnp::Data::Reader AsData(const std::array<uint8_t, N>& bytes) {
  return capnp::Data::Reader(bytes.data(), bytes.size());
}

template <size_t N>
base::Status CopyFixed(std::string_view field, capnp::Data::Reader data,
                       std::array<uint8_t, N>* out) {
  if (data.size() != N) {
    return Bad(fmt::format("{} is {} bytes, not {}", field, data.size(), N));
  }
  std::memcpy(out->data(), data.begin(), N);
  return base::Status::OK();
}

// ---- Encoding ----

void EncodeSpec(const engine::MarketSpec& spec, schema::MarketSpec::Builder out) {
  out.setMarketId(spec.market_id.value());
  out.setSymbol(spec.symbol);
  out.setQuoteAsset(spec.quote_asset.value());
  out.setTickSize(spec.tick_size.value());
  out.setLotDecimals(spec.lot_decimals);
  out.setQuoteDecimals(spec.quote_decimals);
  out.setMakerFeeE8(spec.maker_fee_e8);
  out.setTakerFeeE8(spec.taker_fee_e8);
  auto tiers = out.initTiers(static_cast<unsigned>(spec.tiers.size()));
  for (unsigned i = 0; i < tiers.size(); ++i) {
    tiers[i].setNotionalFloor(spec.tiers[i].notional_floor.value());
    tiers[i].setMmrE8(spec.tiers[i].mmr_e8);
    tiers[i].setMaxLeverage(spec.tiers[i].max_leverage);
  }
  out.setFundingIntervalNs(spec.funding_interval_ns);
  out.setAdlPolicy(static_cast<schema::AdlPolicy>(spec.adl_policy));
  out.setMaxSlippageE8(spec.max_slippage_e8);
}

void EncodeAccounts(const std::vector<engine::AccountState>& accounts,
                    schema::EngineState::Builder out) {
  auto list = out.initAccounts(static_cast<unsigned>(accounts.size()));
  for (unsigned i = 0; i < list.size(); ++i) {
    const engine::AccountState& account = accounts[i];
    list[i].setAccount(account.account.value());
    auto balances = list[i].initBalances(static_cast<unsigned>(account.balances.size()));
    for (unsigned j = 0; j < balances.size(); ++j) {
      balances[j].setAsset(account.balances[j].asset.value());
      balances[j].setWalletBalance(account.balances[j].wallet_balance.value());
    }
    auto positions = list[i].initPositions(static_cast<unsigned>(account.positions.size()));
    for (unsigned j = 0; j < positions.size(); ++j) {
      positions[j].setMarket(account.positions[j].market.value());
      positions[j].setQuantity(account.positions[j].quantity.value());
      positions[j].setCost(account.positions[j].cost.value());
    }
  }
}

void EncodeState(const engine::EngineState& state, schema::EngineState::Builder out) {
  auto markets = out.initMarkets(static_cast<unsigned>(state.markets.size()));
  for (unsigned i = 0; i < markets.size(); ++i) {
    EncodeSpec(state.markets[i].spec, markets[i].initSpec());
    markets[i].setHasMark(state.markets[i].has_mark);
    markets[i].setMarkPrice(state.markets[i].mark_price.value());
    markets[i].setIndexPrice(state.markets[i].index_price.value());
  }
  EncodeAccounts(state.accounts, out);
  auto orders = out.initOrders(static_cast<unsigned>(state.orders.size()));
  for (unsigned i = 0; i < orders.size(); ++i) {
    const engine::OrderState& order = state.orders[i];
    orders[i].setAccount(order.account.value());
    orders[i].setOrderId(order.order_id.value());
    orders[i].setMarket(order.market.value());
    orders[i].setSide(static_cast<schema::Side>(order.side));
    orders[i].setPrice(order.price.value());
    orders[i].setRemaining(order.remaining.value());
    orders[i].setReduceOnly(order.reduce_only);
  }
  auto assets = out.initAssets(static_cast<unsigned>(state.assets.size()));
  for (unsigned i = 0; i < assets.size(); ++i) {
    const engine::AssetState& asset = state.assets[i];
    assets[i].setAsset(asset.asset.value());
    assets[i].setDeposits(asset.deposits.value());
    assets[i].setWithdrawals(asset.withdrawals.value());
    assets[i].setTopUps(asset.top_ups.value());
    assets[i].setInsuranceFund(asset.insurance_fund.value());
    assets[i].setFeeAccount(asset.fee_account.value());
  }
  out.setNextInternalOrderId(state.next_internal_order_id.value());
  out.setLastTimeNs(state.last_time_ns);
}

// ---- Decoding ----

base::Status DecodeSpec(schema::MarketSpec::Reader in, engine::MarketSpec* spec) {
  spec->market_id = engine::MarketId{in.getMarketId()};
  spec->symbol = std::string(in.getSymbol().cStr(), in.getSymbol().size());
  spec->quote_asset = engine::AssetId{in.getQuoteAsset()};
  spec->tick_size = engine::Price{in.getTickSize()};
  spec->lot_decimals = in.getLotDecimals();
  spec->quote_decimals = in.getQuoteDecimals();
  spec->maker_fee_e8 = in.getMakerFeeE8();
  spec->taker_fee_e8 = in.getTakerFeeE8();
  auto tiers = in.getTiers();
  spec->tiers.reserve(tiers.size());
  for (auto tier : tiers) {
    spec->tiers.push_back(
        {engine::Money{tier.getNotionalFloor()}, tier.getMmrE8(), tier.getMaxLeverage()});
  }
  spec->funding_interval_ns = in.getFundingIntervalNs();
  const auto policy = static_cast<uint16_t>(in.getAdlPolicy());
  if (policy > static_cast<uint16_t>(engine::AdlPolicy::kHyperliquid)) {
    return Bad(fmt::format("market {}: unknown ADL policy {}", spec->market_id, policy));
  }
  spec->adl_policy = static_cast<engine::AdlPolicy>(policy);
  spec->max_slippage_e8 = in.getMaxSlippageE8();
  return base::Status::OK();
}

void DecodeAccounts(schema::EngineState::Reader in, engine::EngineState* state) {
  auto accounts = in.getAccounts();
  state->accounts.reserve(accounts.size());
  for (auto account : accounts) {
    engine::AccountState& out = state->accounts.emplace_back();
    out.account = engine::AccountId{account.getAccount()};
    auto balances = account.getBalances();
    out.balances.reserve(balances.size());
    for (auto balance : balances) {
      out.balances.push_back(
          {engine::AssetId{balance.getAsset()}, engine::Money{balance.getWalletBalance()}});
    }
    auto positions = account.getPositions();
    out.positions.reserve(positions.size());
    for (auto position : positions) {
      out.positions.push_back({engine::MarketId{position.getMarket()},
                               engine::Quantity{position.getQuantity()},
                               engine::Money{position.getCost()}});
    }
  }
}

base::Status DecodeState(schema::EngineState::Reader in, engine::EngineState* state) {
  auto markets = in.getMarkets();
  state->markets.reserve(markets.size());
  for (auto market : markets) {
    engine::MarketState& out = state->markets.emplace_back();
    BACKSTOP_RETURN_IF_ERROR(DecodeSpec(market.getSpec(), &out.spec));
    out.has_mark = market.getHasMark();
    out.mark_price = engine::Price{market.getMarkPrice()};
    out.index_price = engine::Price{market.getIndexPrice()};
  }
  DecodeAccounts(in, state);
  auto orders = in.getOrders();
  state->orders.reserve(orders.size());
  for (auto order : orders) {
    const auto side = static_cast<uint16_t>(order.getSide());
    if (side > static_cast<uint16_t>(engine::Side::kSell)) {
      return Bad(fmt::format("order {}: unknown side {}", order.getOrderId(), side));
    }
    state->orders.push_back({engine::AccountId{order.getAccount()},
                             engine::OrderId{order.getOrderId()},
                             engine::MarketId{order.getMarket()}, static_cast<engine::Side>(side),
                             engine::Price{order.getPrice()},
                             engine::Quantity{order.getRemaining()}, order.getReduceOnly()});
  }
  auto assets = in.getAssets();
  state->assets.reserve(assets.size());
  for (auto asset : assets) {
    state->assets.push_back(
        {engine::AssetId{asset.getAsset()}, engine::Money{asset.getDeposits()},
         engine::Money{asset.getWithdrawals()}, engine::Money{asset.getTopUps()},
         engine::Money{asset.getInsuranceFund()}, engine::Money{asset.getFeeAccount()}});
  }
  state->next_internal_order_id = engine::OrderId{in.getNextInternalOrderId()};
  state->last_time_ns = in.getLastTimeNs();
  return base::Status::OK();
}

base::Status DecodeFields(schema::Snapshot::Reader root, BodyFields* fields) {
  fields->format_version = root.getFormatVersion();
  if (fields->format_version != kBodyVersion) {
    return Bad(fmt::format("unsupported body format version {}", fields->format_version));
  }
  fields->meta.seq = ledger::SequenceNumber{root.getSeq()};
  fields->meta.time_ns = root.getTimeNs();
  BACKSTOP_RETURN_IF_ERROR(
      CopyFixed("logHeadHash", root.getLogHeadHash(), &fields->meta.log_head_hash));
  BACKSTOP_RETURN_IF_ERROR(CopyFixed("chainId", root.getChainId(), &fields->meta.chain_id));
  BACKSTOP_RETURN_IF_ERROR(CopyFixed("stateHash", root.getStateHash(), &fields->state_hash));
  BACKSTOP_RETURN_IF_ERROR(CopyFixed("keyId", root.getKeyId(), &fields->key_id));
  if (!root.hasState()) return Bad("body has no state");
  return base::Status::OK();
}

}  // namespace

base::Result<std::vector<uint8_t>> EncodeBody(const BodyFields& fields,
                                              const engine::EngineState& state,
                                              uint64_t max_bytes) {
  std::vector<uint8_t> out;
  try {
    capnp::MallocMessageBuilder message;
    auto root = message.initRoot<schema::Snapshot>();
    root.setFormatVersion(fields.format_version);
    root.setSeq(fields.meta.seq.value());
    root.setLogHeadHash(AsData(fields.meta.log_head_hash));
    root.setChainId(AsData(fields.meta.chain_id));
    root.setTimeNs(fields.meta.time_ns);
    root.setStateHash(AsData(fields.state_hash));
    root.setKeyId(AsData(fields.key_id));
    EncodeState(state, root.initState());
    const uint64_t size_bytes = root.totalSize().wordCount * sizeof(capnp::word);
    if (size_bytes > max_bytes) {
      return base::Status::InvalidArgument(
          "snapshot",
          fmt::format("state is {} bytes, over the limit of {}", size_bytes, max_bytes));
    }
    kj::Array<capnp::word> words = capnp::canonicalize(root.asReader());
    const auto bytes = words.asBytes();
    out.assign(bytes.begin(), bytes.end());
  } catch (const kj::Exception& e) {
    return base::Status::InvalidArgument(
        "snapshot", fmt::format("cannot encode: {}", e.getDescription().cStr()));
  }
  BACKSTOP_ASSERT(!out.empty() && out.size() % sizeof(capnp::word) == 0, out.size());
  return out;
}

base::Result<BodyFields> DecodeBody(std::span<const uint8_t> body, engine::EngineState* state) {
  if (body.empty() || body.size() % sizeof(capnp::word) != 0) {
    return Bad(fmt::format("body length {} is not a positive multiple of 8", body.size()));
  }
  // Copy into word-aligned storage: capnp reads words in place.
  std::vector<capnp::word> words(body.size() / sizeof(capnp::word));
  std::memcpy(words.data(), body.data(), body.size());
  const kj::ArrayPtr<const capnp::word> segment(words.data(), words.size());
  BodyFields fields;
  try {
    capnp::SegmentArrayMessageReader checker(kj::arrayPtr(&segment, 1),
                                             LimitedOptions(words.size()));
    if (!checker.isCanonical()) return Bad("body is not in canonical form");
    capnp::SegmentArrayMessageReader reader(kj::arrayPtr(&segment, 1),
                                            LimitedOptions(words.size()));
    const auto root = reader.getRoot<schema::Snapshot>();
    BACKSTOP_RETURN_IF_ERROR(DecodeFields(root, &fields));
    if (state != nullptr) {
      *state = engine::EngineState();
      BACKSTOP_RETURN_IF_ERROR(DecodeState(root.getState(), state));
    }
  } catch (const kj::Exception& e) {
    return Bad(fmt::format("malformed body: {}", e.getDescription().cStr()));
  } catch (const std::exception& e) {
    return Bad(fmt::format("malformed body: {}", e.what()));
  }
  BACKSTOP_ASSERT(fields.format_version == kBodyVersion, fields.format_version);
  return fields;
}

}  // namespace snapshots::internal
