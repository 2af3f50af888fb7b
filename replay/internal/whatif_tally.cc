// HistoryTally (whatif_tally.h): one set of counters fed by engine effects or logged records.

#include "replay/internal/whatif_tally.h"

#include <algorithm>
#include <limits>
#include <variant>

#include "ledger/event_codec.h"
#include "ledger/schema/event.capnp.h"

namespace replay::internal {

namespace {

constexpr int64_t kNsPerMinute = 60'000'000'000;

// a + b, saturated to int64 (the sums are display figures; each term fits).
int64_t SatAdd(int64_t a, __int128 b) {
  const __int128 sum = __int128{a} + b;
  if (sum > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (sum < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(sum);
}

__int128 Notional(int64_t quantity, int64_t price) {
  const __int128 q = quantity < 0 ? -__int128{quantity} : __int128{quantity};
  return q * price;
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
    const auto fund = funds_.find(report_asset_);
    bucket.fund_end = fund == funds_.end() ? 0 : fund->second.end;
    bucket.fund_low = bucket.fund_end;
    bucket.mark_last = mark_;
    minutes.push_back(bucket);
  }
  return &minutes.back();
}

void HistoryTally::Mark(int64_t time_ns, engine::MarketId market, engine::Price price) {
  if (!report_market_ || market != *report_market_) return;
  mark_ = price;
  if (MinuteBucket* bucket = Bucket(time_ns)) bucket->mark_last = price;
}

void HistoryTally::Liquidation(int64_t time_ns, engine::AccountId account,
                               engine::Quantity position, engine::Price mark) {
  ++outcome_.liquidations;
  const __int128 notional = Notional(position, mark);
  outcome_.liquidated_notional = SatAdd(outcome_.liquidated_notional, notional);
  ++accounts_[account].liquidations;
  if (MinuteBucket* bucket = Bucket(time_ns)) {
    ++bucket->liquidations;
    bucket->liquidated_notional = SatAdd(bucket->liquidated_notional, notional);
  }
}

void HistoryTally::Phase(engine::LiquidationPhase phase, engine::Quantity quantity) {
  engine::Quantity* total = phase == engine::LiquidationPhase::kA ? &outcome_.phase_a_quantity
                                                                  : &outcome_.phase_b_quantity;
  *total = SatAdd(*total, quantity);
}

void HistoryTally::Fund(int64_t time_ns, engine::AssetId asset, engine::Money balance_after,
                        bool draw) {
  auto [it, inserted] = funds_.try_emplace(asset, FundPath{asset, 0, 0, 0});
  FundPath& path = it->second;
  path.end = balance_after;
  // The low is over the balances movements left (the start counts only if nothing moved, so
  // that a fund empty before its first top-up at genesis does not read as a low of 0).
  path.low = moved_.insert(asset).second ? balance_after : std::min(path.low, balance_after);
  if (draw) ++outcome_.fund_draws;
  if (asset != report_asset_) return;
  if (MinuteBucket* bucket = Bucket(time_ns)) {
    bucket->fund_end = balance_after;
    bucket->fund_low = std::min(bucket->fund_low, balance_after);
  }
}

void HistoryTally::Adl(int64_t time_ns, engine::AccountId counterparty, engine::Quantity quantity,
                       engine::Price price) {
  ++outcome_.adl_reductions;
  outcome_.phase_c_quantity = SatAdd(outcome_.phase_c_quantity, quantity);
  const __int128 notional = Notional(quantity, price);
  outcome_.adl_notional = SatAdd(outcome_.adl_notional, notional);
  PerAccount& account = accounts_[counterparty];
  ++account.adl_reductions;
  account.adl_quantity = SatAdd(account.adl_quantity, quantity);
  if (MinuteBucket* bucket = Bucket(time_ns)) {
    ++bucket->adl_reductions;
    bucket->adl_notional = SatAdd(bucket->adl_notional, notional);
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
