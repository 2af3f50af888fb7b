// HistoryTally (whatif_tally.h): one set of counters fed by engine effects or logged records.

#include "replay//internal/whatif_tally.h"

#include <algorithm>
#include <limits>
#include <variant>

#include "base/assert.h"
#include "base/strong_type_fmt.h"
#include "ledger/event_codec.h"
#include "ledger/schema/event.capnp.h"

namespace replay::internal {

namespace {

constexpr int64_t kNsPerMinute = 60'000'000'000;

// a + b, saturated to int64 (the sums are display figures; each term fits).
template <class T>
T SatAdd(T a, __int128 b) {
  return engine::Saturated<T>(engine::Wide(a) + b);
}
template <class T>
T SatAdd(T a, T b) {
  return SatAdd(a, engine::Wide(b));
}

// |quantity| * price, exact.
__int128 AbsNotional(engine::Quantity quantity, engine::Price price) {
  return engine::Abs128(quantity) * engine::Wide(price);
}

// Floor division for the minute of a stamp (stamps before 1970 stay ordered).
int64_t MinuteOf(int64_t time_ns) {
  return time_ns >= 0 ? time_ns / kNsPerMinute : -((-time_ns + kNsPerMinute - 1) / kNsPerMinute);
}

}  // namespace

void HistoryTally::Start(const engine::EngineState& state) {
  for (const engine::AssetState& asset : state.assets) {
    const engine::Money fund = asset.insurance_fund;
    funds_[asset.asset] = FundPath{asset.asset, fund, fund, fund};
  }
}

void HistoryTally::StartLater(engine::MarketId market, engine::AssetId asset) {
  SetReportMarket(market, asset);
  fund_known_ = false;
  mark_known_ = false;
}

void HistoryTally::SetReportMarket(engine::MarketId market, engine::AssetId asset) {
  report_market_ = market;
  report_asset_ = asset;
}

MinuteBucket* HistoryTally::Bucket(int64_t time_ns) {
  if (!keep_minutes_) return nullptr;
  const int64_t minute = MinuteOf(time_ns);
  std::vector<MinuteBucket>& minutes = outcome_.minutes;
  if (minutes.empty() || minutes.back().minute < minute) {
    MinuteBucket bucket;
    bucket.minute = minute;
    if (fund_known_) {
      const auto fund = funds_.find(report_asset_);
      bucket.fund_end = fund == funds_.end() ? engine::Money{0} : fund->second.end;
      bucket.fund_low = bucket.fund_end;
    } else {
      // The start is added by ResolveCarry; until then the low is over the moves only.
      bucket.fund_low = std::numeric_limits<engine::Money>::max();
      ++fund_carry_buckets_;
    }
    if (mark_known_) {
      bucket.mark_last = mark_;
    } else {
      ++mark_carry_buckets_;
    }
    minutes.push_back(bucket);
  }
  return &minutes.back();
}

void HistoryTally::Mark(int64_t time_ns, engine::MarketId market, engine::Price price) {
  if (!report_market_ || market != *report_market_) return;
  mark_ = price;
  mark_known_ = true;
  if (MinuteBucket* bucket = Bucket(time_ns)) {
    if (outcome_.minutes.size() == mark_carry_buckets_) mark_set_in_carry_ = true;
    bucket->mark_last = price;
  }
}

void HistoryTally::Liquidation(int64_t time_ns, engine::AccountId account,
                               engine::Quantity position, engine::Price mark) {
  ++outcome_.liquidations;
  const __int128 notional = AbsNotional(position, mark);
  outcome_.liquidated_notional = engine::Money{SatAdd(outcome_.liquidated_notional, notional)};
  ++accounts_[account].liquidations;
  if (MinuteBucket* bucket = Bucket(time_ns)) {
    ++bucket->liquidations;
    bucket->liquidated_notional = engine::Money{SatAdd(bucket->liquidated_notional, notional)};
  }
}

void HistoryTally::Phase(engine::LiquidationPhase phase, engine::Quantity quantity) {
  engine::Quantity* total = phase == engine::LiquidationPhase::kA ? &outcome_.phase_a_quantity
                                                                  : &outcome_.phase_b_quantity;
  *total = SatAdd(*total, quantity);
}

void HistoryTally::Fund(int64_t time_ns, engine::AssetId asset, engine::Money balance_after,
                        bool draw) {
  auto [it, inserted] = funds_.try_emplace(
      asset, FundPath{asset, engine::Money{0}, engine::Money{0}, engine::Money{0}});
  FundPath& path = it->second;
  path.end = balance_after;
  // The low is over the balances movements left (the start counts only if nothing moved, so
  // that a fund empty before its first top-up at genesis does not read as a low of 0).
  path.low = moved_.insert(asset).second ? balance_after : std::min(path.low, balance_after);
  if (draw) ++outcome_.fund_draws;
  if (asset != report_asset_) return;
  fund_known_ = true;
  if (MinuteBucket* bucket = Bucket(time_ns)) {
    if (outcome_.minutes.size() == fund_carry_buckets_) fund_moved_in_carry_ = true;
    bucket->fund_end = balance_after;
    bucket->fund_low = std::min(bucket->fund_low, balance_after);
  }
}

void HistoryTally::Adl(int64_t time_ns, engine::AccountId counterparty, engine::Quantity quantity,
                       engine::Price price) {
  ++outcome_.adl_reductions;
  outcome_.phase_c_quantity = SatAdd(outcome_.phase_c_quantity, quantity);
  const __int128 notional = AbsNotional(quantity, price);
  outcome_.adl_notional = engine::Money{SatAdd(outcome_.adl_notional, notional)};
  PerAccount& account = accounts_[counterparty];
  ++account.adl_reductions;
  account.adl_quantity = SatAdd(account.adl_quantity, quantity);
  if (MinuteBucket* bucket = Bucket(time_ns)) {
    ++bucket->adl_reductions;
    bucket->adl_notional = engine::Money{SatAdd(bucket->adl_notional, notional)};
  }
}

void HistoryTally::Transfer(engine::AccountId account, engine::AssetId asset,
                            engine::Money amount) {
  EndGroup();
  if (asset == report_asset_) pending_ = PendingTransfer{account, amount, false};
}

void HistoryTally::EndGroup() {
  if (pending_ && !pending_->refused) {
    PerAccount& account = accounts_[pending_->account];
    account.net_transfers = SatAdd(account.net_transfers, pending_->amount);
  }
  pending_.reset();
}

void HistoryTally::Effect(int64_t time_ns, const engine::Effect& effect) {
  if (pending_ && std::holds_alternative<engine::InputRejected>(effect)) pending_->refused = true;
  if (const auto* liquidation = std::get_if<engine::Liquidation>(&effect)) {
    Liquidation(time_ns, liquidation->account, liquidation->position, liquidation->mark_price);
  } else if (const auto* fill = std::get_if<engine::LiquidationFill>(&effect)) {
    Phase(fill->phase, fill->quantity);
  } else if (const auto* credit = std::get_if<engine::InsuranceFundCredit>(&effect)) {
    Fund(time_ns, credit->asset, credit->balance_after, false);
  } else if (const auto* draw = std::get_if<engine::InsuranceFundDraw>(&effect)) {
    Fund(time_ns, draw->asset, draw->balance_after, true);
  } else if (const auto* adl = std::get_if<engine::AdlReduction>(&effect)) {
    Adl(time_ns, adl->counterparty_account, adl->quantity, adl->price);
  } else if (const auto* loss = std::get_if<engine::SocializedLoss>(&effect)) {
    outcome_.socialized_loss = SatAdd(outcome_.socialized_loss, loss->amount);
  }
}

void HistoryTally::Record(const ledger::LogRecord& record) {
  if (ledger::IsInput(record.event())) return;
  // One reading of a logged effect for both sides: the engine's struct, as Effect() counts the
  // derived ones. A record that does not decode counts nothing (the audit reports it).
  auto effect = ledger::DecodeEffect(record.event());
  if (effect.ok()) Effect(record.time_ns(), *effect);
}

void HistoryTally::ResolveCarry(engine::Money fund, engine::Price mark) {
  std::vector<MinuteBucket>& minutes = outcome_.minutes;
  for (size_t i = 0; i < fund_carry_buckets_; ++i) {
    minutes[i].fund_low = std::min(minutes[i].fund_low, fund);
    if (i + 1 < fund_carry_buckets_ || !fund_moved_in_carry_) minutes[i].fund_end = fund;
  }
  for (size_t i = 0; i < mark_carry_buckets_; ++i) {
    if (i + 1 < mark_carry_buckets_ || !mark_set_in_carry_) minutes[i].mark_last = mark;
  }
  fund_carry_buckets_ = 0;
  mark_carry_buckets_ = 0;
}

bool HistoryTally::Append(HistoryTally later) {
  BACKSTOP_ASSERT(fund_known_ && mark_known_);  // Tallies are appended in order.
  BACKSTOP_ASSERT(later.report_market_ == report_market_ && later.report_asset_ == report_asset_);
  std::vector<MinuteBucket>& minutes = outcome_.minutes;
  std::vector<MinuteBucket>& more = later.outcome_.minutes;
  if (!minutes.empty() && !more.empty() && more.front().minute < minutes.back().minute) {
    return false;
  }
  EndGroup();
  later.EndGroup();
  const auto fund = funds_.find(report_asset_);
  later.ResolveCarry(fund == funds_.end() ? engine::Money{0} : fund->second.end, mark_);
  auto next = more.begin();
  if (!minutes.empty() && next != more.end() && next->minute == minutes.back().minute) {
    // One minute split between the two: what one tally would have put in one bucket.
    MinuteBucket& bucket = minutes.back();
    bucket.liquidations += next->liquidations;
    bucket.adl_reductions += next->adl_reductions;
    bucket.liquidated_notional = SatAdd(bucket.liquidated_notional, next->liquidated_notional);
    bucket.adl_notional = SatAdd(bucket.adl_notional, next->adl_notional);
    bucket.fund_end = next->fund_end;
    bucket.fund_low = std::min(bucket.fund_low, next->fund_low);
    bucket.mark_last = next->mark_last;
    ++next;
  }
  minutes.insert(minutes.end(), next, more.end());
  // Each sum's terms are >= 0 (so saturating is associative) except net transfers, which
  // would differ only past int64 (no accepted deposit gets there).
  const HistoryOutcome& add = later.outcome_;
  outcome_.liquidations += add.liquidations;
  outcome_.phase_a_quantity = SatAdd(outcome_.phase_a_quantity, add.phase_a_quantity);
  outcome_.phase_b_quantity = SatAdd(outcome_.phase_b_quantity, add.phase_b_quantity);
  outcome_.phase_c_quantity = SatAdd(outcome_.phase_c_quantity, add.phase_c_quantity);
  outcome_.liquidated_notional = SatAdd(outcome_.liquidated_notional, add.liquidated_notional);
  outcome_.adl_reductions += add.adl_reductions;
  outcome_.adl_notional = SatAdd(outcome_.adl_notional, add.adl_notional);
  outcome_.socialized_loss = SatAdd(outcome_.socialized_loss, add.socialized_loss);
  outcome_.fund_draws += add.fund_draws;
  // `later` holds the funds it moved only: their lows and ends are balances, not deltas.
  for (const auto& [asset, path] : later.funds_) {
    FundPath& mine = funds_
                         .try_emplace(asset, FundPath{asset, engine::Money{0}, engine::Money{0},
                                                      engine::Money{0}})
                         .first->second;
    mine.end = path.end;
    mine.low = moved_.insert(asset).second ? path.low : std::min(mine.low, path.low);
  }
  for (const auto& [id, counts] : later.accounts_) {
    PerAccount& account = accounts_[id];
    account.net_transfers = SatAdd(account.net_transfers, counts.net_transfers);
    account.liquidations += counts.liquidations;
    account.adl_reductions += counts.adl_reductions;
    account.adl_quantity = SatAdd(account.adl_quantity, counts.adl_quantity);
  }
  if (later.mark_known_) mark_ = later.mark_;
  return true;
}

HistoryOutcome HistoryTally::Finish(std::map<engine::AccountId, AccountOutcome>* accounts,
                                    int side) {
  EndGroup();
  HistoryOutcome outcome = outcome_;
  for (const auto& [asset, path] : funds_) outcome.funds.push_back(path);
  for (const auto& [id, counts] : accounts_) {
    AccountOutcome& account = (*accounts)[id];
    account.account = id;
    account.net_transfers[side] = counts.net_transfers;
    account.liquidations[side] = counts.liquidations;
    account.adl_reductions[side] = counts.adl_reductions;
    account.adl_quantity[side] = counts.adl_quantity;
  }
  for (const auto& [id, counts] : accounts_) {
    if (counts.adl_reductions > 0) ++outcome.adl_accounts_hit;
  }
  return outcome;
}

}  // namespace replay::internal
