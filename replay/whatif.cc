// What-if (see whatif.h): the replay loop's what-if mode, with the inputs rewritten under the
// changed parameters and both histories tallied side by side.

#include "replay/whatif.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <variant>

#include "base/strong_type_fmt.h"
#include "replay/internal/whatif_tally.h"
#include "replay/internal/whatif_window.h"
#include "replay/recovery.h"

namespace replay {

using base::Status;
using ledger::SequenceNumber;

namespace {

constexpr int64_t kRateOne = 100'000'000;  // 1.0 as a rate e8.
constexpr int64_t kMaxPct = 1'000'000;     // The largest scale accepted, in percent.

// value * pct / 100 rounded down (the fund: payouts round down).
engine::Money ScaleDown(engine::Money value, int64_t pct) {
  return engine::Narrow<engine::Money>(engine::Wide(value) * pct / 100);
}

engine::RiskTier ScaleTier(engine::RiskTier tier, int64_t pct) {
  const __int128 scaled = (__int128{tier.mmr_e8} * pct + 99) / 100;  // Requirements round up.
  tier.mmr_e8 = static_cast<engine::RateE8>(std::min<__int128>(scaled, kRateOne));
  if (tier.mmr_e8 > 0 && __int128{tier.mmr_e8} * tier.max_leverage > kRateOne) {
    tier.max_leverage = std::max<int64_t>(1, kRateOne / tier.mmr_e8);
  }
  return tier;
}

// Applies the logged inputs under the changed parameters and feeds both tallies.
class WhatIfRun : public WhatIfHooks {
 public:
  WhatIfRun(const WhatIfOptions& options, const engine::EngineState& start)
      : params_(options.params) {
    for (const engine::MarketState& market : start.markets) NoteMarket(market.spec);
    // From a snapshot the fund was already set in the starting state.
    seed_done_ = options.from_snapshot != ledger::SequenceNumber{0};
    if (options.minutes) {
      logged_.KeepMinutes();
      derived_.KeepMinutes();
    }
  }

  internal::HistoryTally& logged() { return logged_; }
  internal::HistoryTally& derived() { return derived_; }
  std::optional<engine::MarketId> report_market() const { return report_market_; }
  engine::AssetId report_asset() const { return report_asset_; }
  const engine::MarketSpec& report_spec() const { return report_spec_; }
  int64_t first_time_ns() const { return first_time_ns_; }
  int64_t last_time_ns() const { return last_time_ns_; }

  void Apply(const ledger::LogRecord& record, const engine::Input& input,
             engine::RiskEngine* engine, std::vector<engine::Effect>* effects) override {
    time_ns_ = record.time_ns();
    if (first_time_ns_ == 0) first_time_ns_ = time_ns_;
    last_time_ns_ = time_ns_;
    if (const auto* mark = std::get_if<engine::SetMark>(&input)) {
      logged_.Mark(time_ns_, mark->market, mark->mark_price);
      derived_.Mark(time_ns_, mark->market, mark->mark_price);
    }
    if (const auto* list = std::get_if<engine::ListMarket>(&input)) NoteMarket(list->spec);
    NoteTransfer(input);
    if (!params_.changes_anything()) {
      engine->Apply(input, time_ns_, effects);
      return;
    }
    engine->Apply(Rewrite(input), time_ns_, effects);
  }

  void Logged(const ledger::LogRecord& record) override {
    last_time_ns_ = record.time_ns();
    logged_.Record(record);
  }

  void Derived(SequenceNumber, const std::vector<engine::Effect>& effects) override {
    for (const engine::Effect& effect : effects) derived_.Effect(time_ns_, effect);
  }

 private:
  void NoteMarket(const engine::MarketSpec& spec) {
    quote_asset_.emplace(spec.market_id, spec.quote_asset);
    const bool report = params_.market ? spec.market_id == *params_.market : !report_market_;
    if (report && !report_market_) {
      report_market_ = spec.market_id;
      report_asset_ = spec.quote_asset;
      report_spec_ = spec;
      logged_.SetReportMarket(spec.market_id, spec.quote_asset);
      derived_.SetReportMarket(spec.market_id, spec.quote_asset);
    }
  }

  void NoteTransfer(const engine::Input& input) {
    for (internal::HistoryTally* tally : {&logged_, &derived_}) {
      if (const auto* deposit = std::get_if<engine::Deposit>(&input)) {
        tally->Transfer(deposit->account, deposit->asset, deposit->amount);
      } else if (const auto* withdraw = std::get_if<engine::Withdraw>(&input)) {
        tally->Transfer(withdraw->account, withdraw->asset, -withdraw->amount);
      } else {
        tally->EndGroup();
      }
    }
  }

  bool AssetInScope(engine::AssetId asset) const {
    if (!params_.market) return true;
    const auto it = quote_asset_.find(*params_.market);
    return it != quote_asset_.end() && it->second == asset;
  }

  engine::Input Rewrite(const engine::Input& input) {
    if (const auto* list = std::get_if<engine::ListMarket>(&input)) {
      return engine::ListMarket{ApplyToSpec(params_, list->spec)};
    }
    if (const auto* change = std::get_if<engine::ChangeMarket>(&input)) {
      return engine::ChangeMarket{ApplyToSpec(params_, change->spec)};
    }
    const auto* top_up = std::get_if<engine::TopUpInsurance>(&input);
    if (top_up == nullptr || !AssetInScope(top_up->asset)) return input;
    engine::TopUpInsurance changed = *top_up;
    if (params_.insurance_fund) {
      if (seed_done_ || !seeded_.insert(top_up->asset).second) return input;
      changed.amount = *params_.insurance_fund;
    } else if (params_.fund_scale_pct) {
      changed.amount = ScaleDown(top_up->amount, *params_.fund_scale_pct);
    }
    return changed;
  }

  const WhatIfParams params_;
  internal::HistoryTally logged_;
  internal::HistoryTally derived_;
  std::map<engine::MarketId, engine::AssetId> quote_asset_;
  std::set<engine::AssetId> seeded_;  // Assets whose first top-up was replaced.
  bool seed_done_ = false;
  std::optional<engine::MarketId> report_market_;
  engine::AssetId report_asset_{0};
  engine::MarketSpec report_spec_;
  int64_t time_ns_ = 0;
  int64_t first_time_ns_ = 0;
  int64_t last_time_ns_ = 0;
};

// The what-if's starting state: the snapshot's with the parameters applied.
engine::EngineState ChangeStart(const WhatIfParams& params, engine::EngineState state) {
  std::set<engine::AssetId> in_scope;
  for (engine::MarketState& market : state.markets) {
    if (!params.market || market.spec.market_id == *params.market) {
      in_scope.insert(market.spec.quote_asset);
    }
    market.spec = ApplyToSpec(params, market.spec);
  }
  for (engine::AssetState& asset : state.assets) {
    if (in_scope.count(asset.asset) == 0) continue;
    engine::Money fund = asset.insurance_fund;
    if (params.insurance_fund) fund = *params.insurance_fund;
    if (params.fund_scale_pct) fund = ScaleDown(fund, *params.fund_scale_pct);
    asset.top_ups += fund - asset.insurance_fund;  // Conservation (rule 9) keeps holding.
    asset.insurance_fund = fund;
  }
  return state;
}

}  // namespace

Status ValidateWhatIfParams(const WhatIfParams& params) {
  if (params.insurance_fund && params.fund_scale_pct) {
    return Status::InvalidArgument("what-if", "give the insurance fund or its scale, not both");
  }
  if (params.insurance_fund && *params.insurance_fund < 0) {
    return Status::InvalidArgument("what-if", "the insurance fund cannot be negative");
  }
  if (params.fund_scale_pct && (*params.fund_scale_pct < 0 || *params.fund_scale_pct > kMaxPct)) {
    return Status::InvalidArgument("what-if", "the fund scale must be 0..1000000 percent");
  }
  // A rate of 0 is no margin at all: the engine refuses such a market.
  if (params.mmr_scale_pct && (*params.mmr_scale_pct < 1 || *params.mmr_scale_pct > kMaxPct)) {
    return Status::InvalidArgument("what-if", "the mmr scale must be 1..1000000 percent");
  }
  if (params.max_slippage_e8 &&
      (*params.max_slippage_e8 < 0 || *params.max_slippage_e8 > kRateOne)) {
    return Status::InvalidArgument("what-if", "the slippage cap must be 0..100000000 (e8)");
  }
  return Status::OK();
}

engine::MarketSpec ApplyToSpec(const WhatIfParams& params, const engine::MarketSpec& spec) {
  if (params.market && spec.market_id != *params.market) return spec;
  engine::MarketSpec changed = spec;
  if (params.adl_policy) changed.adl_policy = *params.adl_policy;
  if (params.max_slippage_e8) changed.max_slippage_e8 = *params.max_slippage_e8;
  if (params.mmr_scale_pct) {
    for (engine::RiskTier& tier : changed.tiers) tier = ScaleTier(tier, *params.mmr_scale_pct);
  }
  return changed;
}

base::Result<WhatIfResult> RunWhatIf(const ledger::EventLog& log, const DataDir& data,
                                     const ledger::Keyring& keyring, const WhatIfOptions& options) {
  BACKSTOP_ASSIGN_OR_RETURN(internal::Window window,
                            internal::OpenWindow(log, data, keyring, options));
  const engine::EngineState what_if_start = ChangeStart(options.params, window.start.state);
  std::string error;
  auto engine = engine::RiskEngine::Import(what_if_start, &error, options.engine_options);
  if (!engine) return Status::InvalidArgument("what-if", "changed start state: " + error);
  WhatIfRun run(options, window.start.state);
  run.logged().Start(window.start.state);
  run.derived().Start(what_if_start);
  internal::LoggedEnd logged_end(log, data, keyring, window.end, options.engine_options);
  ReplayOptions replay_options;
  replay_options.engine_options = options.engine_options;
  replay_options.progress = options.progress;
  replay_options.what_if = &run;
  auto replayed = Replay(log, options.from_snapshot + 1, window.end, window.start.hash, &*engine,
                         replay_options);
  auto& recovered = logged_end.Wait();
  BACKSTOP_RETURN_IF_ERROR(replayed.status());
  BACKSTOP_RETURN_IF_ERROR(recovered.status());
  if (replayed->divergence) {
    return Status::Corruption("what-if", fmt::format("seq {}: {}", replayed->divergence->seq,
                                                     replayed->divergence->what));
  }
  WhatIfResult result;
  result.start_seq = options.from_snapshot;
  result.end_seq = window.end;
  result.start_time_ns = run.first_time_ns();
  result.end_time_ns = run.last_time_ns();
  result.records = replayed->records;
  result.inputs = replayed->groups;
  result.report_market = run.report_market().value_or(engine::MarketId{0});
  result.report_asset = run.report_asset();
  result.report_symbol = run.report_spec().symbol;
  result.quote_decimals = run.report_spec().quote_decimals;
  result.lot_decimals = run.report_spec().lot_decimals;
  std::map<engine::AccountId, AccountOutcome> accounts;
  result.logged = run.logged().Finish(&accounts, 0);
  result.what_if = run.derived().Finish(&accounts, 1);
  auto start = engine::RiskEngine::Import(window.start.state, &error, options.engine_options);
  if (!start) return Status::Corruption("what-if", "start state: " + error);
  internal::FillEquity(recovered->engine, *engine, *start, result.report_asset, &accounts);
  accounts.erase(engine::kLiquidationAccount);
  for (auto& [id, account] : accounts) result.accounts.push_back(account);
  result.first_difference = std::move(replayed->first_difference);
  result.warnings = std::move(logged_end.warnings());
  if (options.params.market && result.report_market != *options.params.market) {
    result.warnings.push_back(fmt::format("market {} is not listed in the window: no rule changed",
                                          *options.params.market));
  }
  return result;
}

}  // namespace replay
