// RiskEngine front end and the simple inputs: input dispatch, market listing and changes,
// accounts, deposits, withdrawals, marks, insurance top-ups, and the read-only queries.

#include "engine/risk_engine.h"

#include <type_traits>

#include "engine/internal/core.h"
#include "engine/risk_math.h"

namespace engine {

const char* RejectionName(Rejection reason) {
  switch (reason) {
    case Rejection::kNone:
      return "None";
    case Rejection::kUnknownAccount:
      return "UnknownAccount";
    case Rejection::kUnknownMarket:
      return "UnknownMarket";
    case Rejection::kInvalidQuantity:
      return "InvalidQuantity";
    case Rejection::kInvalidPrice:
      return "InvalidPrice";
    case Rejection::kInvalidTimeInForce:
      return "InvalidTimeInForce";
    case Rejection::kDuplicateOrderId:
      return "DuplicateOrderId";
    case Rejection::kUnknownOrder:
      return "UnknownOrder";
    case Rejection::kInvalidAmount:
      return "InvalidAmount";
    case Rejection::kAccountExists:
      return "AccountExists";
    case Rejection::kReservedAccount:
      return "ReservedAccount";
    case Rejection::kMarketExists:
      return "MarketExists";
    case Rejection::kInvalidMarketSpec:
      return "InvalidMarketSpec";
    case Rejection::kImmutableMarketField:
      return "ImmutableMarketField";
    case Rejection::kInvalidEnum:
      return "InvalidEnum";
    case Rejection::kInvalidRate:
      return "InvalidRate";
    case Rejection::kInvalidKey:
      return "InvalidKey";
    case Rejection::kInsufficientMargin:
      return "InsufficientMargin";
    case Rejection::kAmountOverflow:
      return "AmountOverflow";
    case Rejection::kInsufficientBalance:
      return "InsufficientBalance";
    case Rejection::kReduceOnlyWouldIncrease:
      return "ReduceOnlyWouldIncrease";
    case Rejection::kTooManyOpenOrders:
      return "TooManyOpenOrders";
    case Rejection::kNoMarkPrice:
      return "NoMarkPrice";
    case Rejection::kPostOnlyWouldCross:
      return "PostOnlyWouldCross";
    case Rejection::kBookNotEmpty:
      return "BookNotEmpty";
  }
  return "Unknown";
}

namespace internal {

Core::Core(EngineOptions options) : options_(options) {
  accounts_.try_emplace(kLiquidationAccount);
}

void Core::Apply(const Input& input, TimeNs time_ns, std::vector<Effect>* effects) {
  BACKSTOP_ASSERT(effects != nullptr);
  BACKSTOP_ASSERT(candidates_.empty(), candidates_.size());
  effects_ = effects;
  last_time_ns_ = time_ns;
  std::visit(
      [this](const auto& in) {
        using T = std::decay_t<decltype(in)>;
        if constexpr (std::is_same_v<T, ListMarket>)
          DoListMarket(in);
        else if constexpr (std::is_same_v<T, ChangeMarket>)
          DoChangeMarket(in);
        else if constexpr (std::is_same_v<T, OpenAccount>)
          DoOpenAccount(in);
        else if constexpr (std::is_same_v<T, Deposit>)
          DoDeposit(in);
        else if constexpr (std::is_same_v<T, Withdraw>)
          DoWithdraw(in);
        else if constexpr (std::is_same_v<T, PlaceOrder>)
          DoPlaceOrder(in);
        else if constexpr (std::is_same_v<T, CancelOrder>)
          DoCancelOrder(in);
        else if constexpr (std::is_same_v<T, SetMark>)
          DoSetMark(in);
        else if constexpr (std::is_same_v<T, FundingTick>)
          DoFundingTick(in);
        else if constexpr (std::is_same_v<T, TopUpInsurance>)
          DoTopUp(in);
        else if constexpr (std::is_same_v<T, RotateKey>) {
          if (in.key_id.empty() || in.key_id.size() > kMaxKeyBytes ||
              in.public_key.size() > kMaxKeyBytes) {
            Reject(Rejection::kInvalidKey);
          }
        }
      },
      input);
  RunLiquidationLoop();
  candidates_.clear();
  adl_indexes_.clear();
  adl_changed_.clear();
  if (options_.verify_invariants) CheckInvariants();
  effects_ = nullptr;
}

void Core::Reject(Rejection reason) { Emit(InputRejected{reason}); }

void Core::AddHoldersToCandidates(const Market& market) {
  for (const AccountId holder : market.holders) {
    if (holder != kLiquidationAccount) Touch(holder, market.spec.quote_asset);
  }
}

Rejection Core::ValidateSpec(const MarketSpec& spec) const {
  const bool basics =
      static_cast<int>(spec.symbol.size()) <= kMaxSymbolBytes && spec.tick_size > 0 &&
      spec.tick_size <= kMaxPrice && spec.lot_decimals >= 0 && spec.lot_decimals <= 18 &&
      spec.quote_decimals >= 0 && spec.quote_decimals <= 18 && spec.maker_fee_e8 >= 0 &&
      spec.maker_fee_e8 <= kRateScale && spec.taker_fee_e8 >= 0 &&
      spec.taker_fee_e8 <= kRateScale && spec.funding_interval_ns >= 0 &&
      static_cast<uint8_t>(spec.adl_policy) <= 3 && spec.max_slippage_e8 >= 0 &&
      spec.max_slippage_e8 <= kRateScale && !spec.tiers.empty() &&
      static_cast<int>(spec.tiers.size()) <= kMaxTiers && spec.tiers[0].notional_floor == 0;
  if (!basics) return Rejection::kInvalidMarketSpec;
  for (size_t t = 0; t < spec.tiers.size(); ++t) {
    const RiskTier& tier = spec.tiers[t];
    if (tier.mmr_e8 <= 0 || tier.mmr_e8 > kRateScale || tier.max_leverage < 1 ||
        tier.max_leverage > kRateScale || Int128{tier.mmr_e8} * tier.max_leverage > kRateScale ||
        tier.notional_floor < 0) {
      return Rejection::kInvalidMarketSpec;
    }
    if (t > 0 && (tier.notional_floor <= spec.tiers[t - 1].notional_floor ||
                  tier.mmr_e8 < spec.tiers[t - 1].mmr_e8)) {
      return Rejection::kInvalidMarketSpec;
    }
  }
  return Rejection::kNone;
}

void Core::DoListMarket(const ListMarket& input) {
  if (markets_.count(input.spec.market_id) != 0) return Reject(Rejection::kMarketExists);
  if (const Rejection reason = ValidateSpec(input.spec); reason != Rejection::kNone) {
    return Reject(reason);
  }
  Market& market = markets_[input.spec.market_id];
  market.spec = input.spec;
  market.cum_e8 = MaintenanceAmountsE8(input.spec);
  assets_.try_emplace(input.spec.quote_asset);
}

void Core::DoChangeMarket(const ChangeMarket& input) {
  const auto it = markets_.find(input.spec.market_id);
  if (it == markets_.end()) return Reject(Rejection::kUnknownMarket);
  if (const Rejection reason = ValidateSpec(input.spec); reason != Rejection::kNone) {
    return Reject(reason);
  }
  Market& market = it->second;
  if (input.spec.quote_asset != market.spec.quote_asset) {
    return Reject(Rejection::kImmutableMarketField);
  }
  if (input.spec.tick_size != market.spec.tick_size &&
      (!market.book.bids.empty() || !market.book.asks.empty())) {
    return Reject(Rejection::kBookNotEmpty);
  }
  market.spec = input.spec;
  market.cum_e8 = MaintenanceAmountsE8(input.spec);
  AddHoldersToCandidates(market);
}

void Core::DoOpenAccount(const OpenAccount& input) {
  if (input.account == kLiquidationAccount) return Reject(Rejection::kReservedAccount);
  if (!accounts_.try_emplace(input.account).second) return Reject(Rejection::kAccountExists);
}

void Core::DoDeposit(const Deposit& input) {
  if (input.account == kLiquidationAccount) return Reject(Rejection::kReservedAccount);
  const auto it = accounts_.find(input.account);
  if (it == accounts_.end()) return Reject(Rejection::kUnknownAccount);
  if (input.amount <= 0) return Reject(Rejection::kInvalidAmount);
  AssetTotals& totals = assets_[input.asset];
  Money& wallet = Wallet(it->second, input.asset);
  Money deposits = totals.deposits;
  Money balance = wallet;
  if (!CheckedAdd(&deposits, input.amount) || deposits > kMaxMoney ||
      !CheckedAdd(&balance, input.amount)) {
    return Reject(Rejection::kAmountOverflow);
  }
  totals.deposits = deposits;
  wallet = balance;
}

void Core::DoWithdraw(const Withdraw& input) {
  if (input.account == kLiquidationAccount) return Reject(Rejection::kReservedAccount);
  const auto it = accounts_.find(input.account);
  if (it == accounts_.end()) return Reject(Rejection::kUnknownAccount);
  if (input.amount <= 0) return Reject(Rejection::kInvalidAmount);
  Account& account = it->second;
  const auto wallet = account.wallet.find(input.asset);
  if (wallet == account.wallet.end() || wallet->second < input.amount) {
    return Reject(Rejection::kInsufficientBalance);
  }
  Int128 initial = 0;
  if (!InitialMargin(account, input.asset, nullptr, Price{0}, &initial) ||
      Equity(account, input.asset) - Wide(input.amount) < initial) {
    return Reject(Rejection::kInsufficientMargin);
  }
  wallet->second -= input.amount;
  AddOrDie(&assets_[input.asset].withdrawals, input.amount);
  Touch(input.account, input.asset);  // Its watch intervals were derived from more equity.
}

void Core::DoSetMark(const SetMark& input) {
  const auto it = markets_.find(input.market);
  if (it == markets_.end()) return Reject(Rejection::kUnknownMarket);
  if (input.mark_price <= 0 || input.mark_price > kMaxPrice || input.index_price < 0 ||
      input.index_price > kMaxPrice) {
    return Reject(Rejection::kInvalidPrice);
  }
  Market& market = it->second;
  market.has_mark = true;
  market.mark = input.mark_price;
  market.index = input.index_price;
  // Only holders whose watch interval the new mark leaves can have fallen below MM.
  PopCrossedWatches(market);
}

void Core::DoTopUp(const TopUpInsurance& input) {
  if (input.amount <= 0) return Reject(Rejection::kInvalidAmount);
  AssetTotals& totals = assets_[input.asset];
  Money top_ups = totals.top_ups;
  if (!CheckedAdd(&top_ups, input.amount) || top_ups > kMaxMoney) {
    return Reject(Rejection::kAmountOverflow);
  }
  totals.top_ups = top_ups;
  AddOrDie(&totals.insurance, input.amount);
  Emit(InsuranceFundCredit{input.asset, input.amount, CreditReason::kTopUp, totals.insurance});
}

}  // namespace internal

RiskEngine::RiskEngine(EngineOptions options) : core_(std::make_unique<internal::Core>(options)) {}
RiskEngine::RiskEngine(std::unique_ptr<internal::Core> core) : core_(std::move(core)) {}
RiskEngine::~RiskEngine() = default;
RiskEngine::RiskEngine(RiskEngine&&) noexcept = default;
RiskEngine& RiskEngine::operator=(RiskEngine&&) noexcept = default;

void RiskEngine::Apply(const Input& input, TimeNs time_ns, std::vector<Effect>* effects) {
  core_->Apply(input, time_ns, effects);
}

void RiskEngine::CheckInvariants() const { core_->CheckInvariants(); }
EngineState RiskEngine::Export() const { return core_->Export(); }
std::string RiskEngine::CanonicalState() const { return EncodeCanonical(core_->Export()); }

std::optional<RiskEngine> RiskEngine::Import(const EngineState& state, std::string* error,
                                             EngineOptions options) {
  auto core = std::make_unique<internal::Core>(options);
  std::string problem = core->Import(state);
  if (!problem.empty()) {
    if (error != nullptr) *error = std::move(problem);
    return std::nullopt;
  }
  return RiskEngine(std::move(core));
}

bool RiskEngine::HasAccount(AccountId account) const {
  return account != kLiquidationAccount && core_->accounts().count(account) != 0;
}

std::vector<AccountId> RiskEngine::AccountIds() const {
  std::vector<AccountId> ids;
  for (const AccountId id : core_->SortedAccountIds()) {
    if (id != kLiquidationAccount) ids.push_back(id);
  }
  return ids;
}

Money RiskEngine::WalletBalance(AccountId account, AssetId asset) const {
  const auto it = core_->accounts().find(account);
  if (it == core_->accounts().end()) return Money{0};
  const auto wallet = it->second.wallet.find(asset);
  return wallet == it->second.wallet.end() ? Money{0} : wallet->second;
}

PositionState RiskEngine::Position(AccountId account, MarketId market) const {
  PositionState state;
  state.market = market;
  const auto it = core_->accounts().find(account);
  if (it == core_->accounts().end()) return state;
  const auto position = it->second.positions.find(market);
  if (position == it->second.positions.end()) return state;
  state.quantity = position->second.q;
  state.cost = position->second.c;
  return state;
}

MarginView RiskEngine::Margin(AccountId account, AssetId asset) const {
  return core_->Margin(account, asset);
}

Money RiskEngine::InsuranceFund(AssetId asset) const {
  const auto it = core_->assets().find(asset);
  return it == core_->assets().end() ? Money{0} : it->second.insurance;
}

Money RiskEngine::FeeAccount(AssetId asset) const {
  const auto it = core_->assets().find(asset);
  return it == core_->assets().end() ? Money{0} : it->second.fees;
}

std::optional<MarketState> RiskEngine::Market(MarketId market) const {
  const auto it = core_->markets().find(market);
  if (it == core_->markets().end()) return std::nullopt;
  return MarketState{it->second.spec, it->second.has_mark, it->second.mark, it->second.index};
}

std::vector<OrderState> RiskEngine::OpenOrders(AccountId account) const {
  std::vector<OrderState> orders;
  const auto it = core_->accounts().find(account);
  if (it == core_->accounts().end()) return orders;
  for (const auto& [order_id, index] : it->second.orders) {
    const internal::Order& order = core_->order(index);
    orders.push_back(OrderState{order.account, order.order_id, order.market, order.side,
                                order.price, order.remaining, order.reduce_only});
  }
  return orders;
}

std::vector<LevelView> RiskEngine::BookLevels(MarketId market, Side side) const {
  std::vector<LevelView> levels;
  const auto it = core_->markets().find(market);
  if (it == core_->markets().end()) return levels;
  const internal::Book& book = it->second.book;
  if (side == Side::kBuy) {
    for (const auto& [price, level] : book.bids)
      levels.push_back({price, level.total, level.count});
  } else {
    for (const auto& [price, level] : book.asks)
      levels.push_back({price, level.total, level.count});
  }
  return levels;
}

}  // namespace engine
