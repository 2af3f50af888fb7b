// RULEBOOK rule 6: auto-deleveraging. The queue of opposite-side positions is ranked once per
// liquidated position (score descending, ties by account id) and reduced from the top at the
// bankruptcy quote; pro-rata splits by size instead. Scores are exact integers (docs/ENGINE.md).

#include <algorithm>
#include <array>
#include <span>

#include "engine/internal/core.h"
#include "engine/internal/wide.h"
#include "engine/risk_math.h"

namespace engine {

namespace {
constexpr Int128 kScoreE6 = 1'000'000;
constexpr Int128 kScoreE12 = 1'000'000'000'000;
}  // namespace

int64_t BitmexScoreE12(Quantity q, Money cost, Price mark, Int128 equity) {
  using internal::MulDivFloor;
  const Int128 notional = Abs128(q) * Wide(mark);
  const Int128 pnl = Notional(q, mark) - Wide(cost);
  const Int128 pnl_e12 = MulDivFloor(pnl, kScoreE12, std::max<Int128>(Abs128(cost), 1));
  const Int128 lev_e6 = MulDivFloor(notional, kScoreE6, std::max<Int128>(equity, 1));
  const Int128 score = pnl >= 0 ? MulDivFloor(pnl_e12, lev_e6, kScoreE6)
                                : MulDivFloor(pnl_e12, kScoreE6, std::max<Int128>(lev_e6, 1));
  return SaturateInt64(score);
}

int64_t BinanceLeveragePnlScoreE12(Quantity q, Money cost, Price mark, Money wallet_balance,
                                   Int128 maintenance, Int128 equity) {
  using internal::MulDivFloor;
  const Int128 pnl = Notional(q, mark) - Wide(cost);
  const Int128 pnl_e12 =
      MulDivFloor(std::max<Int128>(pnl, 0), kScoreE12, std::max<Int128>(Wide(wallet_balance), 1));
  const Int128 ratio_e6 = equity > 0 ? MulDivFloor(maintenance, kScoreE6, equity) : 0;
  return SaturateInt64(MulDivFloor(pnl_e12, ratio_e6, kScoreE6));
}

int64_t HyperliquidScoreE12(Quantity q, Money cost, Price mark, Int128 equity) {
  using internal::MulDivFloor;
  const Int128 notional = Abs128(q) * Wide(mark);
  const Int128 ratio_e6 = q > 0
                              ? MulDivFloor(notional, kScoreE6, std::max<Int128>(Abs128(cost), 1))
                              : MulDivFloor(Abs128(cost), kScoreE6, std::max<Int128>(notional, 1));
  const Int128 lev_e6 = MulDivFloor(notional, kScoreE6, std::max<Int128>(equity, 1));
  return SaturateInt64(MulDivFloor(ratio_e6, lev_e6, 1));
}

int64_t ProRataScore(Quantity q) { return Abs(q).value(); }

int64_t AdlScoreOf(AdlPolicy policy, const AdlScoreInputs& in) {
  switch (policy) {
    case AdlPolicy::kBitmex:
      return BitmexScoreE12(in.position, in.cost, in.mark, Wide(in.equity));
    case AdlPolicy::kBinanceLeveragePnl:
      return BinanceLeveragePnlScoreE12(in.position, in.cost, in.mark, in.wallet,
                                        Wide(in.maintenance), Wide(in.equity));
    case AdlPolicy::kProRata:
      return ProRataScore(in.position);
    case AdlPolicy::kHyperliquid:
      return HyperliquidScoreE12(in.position, in.cost, in.mark, Wide(in.equity));
  }
  return 0;  // An enum value outside the policies (a decoded record): no score.
}

}  // namespace engine

namespace engine::internal {

namespace {

struct QueueEntry {
  AccountId account{0};
  int64_t score = 0;
  Quantity position{0};
  Quantity take{0};
};

// The commitment to a whole ranking: SHA-256 over (account, score, position) of every entry in
// order, each as 8-byte big-endian two's complement, hashed in chunks of kChunkEntries.
class RankingHasher {
 public:
  void Add(AccountId account, int64_t score, Quantity position) {
    for (const uint64_t value :
         {account.value(), static_cast<uint64_t>(score), static_cast<uint64_t>(position.value())}) {
      for (int shift = 56; shift >= 0; shift -= 8) {
        buffer_[used_++] = static_cast<uint8_t>(value >> shift);
      }
    }
    if (used_ == buffer_.size()) Flush();
  }
  base::Sha256Digest Finish() {
    Flush();
    return sha_.Finish();
  }

 private:
  static constexpr size_t kChunkEntries = 256;
  void Flush() {
    sha_.Update(std::span<const uint8_t>(buffer_.data(), used_));
    used_ = 0;
  }
  base::Sha256 sha_;
  std::array<uint8_t, kChunkEntries * 24> buffer_{};
  size_t used_ = 0;
};

// A queue length or 1-based rank as the schema's UInt32 (checked: the log cannot hold more).
uint32_t QueueCount(size_t count) {
  BACKSTOP_ASSERT(count <= UINT32_MAX, count);
  return static_cast<uint32_t>(count);
}

// Sequential (queue) allocation: min(remaining, |Q|) from the top.
void AllocateQueue(std::vector<QueueEntry>* queue, Quantity total) {
  Quantity remaining = total;
  for (QueueEntry& entry : *queue) {
    entry.take = std::min(remaining, Abs(entry.position));
    remaining -= entry.take;
  }
}

// Pro-rata: floor(X*|Q_j|/S) each, then one more lot to the largest remainders
// (ties by queue order) until X is covered.
void AllocateProRata(std::vector<QueueEntry>* queue, Quantity total) {
  Int128 sum = 0;
  for (const QueueEntry& entry : *queue) sum += Abs128(entry.position);
  if (sum == 0) return;
  std::vector<std::pair<Int128, size_t>> remainders;
  Quantity assigned{0};
  for (size_t i = 0; i < queue->size(); ++i) {
    const Int128 scaled = Wide(total) * Abs128((*queue)[i].position);
    (*queue)[i].take = Narrow<Quantity>(scaled / sum);
    assigned += (*queue)[i].take;
    remainders.emplace_back(scaled % sum, i);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; assigned < total && k < remainders.size(); ++k) {
    (*queue)[remainders[k].second].take += Quantity{1};
    assigned += Quantity{1};
  }
  BACKSTOP_ASSERT(assigned == total, assigned, total);
}

// Verify mode: `queue`, taken from the index, is the top of a fresh ranking of the `holders`
// on the counterparty side (but account 0 and the liquidated one), in ascending id, stably
// sorted by score. `entry(holder)` scores a holder now, with position 0 if not on that side.
template <typename Entry>
void VerifyQueue(const std::vector<QueueEntry>& queue, int64_t queue_length,
                 const std::set<AccountId>& holders, bool longs, AccountId liquidated,
                 Entry&& entry) {
  std::vector<QueueEntry> fresh;
  for (const AccountId holder : holders) {
    if (holder == kLiquidationAccount || holder == liquidated) continue;
    const QueueEntry scored = entry(holder);
    if (longs ? scored.position > 0 : scored.position < 0) fresh.push_back(scored);
  }
  std::stable_sort(fresh.begin(), fresh.end(),
                   [](const QueueEntry& a, const QueueEntry& b) { return a.score > b.score; });
  BACKSTOP_ASSERT(static_cast<int64_t>(fresh.size()) == queue_length, fresh.size(), queue_length);
  BACKSTOP_ASSERT(queue.size() <= fresh.size(), queue.size(), fresh.size());
  for (size_t i = 0; i < queue.size(); ++i) {
    BACKSTOP_ASSERT(fresh[i].account == queue[i].account, i, fresh[i].account, queue[i].account);
    BACKSTOP_ASSERT(fresh[i].score == queue[i].score, i, fresh[i].score, queue[i].score);
    BACKSTOP_ASSERT(fresh[i].position == queue[i].position, i, fresh[i].position);
  }
}

}  // namespace

int64_t Core::AdlScore(const Market& market, AccountId account_id, const Position& position) const {
  const Account& account = accounts_.at(account_id);
  const AssetId asset = market.spec.quote_asset;
  const PoolMargin figures = PoolFigures(account, asset);
  switch (market.spec.adl_policy) {
    case AdlPolicy::kBitmex:
      return BitmexScoreE12(position.q, position.c, market.mark, figures.equity);
    case AdlPolicy::kBinanceLeveragePnl: {
      const auto wallet = account.wallet.find(asset);
      const Money balance = wallet == account.wallet.end() ? Money{0} : wallet->second;
      return BinanceLeveragePnlScoreE12(position.q, position.c, market.mark, balance,
                                        figures.maintenance, figures.equity);
    }
    case AdlPolicy::kProRata:
      return ProRataScore(position.q);
    case AdlPolicy::kHyperliquid:
      return HyperliquidScoreE12(position.q, position.c, market.mark, figures.equity);
  }
  BACKSTOP_ASSERT(false, static_cast<int>(market.spec.adl_policy));
  return 0;
}

AdlScoreInputs Core::AdlScoreInputsOf(const Market& market, AccountId account_id,
                                      const Position& position) const {
  const Account& account = accounts_.at(account_id);
  const AssetId asset = market.spec.quote_asset;
  const PoolMargin figures = PoolFigures(account, asset);
  const auto wallet = account.wallet.find(asset);
  return AdlScoreInputs{position.q,
                        position.c,
                        market.mark,
                        Saturated<Money>(figures.equity),
                        wallet == account.wallet.end() ? Money{0} : wallet->second,
                        Saturated<Money>(figures.maintenance)};
}

AdlQueue Core::ListAdlQueue(const Market& market, const AdlIndex& ranking, AccountId liquidated,
                            bool zero_long, uint32_t queue_length, Quantity total) {
  AdlQueue listing;
  listing.market = market.spec.market_id;
  listing.liquidated_account = liquidated;
  listing.counterparty_side = zero_long ? Side::kSell : Side::kBuy;
  listing.policy = market.spec.adl_policy;
  listing.queue_length = queue_length;
  listing.quantity_to_cover = total;
  listing.fund_balance = InsuranceOf(market.spec.quote_asset);
  RankingHasher hasher;
  size_t position = 0;
  for (const AdlRank& rank : ranking.ranked) {
    if (rank.account == liquidated) continue;
    hasher.Add(rank.account, rank.score, rank.position);
    const AdlQueueEntry entry{rank.account, rank.score, rank.position, QueueCount(++position)};
    if (position <= static_cast<size_t>(kAdlQueueTopK)) listing.top.push_back(entry);
    if (options_.list_full_adl_queue) listing.full.push_back(entry);
  }
  listing.ranking_sha256 = hasher.Finish();
  return listing;
}

const AdlIndex& Core::UpdatedAdlIndex(const Market& market, bool longs) {
  const MarketId market_id = market.spec.market_id;
  const auto [it, built] = adl_indexes_.try_emplace({market_id, longs});
  AdlIndex& index = it->second;
  // Scores and adds `account` if it holds this side (account 0 never counts).
  auto add = [&](AccountId account) {
    if (account == kLiquidationAccount) return;
    const auto& positions = accounts_.at(account).positions;
    const auto found = positions.find(market_id);
    if (found == positions.end()) return;
    const Position& position = found->second;
    if (longs ? position.q <= 0 : position.q >= 0) return;
    const int64_t score = AdlScore(market, account, position);
    const bool inserted = index.ranked.insert({score, account, position.q}).second;
    BACKSTOP_ASSERT(inserted, account, score);
    index.score_of.emplace(account, score);
  };
  if (built) {  // One pass over the holders per input and side.
    for (const AccountId holder : market.holders) add(holder);
    index.changes_applied = adl_changed_.size();
    return index;
  }
  // Only these accounts' positions or wallets moved since: every other score is as it was.
  for (; index.changes_applied < adl_changed_.size(); ++index.changes_applied) {
    const AccountId account = adl_changed_[index.changes_applied];
    if (const auto old = index.score_of.find(account); old != index.score_of.end()) {
      const size_t erased = index.ranked.erase({old->second, account, Quantity{0}});
      BACKSTOP_ASSERT(erased == 1, account, old->second);
      index.score_of.erase(old);
    }
    add(account);
  }
  BACKSTOP_ASSERT(index.ranked.size() == index.score_of.size(), market_id, index.score_of.size());
  return index;
}

Int128 Core::SettleAdlReduction(Market& market, AccountId counterparty, Quantity x, Int128* gain) {
  const Position& zero_position =
      accounts_.at(kLiquidationAccount).positions.at(market.spec.market_id);
  const Int128 size = Abs128(zero_position.q);
  const Int128 cost = Wide(zero_position.c);
  const bool zero_long = zero_position.q > 0;
  const bool last = Wide(x) == size;
  const Int128 at_mark = Notional(x, market.mark);
  Int128 quote = 0;
  if (zero_long) {  // The short counterparty buys x lots and pays its share, rounded up.
    quote = last ? cost : DivCeil(cost * Wide(x), size);
    ApplyTrade(counterparty, market, x, quote);
    ApplyTrade(kLiquidationAccount, market, -x, -quote);
    *gain = at_mark - quote;
  } else {  // The long counterparty sells x lots and receives its share, rounded down.
    quote = last ? -cost : DivFloor(-cost * Wide(x), size);
    ApplyTrade(counterparty, market, -x, -quote);
    ApplyTrade(kLiquidationAccount, market, x, quote);
    *gain = quote - at_mark;
  }
  return quote;
}

void Core::RunAdl(Market& market, AccountId liquidated, Price bankruptcy_price) {
  const MarketId market_id = market.spec.market_id;
  const AssetId asset = market.spec.quote_asset;
  Account& zero = accounts_.at(kLiquidationAccount);
  const Quantity total = Abs(zero.positions.at(market_id).q);
  const bool zero_long = zero.positions.at(market_id).q > 0;  // Then counterparties are short.
  // The queue from its top: all of it for pro-rata, else the listed top K and every entry the
  // reductions reach (the rest would take nothing).
  const AdlIndex& ranking = UpdatedAdlIndex(market, !zero_long);
  const bool pro_rata = market.spec.adl_policy == AdlPolicy::kProRata;
  const uint32_t queue_length =
      QueueCount(ranking.ranked.size() - ranking.score_of.count(liquidated));
  std::vector<QueueEntry> queue;
  Quantity uncovered = total;
  for (const AdlRank& rank : ranking.ranked) {
    if (!pro_rata && uncovered == 0 && queue.size() >= static_cast<size_t>(kAdlQueueTopK)) break;
    if (rank.account == liquidated) continue;
    BACKSTOP_ASSERT(zero_long ? rank.position < 0 : rank.position > 0, rank.account);
    queue.push_back({rank.account, rank.score, rank.position, Quantity{0}});
    uncovered -= std::min(uncovered, Abs(rank.position));
  }
  if (options_.verify_invariants) {
    VerifyQueue(queue, queue_length, market.holders, !zero_long, liquidated, [&](AccountId holder) {
      const Position& position = accounts_.at(holder).positions.at(market_id);
      return QueueEntry{holder, AdlScore(market, holder, position), position.q, Quantity{0}};
    });
  }
  if (pro_rata) {
    AllocateProRata(&queue, total);
  } else {
    AllocateQueue(&queue, total);
  }
  Emit(ListAdlQueue(market, ranking, liquidated, zero_long, queue_length, total));
  Quantity remaining = total;
  for (size_t i = 0; i < queue.size(); ++i) {
    const QueueEntry& entry = queue[i];
    if (entry.take == 0) continue;
    const Quantity x = entry.take;
    // Its figures as ranked: earlier reductions moved only other accounts and account 0.
    const AdlScoreInputs inputs = AdlScoreInputsOf(
        market, entry.account, accounts_.at(entry.account).positions.at(market_id));
    BACKSTOP_ASSERT(inputs.position == entry.position, entry.account, inputs.position);
    const bool saturated =
        inputs.equity == INT64_MAX || inputs.equity == INT64_MIN || inputs.maintenance == INT64_MAX;
    BACKSTOP_ASSERT(saturated || AdlScoreOf(market.spec.adl_policy, inputs) == entry.score,
                    entry.account, entry.score);
    Int128 gain = 0;
    const Int128 quote = SettleAdlReduction(market, entry.account, x, &gain);
    Emit(AdlReduction{market_id, liquidated, entry.account, x, bankruptcy_price,
                      Narrow<Money>(quote), entry.score, QueueCount(i + 1), queue_length, remaining,
                      Narrow<Money>(-gain), InsuranceOf(asset), Narrow<Money>(gain), inputs});
    remaining -= x;
    std::vector<uint32_t> to_cancel;
    for (const auto& [order_id, index] : accounts_.at(entry.account).orders) {
      if (orders_[index].market == market_id) to_cancel.push_back(index);
    }
    for (const uint32_t index : to_cancel) CancelResting(index, CancelReason::kAdl);
    Touch(entry.account, asset);
  }
  // Rule 10: ADL at the bankruptcy quote always covers everything.
  BACKSTOP_ASSERT(remaining == 0, market_id, remaining);
  CreditAdlResidue(asset);
}

void Core::CreditAdlResidue(AssetId asset) {
  Money& residue = Wallet(accounts_.at(kLiquidationAccount), asset);
  BACKSTOP_ASSERT(residue >= 0, residue);
  if (residue > 0) {
    Money& fund = InsuranceOf(asset);
    AddOrDie(&fund, residue);
    Emit(InsuranceFundCredit{asset, residue, CreditReason::kAdlResidue, fund});
    residue = Money{0};
  }
}

}  // namespace engine::internal
