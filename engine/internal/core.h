// Internal state and rule implementations of the risk engine. One Core per RiskEngine; its
// methods are split by rule over book.cc, margin.cc, liquidation.cc, adl.cc, funding.cc, ...
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/events.h"
#include "engine/internal/flat_map.h"
#include "engine/money.h"
#include "engine/risk_engine.h"
#include "engine/state.h"

namespace engine::internal {

inline constexpr uint32_t kNil = UINT32_MAX;

// A resting order, stored in Core::orders_ and linked into its price level (FIFO).
struct Order {
  AccountId account{0};
  OrderId order_id{0};
  MarketId market{0};
  Side side = Side::kBuy;
  Price price{0};
  Quantity remaining{0};
  bool reduce_only = false;
  bool live = false;
  uint32_t prev = kNil;
  uint32_t next = kNil;
};

struct Level {
  Quantity total{0};
  int64_t count = 0;
  uint32_t head = kNil;
  uint32_t tail = kNil;
};

struct Book {
  std::map<Price, Level, std::greater<Price>> bids;  // Best (highest) first.
  std::map<Price, Level> asks;                       // Best (lowest) first.
};

struct WatchEntry {
  Price key{0};
  AccountId account{0};
  uint64_t stamp = 0;
};

struct Market {
  MarketSpec spec;
  std::vector<Int128> cum_e8;  // cum_t at scale 1e-8 (exact), per tier.
  bool has_mark = false;
  Price mark{0};
  Price index{0};
  Book book;
  std::set<AccountId> holders;  // Accounts with Q != 0 here.
  // Mark watch index (a cache, not state): a holder must be re-checked against rule 4 only when
  // the mark leaves [low, high] of its entry; inside, its equity >= MM is proven (ENGINE.md).
  // Binary heaps with lazy deletion: an entry is live only while its stamp is its position's.
  std::vector<WatchEntry> watch_low;   // Max-heap on key: re-check when mark < key.
  std::vector<WatchEntry> watch_high;  // Min-heap on key: re-check when mark > key.
};

// An account's exposure in one market. Kept while Q != 0 or it has open orders there.
struct Position {
  Quantity q{0};
  Money c{0};
  Quantity open_buy{0};
  Quantity open_sell{0};
  int64_t open_orders = 0;
  Price max_order_price{0};  // Highest limit among its open orders here (0 if none).
  Market* market = nullptr;
  bool watched = false;  // Has live entries in market->watch_low/high.
  Price watch_low{0};
  Price watch_high{0};
  uint64_t watch_stamp = 0;
};

struct Account {
  FlatMap<AssetId, Money> wallet;
  FlatMap<MarketId, Position> positions;
  FlatMap<OrderId, uint32_t> orders;  // Live orders by client order id.
};

struct AssetTotals {
  Money deposits{0};
  Money withdrawals{0};
  Money top_ups{0};
  Money insurance{0};
  Money fees{0};
};

using PoolKey = std::pair<AccountId, AssetId>;  // One cross-margin pool.

struct PoolMargin {
  Int128 equity = 0;
  Int128 maintenance = 0;
};

// Rule 6's ranking of one side of a market: score descending, ties by account id.
struct AdlRank {
  int64_t score = 0;
  AccountId account{0};
  Quantity position{0};  // Its Q when scored (not part of the order).
  bool operator<(const AdlRank& other) const {
    if (score != other.score) return score > other.score;
    return account < other.account;
  }
};

// The holders of one market side (account 0 excepted) in rule 6 order, as scored at the current
// marks. Built at the side's first ADL of an input; before each later one, the accounts whose
// positions or wallets changed since (Core::adl_changed_) are re-scored. A cache, not state:
// dropped at the end of every input, since a mark, funding or deposit rescores everyone.
struct AdlIndex {
  std::set<AdlRank> ranked;
  std::unordered_map<AccountId, int64_t> score_of;  // Looked up only, never iterated.
  size_t changes_applied = 0;                       // Prefix of Core::adl_changed_ reflected.
};

// A taker walking the book: the client's order, or account 0's liquidation order.
struct Taker {
  AccountId account{0};
  OrderId order_id{0};
  Side side = Side::kBuy;
  bool has_limit = false;
  Price limit{0};
  bool liquidation = false;
};

class Core {
 public:
  explicit Core(EngineOptions options);
  // tests/engine/book_violation_test.cc plants damage that no input can make.
  friend class CoreTestPeer;

  void Apply(const Input& input, TimeNs time_ns, std::vector<Effect>* effects);
  void CheckInvariants() const;
  // Describes the first broken invariant, or returns an empty string.
  std::string FindViolation() const;
  std::string FindMoneyViolation() const;  // Conservation, open interest, funds, rule 4.
  std::string FindBookViolation() const;   // Books, order index, open quantities.
  std::string FindWatchViolation() const;  // Every holder has live mark watch entries.
  EngineState Export() const;
  // Returns an empty string on success, else what is inconsistent.
  std::string Import(const EngineState& state);

  // Queries.
  const std::unordered_map<AccountId, Account>& accounts() const { return accounts_; }
  // Account ids in ascending order (the only way the engine iterates accounts).
  std::vector<AccountId> SortedAccountIds() const;
  const std::map<MarketId, Market>& markets() const { return markets_; }
  const std::map<AssetId, AssetTotals>& assets() const { return assets_; }
  const Order& order(uint32_t index) const { return orders_[index]; }
  MarginView Margin(AccountId account, AssetId asset) const;

 private:
  // risk_engine.cc: input dispatch, accounts, deposits, withdrawals, markets, marks.
  void DoListMarket(const ListMarket& input);
  void DoChangeMarket(const ChangeMarket& input);
  void DoOpenAccount(const OpenAccount& input);
  void DoDeposit(const Deposit& input);
  void DoWithdraw(const Withdraw& input);
  void DoSetMark(const SetMark& input);
  void DoTopUp(const TopUpInsurance& input);
  void Reject(Rejection reason);
  Rejection ValidateSpec(const MarketSpec& spec) const;
  void AddHoldersToCandidates(const Market& market);

  // book.cc: orders and matching.
  void DoPlaceOrder(const PlaceOrder& input);
  void DoCancelOrder(const CancelOrder& input);
  Rejection ValidateOrder(const PlaceOrder& input, const Market** market) const;
  Quantity DryRunFillable(const Market& market, const Taker& taker, Quantity quantity) const;
  // Walks the book for `taker`. `cap(maker, price, wanted)` may lower each fill (0 stops).
  Quantity Match(Market& market, const Taker& taker, Quantity quantity,
                 const std::function<Quantity(const Order&, Quantity)>& cap,
                 const std::function<void(const Order&, Price, Quantity)>& after_fill);
  void ExecuteFill(Market& market, uint32_t maker_index, const Taker& taker, Quantity quantity);
  void RestOrder(Market& market, const PlaceOrder& input, Quantity quantity);
  void RemoveOrder(uint32_t index);
  void CancelResting(uint32_t index, CancelReason reason);
  uint32_t AllocateOrder();
  // Highest limit price among the account's open orders in `market_id` (0 if none); O(orders).
  Price MaxOrderPrice(const Account& account, MarketId market_id) const;

  // position.cc: rule 9 position and cost-basis moves.
  Position& PositionOf(Account& account, Market& market);
  void ForgetPositionIfEmpty(Account& account, MarketId market_id);
  // Applies a trade of signed `q` lots worth signed `value` (q*p for fills, the quote for ADL).
  // Returns the realized PnL credited to the wallet.
  Int128 ApplyTrade(AccountId account_id, Account& account, Market& market, Quantity q,
                    Int128 value);
  Int128 ApplyTrade(AccountId account_id, Market& market, Quantity q, Int128 value) {
    return ApplyTrade(account_id, accounts_.at(account_id), market, q, value);
  }
  Money& Wallet(Account& account, AssetId asset);

  // margin.cc: rule 2.
 public:
  static Int128 MaintenanceFor(const Market& market, Int128 notional);
  static Int128 InitialFor(const Market& market, Int128 notional);
  static Int128 PositionMaintenance(const Position& position);
  Int128 Equity(const Account& account, AssetId asset) const;
  PoolMargin PoolFigures(const Account& account, AssetId asset) const;
  // IM of all positions and open orders of the pool, plus an optional hypothetical order.
  // Returns false if a worst-case notional exceeds kMaxNotional.
  bool InitialMargin(const Account& account, AssetId asset, const PlaceOrder* extra,
                     Price extra_valuation, Int128* initial) const;

 private:
  // liquidation.cc: rules 4 and 5.
  void RunLiquidationLoop();
  // Re-derives the pool's mark watch entries from its figures at current marks.
  void RefreshWatch(const PoolKey& pool, const PoolMargin& figures);
  void Unwatch(AccountId account_id, Position& position);
  // The position an entry of `market` watches, if the entry is live; else nullptr.
  Position* WatchedPosition(const WatchEntry& entry, MarketId market_id);
  // Touches the holders whose watch interval the market's new mark leaves.
  void PopCrossedWatches(Market& market);
  void CompactWatches(Market& market);
  void Touch(AccountId account_id, AssetId asset) { candidates_.emplace_back(account_id, asset); }
  void Liquidate(AccountId account_id, AssetId asset);
  void LiquidateMarketPosition(Market& market, AccountId liquidated, Price limit);
  Quantity PhaseBCap(const Market& market, const Order& maker, Quantity wanted) const;
  void SettleLiquidationFill(Market& market, AccountId liquidated, const Order& maker, Price price,
                             Quantity quantity, LiquidationPhase phase);

  // adl.cc: rule 6.
  void RunAdl(Market& market, AccountId liquidated, Price bankruptcy_price);
  // Moves account 0's leftover cash after an ADL (its rounding residue, >= 0) to the fund.
  void CreditAdlResidue(AssetId asset);
  // Moves x lots between account 0 and `counterparty` at the share of account 0's remaining
  // cost basis (rounded against the counterparty); returns the quote, sets its gain vs mark.
  Int128 SettleAdlReduction(Market& market, AccountId counterparty, Quantity x, Int128* gain);
  int64_t AdlScore(const Market& market, AccountId account, const Position& position) const;
  // The figures AdlScore uses, as an AdlReduction records them.
  AdlScoreInputs AdlScoreInputsOf(const Market& market, AccountId account,
                                  const Position& position) const;
  // The AdlQueue effect of a ranking: the top entries, the commitment to all of it, and with
  // list_full_adl_queue every entry.
  AdlQueue ListAdlQueue(const Market& market, const AdlIndex& ranking, AccountId liquidated,
                        bool zero_long, uint32_t queue_length, Quantity total);
  // The rule 6 ranking of the market's longs (or shorts) now, built or brought up to date.
  const AdlIndex& UpdatedAdlIndex(const Market& market, bool longs);

  // funding.cc: rule 8.
  void DoFundingTick(const FundingTick& input);

  void Emit(Effect effect) { effects_->push_back(std::move(effect)); }
  Money& InsuranceOf(AssetId asset) { return assets_[asset].insurance; }

  EngineOptions options_;
  std::map<MarketId, Market> markets_;
  // Looked up only; every iteration goes through SortedAccountIds() (deterministic order).
  std::unordered_map<AccountId, Account> accounts_;
  std::map<AssetId, AssetTotals> assets_;
  std::vector<Order> orders_;
  std::vector<uint32_t> free_orders_;
  // Pools whose equity or MM may have fallen in this input (duplicates allowed).
  std::vector<PoolKey> candidates_;
  // This input's rule 6 indexes by (market, longs?), and every account ApplyTrade changed since
  // the first of them was built (duplicates allowed). Both are emptied after every input.
  std::map<std::pair<MarketId, bool>, AdlIndex> adl_indexes_;
  std::vector<AccountId> adl_changed_;
  OrderId next_internal_order_id_{1};
  uint64_t next_watch_stamp_ = 1;  // Cache bookkeeping, not state.
  TimeNs last_time_ns_ = 0;
  std::vector<Effect>* effects_ = nullptr;
};

}  // namespace engine::internal
