// `backstop whatif` (whatif_command.h): runs replay::RunWhatIf and prints its JSON
// (report/whatif_json.h) as a table, or as is with --json.

#include "cli/whatif_command.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/common.h"
#include "replay/recovery.h"
#include "replay/whatif.h"
#include "report/whatif_json.h"
#include "text/text.h"

namespace cli {

namespace {

constexpr size_t kListed = 10;  // Accounts listed per section in the text output.

}  // namespace

base::Result<replay::WhatIfParams> WhatIfParamsFrom(const WhatIfCommandOptions& options) {
  replay::WhatIfParams params;
  params.market = base::OptionalOf<engine::MarketId>(options.market);
  if (!options.adl_policy.empty()) {
    engine::AdlPolicy policy;
    if (!report::ParseAdlPolicy(options.adl_policy, &policy)) {
      return base::Status::InvalidArgument(
          "whatif", "--adl-policy must be bitmex, binance_leverage_pnl, pro_rata or hyperliquid");
    }
    params.adl_policy = policy;
  }
  params.insurance_fund = base::OptionalOf<engine::Money>(options.insurance_fund);
  params.fund_scale_pct = options.fund_scale_pct;
  params.mmr_scale_pct = options.mmr_scale_pct;
  params.max_slippage_e8 = options.max_slippage_e8;
  BACKSTOP_RETURN_IF_ERROR(replay::ValidateWhatIfParams(params));
  return params;
}

namespace {

std::string Num(const nlohmann::json& value) {
  return text::FormatScaledGrouped(value.get<int64_t>(), 0);
}

// value / 10^decimals, grouped ("-1,234.500000"); decimals 0 for counts.
std::string Scaled(int64_t value, int decimals) {
  return text::FormatScaledGrouped(value, decimals);
}

std::string Change(int64_t logged, int64_t what_if, int decimals) {
  if (logged == what_if) return "=";
  const int64_t diff = static_cast<int64_t>(__int128{what_if} - logged);
  return fmt::format("{}{}", diff > 0 ? "+" : "", Scaled(diff, decimals));
}

void PrintFigures(const nlohmann::json& json) {
  const nlohmann::json& logged = json["logged"];
  const nlohmann::json& what_if = json["what_if"];
  const int money = json["report_market"]["quote_decimals"].get<int>();
  const int lots = json["report_market"]["lot_decimals"].get<int>();
  std::vector<std::vector<std::string>> rows;
  const auto add = [&](const std::string& name, const nlohmann::json& a, const nlohmann::json& b,
                       int decimals) {
    const int64_t x = a.get<int64_t>();
    const int64_t y = b.get<int64_t>();
    rows.push_back({name, Scaled(x, decimals), Scaled(y, decimals), Change(x, y, decimals)});
  };
  for (const auto& [key, decimals] : {std::pair{"liquidations", 0},
                                      {"phase_a_quantity", lots},
                                      {"phase_b_quantity", lots},
                                      {"phase_c_quantity", lots},
                                      {"liquidated_notional", money},
                                      {"fund_draws", 0},
                                      {"adl_reductions", 0},
                                      {"adl_notional", money},
                                      {"adl_accounts_hit", 0},
                                      {"socialized_loss", money}}) {
    add(key, logged[key], what_if[key], decimals);
  }
  for (size_t i = 0; i < logged["funds"].size() && i < what_if["funds"].size(); ++i) {
    const std::string asset = fmt::format("fund[{}] ", logged["funds"][i]["asset"].get<int>());
    for (const char* key : {"start", "low", "end"}) {
      add(asset + key, logged["funds"][i][key], what_if["funds"][i][key], money);
    }
  }
  fmt::print("{}", text::FormatTable({"", "logged", "what-if", "difference"},
                                     {true, false, false, false}, rows));
}

std::string Ids(const nlohmann::json& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size() && i < kListed; ++i) {
    out += fmt::format(" {}", ids[i].get<uint64_t>());
  }
  if (ids.size() > kListed) out += fmt::format(" ... ({} more)", ids.size() - kListed);
  return out;
}

void PrintAccounts(const nlohmann::json& accounts, int money, int lots) {
  fmt::print("\nADL'd only in the log      {} account(s){}\n", accounts["adl_only_logged"].size(),
             Ids(accounts["adl_only_logged"]));
  fmt::print("ADL'd only in the what-if  {} account(s){}\n", accounts["adl_only_what_if"].size(),
             Ids(accounts["adl_only_what_if"]));
  const nlohmann::json& changed = accounts["changed"];
  fmt::print("accounts that differ       {} of {}\n", changed.size(),
             accounts["accounts"].get<uint64_t>());
  if (changed.empty()) return;
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < changed.size() && i < kListed; ++i) {
    const nlohmann::json& row = changed[i];
    rows.push_back({std::to_string(row["account"].get<uint64_t>()),
                    Scaled(row["end_equity"][0].get<int64_t>(), money),
                    Scaled(row["end_equity"][1].get<int64_t>(), money),
                    Scaled(row["equity_difference"].get<int64_t>(), money),
                    fmt::format("{} / {}", Scaled(row["adl_quantity"][0].get<int64_t>(), lots),
                                Scaled(row["adl_quantity"][1].get<int64_t>(), lots))});
  }
  fmt::print("\n{}", text::FormatTable({"account", "end equity (log)", "end equity (what-if)",
                                        "difference", "ADL'd lots log / what-if"},
                                       {false, false, false, false, false}, rows));
}

void PrintText(const nlohmann::json& json) {
  const nlohmann::json& window = json["window"];
  const nlohmann::json& market = json["report_market"];
  fmt::print(
      "what-if over seq {}..{} ({} records, {} inputs); amounts in asset {}, quantities and"
      " the chart market: {}\n",
      window["after_seq"].get<uint64_t>() + 1, window["to_seq"].get<uint64_t>(),
      Num(window["records"]), Num(window["inputs"]), market["quote_asset"].get<int>(),
      market["symbol"].get<std::string>());
  fmt::print("parameters: {}\n",
             json["parameters"].empty() ? "unchanged (control run)" : json["parameters"].dump());
  if (json["identical"].get<bool>()) {
    fmt::print("the what-if reproduces the logged effects exactly, byte for byte\n\n");
  } else {
    fmt::print("the histories part at seq {}: {}\n\n",
               json["first_difference"]["seq"].get<uint64_t>(),
               json["first_difference"]["what"].get<std::string>());
  }
  PrintFigures(json);
  PrintAccounts(json["accounts"], json["report_market"]["quote_decimals"].get<int>(),
                json["report_market"]["lot_decimals"].get<int>());
}

}  // namespace

int RunWhatIf(const WhatIfCommandOptions& options) {
  auto params = WhatIfParamsFrom(options);
  if (!params.ok()) return Fail(params.status());
  auto log = OpenReadOnly(options.data_dir);
  if (!log.ok()) return Fail(log.status());
  const replay::DataDir data = replay::DataDir::At(options.data_dir);
  auto keyring = replay::LoadKeyring(data);
  if (!keyring.ok()) return Fail(keyring.status());
  replay::WhatIfOptions whatif_options;
  whatif_options.params = *params;
  whatif_options.from_snapshot = ledger::SequenceNumber{options.from_snapshot};
  whatif_options.to = ledger::SequenceNumber{options.to};
  whatif_options.engine_options.verify_invariants = false;
  ProgressLine progress("what-if");
  whatif_options.progress = [&progress](uint64_t done, uint64_t total) {
    progress.Update(done, total);
  };
  auto result = replay::RunWhatIf(**log, data, *keyring, whatif_options);
  progress.Clear();
  if (!result.ok()) return Fail(result.status());
  for (const std::string& warning : result->warnings) fmt::print(stderr, "warning: {}\n", warning);
  const nlohmann::json json = report::WhatIfJson(*result, *params);
  if (options.json) {
    fmt::print("{}\n", json.dump(2));
  } else {
    PrintText(json);
  }
  return kExitOk;
}

}  // namespace cli
