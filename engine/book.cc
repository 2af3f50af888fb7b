// Order books with price-time priority: placement (validation, rule 2 margin check), matching
// for limit/market orders with GTC, IOC, FOK, post-only and reduce-only, cancels and fees.
// Self-trade rule: an incoming order never trades with its own account; the resting order is
// cancelled (OrderCancelled kSelfTrade) and matching continues.

#include <algorithm>

#include "engine/internal/core.h"

namespace engine::internal {

namespace {

Quantity Reducible(const Account& account, MarketId market_id, Side side) {
  const auto it = account.positions.find(market_id);
  const Quantity q = it == account.positions.end() ? Quantity{0} : it->second.q;
  return side == Side::kBuy ? std::max(Quantity{0}, -q) : std::max(Quantity{0}, q);
}

Quantity ReducibleAfter(Quantity q, Side side) {
  return side == Side::kBuy ? std::max(Quantity{0}, -q) : std::max(Quantity{0}, q);
}

// Best level of the side a taker on `side` trades against, or nullptr.
const std::pair<const Price, Level>* BestOpposite(const Book& book, Side side) {
  if (side == Side::kBuy) return book.asks.empty() ? nullptr : &*book.asks.begin();
  return book.bids.empty() ? nullptr : &*book.bids.begin();
}

bool PriceAcceptable(const Taker& taker, Price price) {
  if (!taker.has_limit) return true;
  return taker.side == Side::kBuy ? price <= taker.limit : price >= taker.limit;
}

template <typename LevelMap>
void UnlinkFrom(LevelMap& levels, std::vector<Order>& orders, uint32_t index) {
  Order& order = orders[index];
  const auto it = levels.find(order.price);
  BACKSTOP_ASSERT(it != levels.end(), order.price);
  Level& level = it->second;
  if (order.prev != kNil)
    orders[order.prev].next = order.next;
  else
    level.head = order.next;
  if (order.next != kNil)
    orders[order.next].prev = order.prev;
  else
    level.tail = order.prev;
  level.total -= order.remaining;
  level.count -= 1;
  BACKSTOP_ASSERT(level.total >= 0 && level.count >= 0, level.total, level.count);
  if (level.count == 0) {
    BACKSTOP_ASSERT(level.total == 0 && level.head == kNil, level.total);
    levels.erase(it);
  }
}

template <typename LevelMap>
void LinkInto(LevelMap& levels, std::vector<Order>& orders, uint32_t index) {
  Order& order = orders[index];
  Level& level = levels[order.price];
  order.prev = level.tail;
  order.next = kNil;
  if (level.tail != kNil)
    orders[level.tail].next = index;
  else
    level.head = index;
  level.tail = index;
  level.total += order.remaining;
  level.count += 1;
}

}  // namespace

uint32_t Core::AllocateOrder() {
  if (!free_orders_.empty()) {
    const uint32_t index = free_orders_.back();
    free_orders_.pop_back();
    return index;
  }
  BACKSTOP_ASSERT(orders_.size() < kNil, orders_.size());
  orders_.emplace_back();
  return static_cast<uint32_t>(orders_.size() - 1);
}

void Core::RestOrder(Market& market, const PlaceOrder& input, Quantity quantity) {
  const uint32_t index = AllocateOrder();
  Order& order = orders_[index];
  order = Order{input.account, input.order_id,    input.market, input.side, input.price,
                quantity,      input.reduce_only, true,         kNil,       kNil};
  if (input.side == Side::kBuy)
    LinkInto(market.book.bids, orders_, index);
  else
    LinkInto(market.book.asks, orders_, index);
  Account& account = accounts_.at(input.account);
  const bool inserted = account.orders.emplace(input.order_id, index).second;
  BACKSTOP_ASSERT(inserted, input.account, input.order_id);
  Position& position = PositionOf(account, market);
  (input.side == Side::kBuy ? position.open_buy : position.open_sell) += quantity;
  position.open_orders += 1;
  position.max_order_price = std::max(position.max_order_price, input.price);
}

Price Core::MaxOrderPrice(const Account& account, MarketId market_id) const {
  Price highest{0};
  for (const auto& [order_id, index] : account.orders) {
    const Order& order = orders_[index];
    if (order.market == market_id) highest = std::max(highest, order.price);
  }
  return highest;
}

void Core::RemoveOrder(uint32_t index) {
  Order& order = orders_[index];
  BACKSTOP_ASSERT(order.live, index);
  Market& market = markets_.at(order.market);
  if (order.side == Side::kBuy)
    UnlinkFrom(market.book.bids, orders_, index);
  else
    UnlinkFrom(market.book.asks, orders_, index);
  Account& account = accounts_.at(order.account);
  BACKSTOP_ASSERT(account.orders.erase(order.order_id) == 1, order.account, order.order_id);
  Position& position = account.positions.at(order.market);
  (order.side == Side::kBuy ? position.open_buy : position.open_sell) -= order.remaining;
  position.open_orders -= 1;
  BACKSTOP_ASSERT(position.open_buy >= 0 && position.open_sell >= 0 && position.open_orders >= 0);
  if (position.open_orders == 0) {
    position.max_order_price = Price{0};
  } else if (order.price == position.max_order_price) {
    position.max_order_price = MaxOrderPrice(account, order.market);
  }
  ForgetPositionIfEmpty(account, order.market);
  order.live = false;
  order.remaining = Quantity{0};
  free_orders_.push_back(index);
}

void Core::CancelResting(uint32_t index, CancelReason reason) {
  const Order& order = orders_[index];
  Emit(OrderCancelled{order.account, order.order_id, order.market, order.remaining, reason});
  RemoveOrder(index);
}

Rejection Core::ValidateOrder(const PlaceOrder& input, const Market** market_out) const {
  if (input.account == kLiquidationAccount) return Rejection::kReservedAccount;
  const auto account_it = accounts_.find(input.account);
  if (account_it == accounts_.end()) return Rejection::kUnknownAccount;
  const auto market_it = markets_.find(input.market);
  if (market_it == markets_.end()) return Rejection::kUnknownMarket;
  if (static_cast<uint8_t>(input.side) > 1 || static_cast<uint8_t>(input.type) > 1 ||
      static_cast<uint8_t>(input.tif) > 3) {
    return Rejection::kInvalidEnum;
  }
  if (input.quantity <= 0 || input.quantity > kMaxPosition) return Rejection::kInvalidQuantity;
  const Market& market = market_it->second;
  if (input.type == OrderType::kLimit) {
    if (input.price <= 0 || input.price > kMaxPrice ||
        input.price.value() % market.spec.tick_size.value() != 0) {
      return Rejection::kInvalidPrice;
    }
  } else {
    if (input.price != 0) return Rejection::kInvalidPrice;
    if (input.tif != TimeInForce::kIoc && input.tif != TimeInForce::kFok) {
      return Rejection::kInvalidTimeInForce;
    }
  }
  const Account& account = account_it->second;
  if (account.orders.count(input.order_id) != 0) return Rejection::kDuplicateOrderId;
  if (static_cast<int>(account.orders.size()) >= kMaxOpenOrdersPerAccount) {
    return Rejection::kTooManyOpenOrders;
  }
  if (!market.has_mark) return Rejection::kNoMarkPrice;
  if (input.reduce_only) {
    const Quantity reducible = Reducible(account, input.market, input.side);
    if (reducible == 0 || input.quantity > reducible) return Rejection::kReduceOnlyWouldIncrease;
  }
  if (input.tif == TimeInForce::kPostOnly) {
    const auto* best = BestOpposite(market.book, input.side);
    if (best != nullptr) {
      const bool crosses =
          input.side == Side::kBuy ? best->first <= input.price : best->first >= input.price;
      if (crosses) return Rejection::kPostOnlyWouldCross;
    }
  }
  *market_out = &market;
  return Rejection::kNone;
}

void Core::DoPlaceOrder(const PlaceOrder& input) {
  const Market* validated = nullptr;
  Rejection reason = ValidateOrder(input, &validated);
  if (reason == Rejection::kNone) {
    const Account& account = accounts_.at(input.account);
    const AssetId asset = validated->spec.quote_asset;
    const Price valuation = input.type == OrderType::kLimit ? input.price : validated->mark;
    Int128 initial_after = 0;
    if (!InitialMargin(account, asset, &input, valuation, &initial_after)) {
      reason = Rejection::kAmountOverflow;
    } else if (Equity(account, asset) < initial_after) {
      // A reduce-only order that does not raise the requirement is always allowed.
      Int128 initial_before = 0;
      const bool reduces = input.reduce_only &&
                           InitialMargin(account, asset, nullptr, Price{0}, &initial_before) &&
                           initial_after <= initial_before;
      if (!reduces) reason = Rejection::kInsufficientMargin;
    }
  }
  if (reason != Rejection::kNone) {
    Emit(OrderRejected{input.account, input.order_id, reason});
    return;
  }
  Market& market = markets_.at(input.market);
  const Taker taker{input.account, input.order_id, input.side, input.type == OrderType::kLimit,
                    input.price,   false};
  const Quantity fillable = DryRunFillable(market, taker, input.quantity);
  const bool rests = input.tif == TimeInForce::kGtc || input.tif == TimeInForce::kPostOnly;
  OrderAccepted accepted{input.account,     input.order_id,
                         input.market,      input.side,
                         input.type,        input.tif,
                         input.reduce_only, input.price,
                         input.quantity,    rests ? input.quantity - fillable : Quantity{0}};
  if (input.tif == TimeInForce::kFok && fillable < input.quantity) {
    Emit(accepted);
    Emit(OrderCancelled{input.account, input.order_id, input.market, input.quantity,
                        CancelReason::kFokUnfilled});
    return;
  }
  Emit(accepted);
  const Quantity filled = Match(market, taker, input.quantity, nullptr, nullptr);
  BACKSTOP_ASSERT(filled == fillable, filled, fillable, input.account, input.order_id);
  const Quantity rest = input.quantity - filled;
  if (rest == 0) return;
  if (rests) {
    RestOrder(market, input, rest);
  } else {
    Emit(OrderCancelled{input.account, input.order_id, input.market, rest,
                        CancelReason::kIocRemainder});
  }
}

void Core::DoCancelOrder(const CancelOrder& input) {
  Rejection reason = Rejection::kNone;
  uint32_t index = kNil;
  if (input.account == kLiquidationAccount) {
    reason = Rejection::kReservedAccount;
  } else if (const auto account = accounts_.find(input.account); account == accounts_.end()) {
    reason = Rejection::kUnknownAccount;
  } else if (const auto order = account->second.orders.find(input.order_id);
             order == account->second.orders.end()) {
    reason = Rejection::kUnknownOrder;
  } else {
    index = order->second;
  }
  if (reason != Rejection::kNone) {
    Emit(OrderRejected{input.account, input.order_id, reason});
    return;
  }
  CancelResting(index, CancelReason::kUser);
}

Quantity Core::DryRunFillable(const Market& market, const Taker& taker, Quantity quantity) const {
  Quantity remaining = quantity;
  std::vector<std::pair<AccountId, Quantity>> maker_deltas;  // Position moves so far.
  auto walk_level = [&](Price price, const Level& level) {
    for (uint32_t index = level.head; index != kNil && remaining > 0; index = orders_[index].next) {
      const Order& maker = orders_[index];
      if (maker.account == taker.account) continue;
      Quantity allowed = maker.remaining;
      auto delta = std::find_if(maker_deltas.begin(), maker_deltas.end(),
                                [&](const auto& entry) { return entry.first == maker.account; });
      if (maker.reduce_only) {
        const Account& account = accounts_.at(maker.account);
        Quantity q{0};
        if (const auto it = account.positions.find(market.spec.market_id);
            it != account.positions.end()) {
          q = it->second.q;
        }
        if (delta != maker_deltas.end()) q += delta->second;
        allowed = std::min(allowed, ReducibleAfter(q, maker.side));
        if (allowed == 0) continue;
      }
      const Quantity take = std::min(remaining, allowed);
      remaining -= take;
      if (delta == maker_deltas.end()) {
        maker_deltas.emplace_back(maker.account, Quantity{0});
        delta = maker_deltas.end() - 1;
      }
      delta->second += maker.side == Side::kBuy ? take : -take;
    }
    (void)price;
  };
  if (taker.side == Side::kBuy) {
    for (const auto& [price, level] : market.book.asks) {
      if (remaining == 0 || !PriceAcceptable(taker, price)) break;
      walk_level(price, level);
    }
  } else {
    for (const auto& [price, level] : market.book.bids) {
      if (remaining == 0 || !PriceAcceptable(taker, price)) break;
      walk_level(price, level);
    }
  }
  return quantity - remaining;
}

Quantity Core::Match(Market& market, const Taker& taker, Quantity quantity,
                     const std::function<Quantity(const Order&, Quantity)>& cap,
                     const std::function<void(const Order&, Price, Quantity)>& after_fill) {
  Quantity remaining = quantity;
  while (remaining > 0) {
    const auto* best = BestOpposite(market.book, taker.side);
    if (best == nullptr || !PriceAcceptable(taker, best->first)) break;
    const Price price = best->first;
    const uint32_t index = best->second.head;
    const Order maker = orders_[index];
    if (maker.account == taker.account) {
      CancelResting(index, CancelReason::kSelfTrade);
      continue;
    }
    Quantity allowed = maker.remaining;
    if (maker.reduce_only) {
      allowed = std::min(allowed, Reducible(accounts_.at(maker.account), maker.market, maker.side));
      if (allowed == 0) {
        CancelResting(index, CancelReason::kReduceOnly);
        continue;
      }
    }
    Quantity take = std::min(remaining, allowed);
    if (cap) take = cap(maker, take);
    if (take == 0) break;
    ExecuteFill(market, index, taker, take);
    remaining -= take;
    if (after_fill) after_fill(maker, price, take);
    if (maker.reduce_only && maker.remaining > take &&
        Reducible(accounts_.at(maker.account), maker.market, maker.side) == 0) {
      CancelResting(index, CancelReason::kReduceOnly);
    }
  }
  return quantity - remaining;
}

void Core::ExecuteFill(Market& market, uint32_t maker_index, const Taker& taker,
                       Quantity quantity) {
  Order& maker = orders_[maker_index];
  BACKSTOP_ASSERT(maker.live && quantity > 0 && quantity <= maker.remaining, quantity);
  const Price price = maker.price;
  const AccountId maker_account = maker.account;
  const OrderId maker_order_id = maker.order_id;
  const Int128 value = Notional(quantity, price);
  const Money maker_fee = Narrow<Money>(DivCeil(value * market.spec.maker_fee_e8, kRateScale));
  const Money taker_fee =
      taker.liquidation ? Money{0}
                        : Narrow<Money>(DivCeil(value * market.spec.taker_fee_e8, kRateScale));
  const Quantity maker_q = maker.side == Side::kBuy ? quantity : -quantity;
  const AssetId asset = market.spec.quote_asset;
  Account& maker_state = accounts_.at(maker_account);
  Account& taker_state = accounts_.at(taker.account);
  // Book bookkeeping first, so the maker's position entry keeps its open-order count.
  Level& level = maker.side == Side::kBuy ? market.book.bids.at(price) : market.book.asks.at(price);
  level.total -= quantity;
  maker.remaining -= quantity;
  Position& maker_position = maker_state.positions.at(market.spec.market_id);
  (maker.side == Side::kBuy ? maker_position.open_buy : maker_position.open_sell) -= quantity;
  ApplyTrade(maker_account, maker_state, market, maker_q, Notional(maker_q, price));
  ApplyTrade(taker.account, taker_state, market, -maker_q, Notional(-maker_q, price));
  AddOrDie(&Wallet(maker_state, asset), -maker_fee);
  AddOrDie(&Wallet(taker_state, asset), -taker_fee);
  AddOrDie(&assets_[asset].fees, Wide(maker_fee) + Wide(taker_fee));
  if (orders_[maker_index].remaining == 0) RemoveOrder(maker_index);
  Emit(Fill{market.spec.market_id, maker_account, maker_order_id, taker.account, taker.order_id,
            taker.side, price, quantity, maker_fee, taker_fee, taker.liquidation});
  Touch(maker_account, asset);
  if (taker.account != kLiquidationAccount) Touch(taker.account, asset);
}

}  // namespace engine::internal
