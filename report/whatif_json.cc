// WhatIfJson (whatif_json.h): one JSON shape for `whatif --json` and the report.

#include "report/whatif_json.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <utility>
#include <vector>

#include "base/strong_type_json.h"

namespace report {

namespace {

constexpr size_t kTopAccounts = 20;  // Rows of each top-accounts list.

constexpr std::array<std::pair<const char*, engine::AdlPolicy>, 4> kPolicies = {{
    {"bitmex", engine::AdlPolicy::kBitmex},
    {"binance_leverage_pnl", engine::AdlPolicy::kBinanceLeveragePnl},
    {"pro_rata", engine::AdlPolicy::kProRata},
    {"hyperliquid", engine::AdlPolicy::kHyperliquid},
}};

nlohmann::json MinutesJson(const std::vector<replay::MinuteBucket>& minutes) {
  nlohmann::json rows = nlohmann::json::array();
  for (const replay::MinuteBucket& bucket : minutes) {
    rows.push_back({{"minute", bucket.minute},
                    {"liquidations", bucket.liquidations},
                    {"adl_reductions", bucket.adl_reductions},
                    {"liquidated_notional", bucket.liquidated_notional},
                    {"adl_notional", bucket.adl_notional},
                    {"fund_end", bucket.fund_end},
                    {"fund_low", bucket.fund_low},
                    {"mark_last", bucket.mark_last}});
  }
  return rows;
}

nlohmann::json HistoryJson(const replay::HistoryOutcome& outcome, bool minutes) {
  nlohmann::json funds = nlohmann::json::array();
  for (const replay::FundPath& fund : outcome.funds) {
    funds.push_back(
        {{"asset", fund.asset}, {"start", fund.start}, {"low", fund.low}, {"end", fund.end}});
  }
  nlohmann::json json = {{"liquidations", outcome.liquidations},
                         {"phase_a_quantity", outcome.phase_a_quantity},
                         {"phase_b_quantity", outcome.phase_b_quantity},
                         {"phase_c_quantity", outcome.phase_c_quantity},
                         {"liquidated_notional", outcome.liquidated_notional},
                         {"fund_draws", outcome.fund_draws},
                         {"adl_reductions", outcome.adl_reductions},
                         {"adl_notional", outcome.adl_notional},
                         {"adl_accounts_hit", outcome.adl_accounts_hit},
                         {"socialized_loss", outcome.socialized_loss},
                         {"funds", funds}};
  if (minutes) json["minutes"] = MinutesJson(outcome.minutes);
  return json;
}

nlohmann::json AccountJson(const replay::AccountOutcome& account) {
  const auto pair = [](const auto& values) {
    return nlohmann::json::array({values[0], values[1]});
  };
  return {{"account", account.account},
          {"liquidations", pair(account.liquidations)},
          {"adl_reductions", pair(account.adl_reductions)},
          {"adl_quantity", pair(account.adl_quantity)},
          {"start_equity", account.start_equity},
          {"end_equity", pair(account.end_equity)},
          {"net_transfers", pair(account.net_transfers)},
          {"pnl", nlohmann::json::array({account.pnl(0), account.pnl(1)})},
          {"equity_difference", account.end_equity[1] - account.end_equity[0]}};
}

// The kTopAccounts accounts that lost most in either history (lowest pnl first), among those
// that lost.
nlohmann::json TopByLoss(const std::vector<replay::AccountOutcome>& accounts) {
  std::vector<const replay::AccountOutcome*> losers;
  for (const replay::AccountOutcome& account : accounts) {
    if (std::min(account.pnl(0), account.pnl(1)) < 0) losers.push_back(&account);
  }
  std::stable_sort(losers.begin(), losers.end(), [](const auto* a, const auto* b) {
    return std::min(a->pnl(0), a->pnl(1)) < std::min(b->pnl(0), b->pnl(1));
  });
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < losers.size() && i < kTopAccounts; ++i) {
    rows.push_back(AccountJson(*losers[i]));
  }
  return rows;
}

// The kTopAccounts accounts most deleveraged in either history (largest quantity first).
nlohmann::json TopByAdl(const std::vector<replay::AccountOutcome>& accounts) {
  std::vector<const replay::AccountOutcome*> hit;
  for (const replay::AccountOutcome& account : accounts) {
    if (account.adl_quantity[0] > 0 || account.adl_quantity[1] > 0) hit.push_back(&account);
  }
  std::stable_sort(hit.begin(), hit.end(), [](const auto* a, const auto* b) {
    return std::max(a->adl_quantity[0], a->adl_quantity[1]) >
           std::max(b->adl_quantity[0], b->adl_quantity[1]);
  });
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < hit.size() && i < kTopAccounts; ++i) rows.push_back(AccountJson(*hit[i]));
  return rows;
}

// Accounts ADL'd in one history only, and those whose end equity changed.
nlohmann::json AccountsJson(const std::vector<replay::AccountOutcome>& accounts) {
  nlohmann::json only_logged = nlohmann::json::array();
  nlohmann::json only_what_if = nlohmann::json::array();
  std::vector<const replay::AccountOutcome*> changed;
  for (const replay::AccountOutcome& account : accounts) {
    const bool logged = account.adl_reductions[0] > 0;
    const bool what_if = account.adl_reductions[1] > 0;
    if (logged && !what_if) only_logged.push_back(account.account);
    if (what_if && !logged) only_what_if.push_back(account.account);
    if (account.end_equity[0] != account.end_equity[1] || logged != what_if ||
        account.adl_quantity[0] != account.adl_quantity[1] ||
        account.liquidations[0] != account.liquidations[1]) {
      changed.push_back(&account);
    }
  }
  // Largest equity change first (by magnitude), then account id.
  std::stable_sort(changed.begin(), changed.end(), [](const auto* a, const auto* b) {
    const __int128 da = engine::Wide(a->end_equity[1]) - engine::Wide(a->end_equity[0]);
    const __int128 db = engine::Wide(b->end_equity[1]) - engine::Wide(b->end_equity[0]);
    return (da < 0 ? -da : da) > (db < 0 ? -db : db);
  });
  nlohmann::json rows = nlohmann::json::array();
  for (const replay::AccountOutcome* account : changed) rows.push_back(AccountJson(*account));
  return {{"accounts", accounts.size()},        {"adl_only_logged", only_logged},
          {"adl_only_what_if", only_what_if},   {"changed", rows},
          {"top_by_loss", TopByLoss(accounts)}, {"top_by_adl_quantity", TopByAdl(accounts)}};
}

nlohmann::json DifferenceJson(const replay::WhatIfResult& result) {
  if (!result.first_difference) return nullptr;
  const replay::Divergence& difference = *result.first_difference;
  return {{"seq", difference.seq},
          {"what", difference.what},
          {"what_if", difference.expected},
          {"logged", difference.found}};
}

}  // namespace

const char* AdlPolicyName(engine::AdlPolicy policy) {
  for (const auto& [name, value] : kPolicies) {
    if (value == policy) return name;
  }
  return "unknown";
}

bool ParseAdlPolicy(const std::string& name, engine::AdlPolicy* policy) {
  for (const auto& [known, value] : kPolicies) {
    if (name == known) {
      *policy = value;
      return true;
    }
  }
  return false;
}

nlohmann::json WhatIfParamsJson(const replay::WhatIfParams& params) {
  nlohmann::json json = nlohmann::json::object();
  if (params.market) json["market"] = *params.market;
  if (params.adl_policy) json["adl_policy"] = AdlPolicyName(*params.adl_policy);
  if (params.insurance_fund) json["insurance_fund"] = *params.insurance_fund;
  if (params.fund_scale_pct) json["fund_scale_pct"] = *params.fund_scale_pct;
  if (params.mmr_scale_pct) json["mmr_scale_pct"] = *params.mmr_scale_pct;
  if (params.max_slippage_e8) json["max_slippage_e8"] = *params.max_slippage_e8;
  return json;
}

nlohmann::json WhatIfJson(const replay::WhatIfResult& result, const replay::WhatIfParams& params,
                          bool minutes) {
  return {{"window",
           {{"after_seq", result.start_seq},
            {"to_seq", result.end_seq},
            {"start_time_ns", result.start_time_ns},
            {"end_time_ns", result.end_time_ns},
            {"records", result.records},
            {"inputs", result.inputs}}},
          {"parameters", WhatIfParamsJson(params)},
          {"report_market",
           {{"market", result.report_market},
            {"symbol", result.report_symbol},
            {"quote_asset", result.report_asset},
            {"quote_decimals", result.quote_decimals},
            {"lot_decimals", result.lot_decimals}}},
          {"identical", !result.first_difference.has_value()},
          {"first_difference", DifferenceJson(result)},
          {"logged", HistoryJson(result.logged, minutes)},
          {"what_if", HistoryJson(result.what_if, minutes)},
          {"accounts", AccountsJson(result.accounts)},
          {"warnings", result.warnings}};
}

}  // namespace report
