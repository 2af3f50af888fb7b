// `backstop simulate` (see simulate_command.h): options, a live progress line on stderr, and
// the summary as an aligned table or JSON.

#include "cli/simulate_command.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "base/strong_type_fmt.h"
#include "base/strong_type_json.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/report_command.h"
#include "ledger/keys.h"
#include "sim/simulation.h"
#include "text/text.h"

namespace cli {

namespace {

using engine::Money;
using engine::Price;

std::string Count(uint64_t value) { return text::FormatCount(value); }
std::string Decimal(int64_t value, int decimals) {
  return text::FormatScaledGrouped(value, decimals);
}

// Quote minor units as USDT (6 decimals, exact).
std::string Usdt(Money amount) { return Decimal(amount.value(), sim::kQuoteDecimals); }
// A price per lot as USDT per BTC (exact: 3 decimals for 6-decimal quotes and 0.001 lots).
std::string UsdtPerBtc(Price price) {
  return Decimal(price.value(), sim::kQuoteDecimals - sim::kLotDecimals);
}

// A progress line counting steps, with where the run is in simulated time and money.
class SimulationProgressLine {
 public:
  void Update(const sim::SimulationProgress& at) {
    line_.Update(
        at.step, at.steps,
        fmt::format("  {} UTC  mark {}  fund {}  {} inputs", text::FormatTimeSeconds(at.time_ns),
                    UsdtPerBtc(at.mark), Usdt(at.insurance_fund), Count(at.inputs)));
  }
  void Clear() { line_.Clear(); }

 private:
  text::ProgressLine line_{"simulating", "steps"};
};

// Whole events per second of wall clock (display only).
uint64_t PerSecond(uint64_t count, double seconds) {
  return seconds > 0 ? static_cast<uint64_t>(static_cast<double>(count) / seconds) : 0;
}

void PrintOverview(const sim::SimulationReport& r) {
  const sim::LogTally& t = r.tally;
  fmt::print("scenario         {} (seed {}, {} traders, {} market makers)\n", r.scenario, r.seed,
             Count(static_cast<uint64_t>(r.traders)), r.market_makers);
  fmt::print("simulated time   {} -> {} UTC ({} steps)\n", text::FormatTimeSeconds(r.start_time_ns),
             text::FormatTimeSeconds(r.end_time_ns), Count(r.steps));
  fmt::print("mark             {} -> {}  (low {}, high {}) USDT/BTC\n", UsdtPerBtc(r.mark_start),
             UsdtPerBtc(r.mark_end), UsdtPerBtc(r.venue.mark_low), UsdtPerBtc(r.venue.mark_high));
  fmt::print("records          {} ({} inputs, {} effects; {} refusals)\n", Count(t.records),
             Count(t.inputs), Count(t.effects), Count(t.refusals));
  fmt::print("\nevents by type\n");
  for (const auto& [type, count] : t.events_by_type) {
    fmt::print("  {:<23}{:>12}\n", type, Count(count));
  }
  fmt::print("\n");
}

void PrintTable(const sim::SimulationReport& r) {
  const sim::LogTally& t = r.tally;
  const sim::Conservation& c = r.conservation;
  PrintOverview(r);
  fmt::print("liquidations     {} positions of {} accounts, notional {} USDT\n",
             Count(t.liquidations), Count(t.liquidated_accounts), Usdt(t.liquidated_notional));
  fmt::print("  fills          {} in phase A (at or better than bankruptcy), {} in phase B\n",
             Count(t.liquidation_fills_a), Count(t.liquidation_fills_b));
  fmt::print("insurance fund   start {}  low {}  end {} USDT\n", Usdt(r.venue.fund_start),
             Usdt(t.fund_low), Usdt(r.fund_end));
  fmt::print("  draws          {} totalling {} USDT; credits {} USDT\n", Count(t.fund_draws),
             Usdt(t.fund_drawn), Usdt(t.fund_credited));
  fmt::print("ADL reductions   {} in {} queues, {} accounts, {} BTC, notional {} USDT\n",
             Count(t.adl_reductions), Count(t.adl_queues), Count(t.adl_accounts),
             Decimal(t.adl_quantity.value(), sim::kLotDecimals), Usdt(t.adl_notional));
  fmt::print("socialized loss  {} USDT\n", Usdt(t.socialized_loss));
  fmt::print("funding          {} ticks\n", Count(r.venue.funding_ticks));
  fmt::print("conservation     {} (RULEBOOK rule 9, exact)\n", c.holds() ? "holds" : "BROKEN");
  fmt::print("  sum(WB - C) + fund + fees        {:>24} USDT\n",
             Usdt(c.quote_balances + c.insurance_fund + c.fee_account));
  fmt::print("  deposits - withdrawals + top-ups {:>24} USDT\n",
             Usdt(c.deposits - c.withdrawals + c.top_ups));
  fmt::print("invariants       {} ({})\n", r.invariants_hold ? "hold" : "BROKEN",
             r.invariants_checked_every_input ? "checked after every input and at the end"
                                              : "checked at the end; --verify-invariants checks "
                                                "after every input");
  fmt::print("throughput       {} inputs/s, {} records/s (run {:.2f} s; read-back {:.2f} s)\n",
             Count(PerSecond(t.inputs, r.run_seconds)), Count(PerSecond(t.records, r.run_seconds)),
             r.run_seconds, r.tally_seconds);
  fmt::print("head             seq {} hash {}\n", r.head_seq, r.head_hash);
  fmt::print("chain id         {} (key {})\n", r.chain_id, r.key_id);
}

// Liquidations, the fund, ADL and conservation: what the engine did.
nlohmann::json OutcomeJson(const sim::SimulationReport& r) {
  const sim::LogTally& t = r.tally;
  const sim::Conservation& c = r.conservation;
  return {{"liquidations",
           {{"positions", t.liquidations},
            {"accounts", t.liquidated_accounts},
            {"notional", t.liquidated_notional},
            {"fills_phase_a", t.liquidation_fills_a},
            {"fills_phase_b", t.liquidation_fills_b}}},
          {"insurance_fund",
           {{"start", r.venue.fund_start},
            {"low", t.fund_low},
            {"end", r.fund_end},
            {"draws", t.fund_draws},
            {"drawn", t.fund_drawn},
            {"credited", t.fund_credited}}},
          {"adl",
           {{"queues", t.adl_queues},
            {"reductions", t.adl_reductions},
            {"accounts", t.adl_accounts},
            {"quantity", t.adl_quantity},
            {"notional", t.adl_notional}}},
          {"socialized_loss", t.socialized_loss},
          {"funding_ticks", r.venue.funding_ticks},
          {"conservation",
           {{"holds", c.holds()},
            {"quote_balances", c.quote_balances},
            {"insurance_fund", c.insurance_fund},
            {"fee_account", c.fee_account},
            {"deposits", c.deposits},
            {"withdrawals", c.withdrawals},
            {"top_ups", c.top_ups},
            {"invariants_hold", r.invariants_hold},
            {"invariants_checked_every_input", r.invariants_checked_every_input}}}};
}

nlohmann::json ReportJson(const sim::SimulationReport& r) {
  const sim::LogTally& t = r.tally;
  nlohmann::json by_type = nlohmann::json::object();
  for (const auto& [type, count] : t.events_by_type) by_type[type] = count;
  nlohmann::json out = {{"scenario", r.scenario},
                        {"seed", r.seed},
                        {"traders", r.traders},
                        {"market_makers", r.market_makers},
                        {"steps", r.steps},
                        {"start_time_ns", r.start_time_ns},
                        {"end_time_ns", r.end_time_ns},
                        {"mark",
                         {{"start", r.mark_start},
                          {"end", r.mark_end},
                          {"low", r.venue.mark_low},
                          {"high", r.venue.mark_high}}},
                        {"records", t.records},
                        {"inputs", t.inputs},
                        {"effects", t.effects},
                        {"refusals", t.refusals},
                        {"events_by_type", by_type},
                        {"throughput",
                         {{"run_seconds", r.run_seconds},
                          {"read_back_seconds", r.tally_seconds},
                          {"inputs_per_second", PerSecond(t.inputs, r.run_seconds)},
                          {"records_per_second", PerSecond(t.records, r.run_seconds)}}},
                        {"head_seq", r.head_seq},
                        {"head_hash", r.head_hash},
                        {"chain_id", r.chain_id},
                        {"key_id", r.key_id},
                        {"units",
                         {{"money", "USDT minor units (1e-6)"},
                          {"price", "USDT minor units per lot (0.001 BTC)"},
                          {"quantity", "lots (0.001 BTC)"}}}};
  out.update(OutcomeJson(r));
  return out;
}

}  // namespace

int RunSimulate(const SimulateOptions& options) {
  auto key = ledger::PrivateKey::LoadPem(options.key_file);
  if (!key.ok()) return Fail(key.status());
  sim::SimulationOptions run;
  run.data_dir = options.data_dir;
  run.signing_key = *key;
  run.scenario = options.scenario;
  run.prices_csv = options.prices;
  run.seed = options.seed;
  run.traders = options.accounts;
  run.market_makers = options.market_makers;
  run.insurance_fund_usdt = options.insurance_fund;
  run.funding_interval_s = options.funding_interval_s;
  run.activity = options.activity;
  run.steps_per_segment = options.steps_per_segment;
  run.snapshot_every_records = options.snapshot_every;
  run.engine_options.verify_invariants = options.verify_invariants;
  SimulationProgressLine progress;
  run.progress = [&progress](const sim::SimulationProgress& at) { progress.Update(at); };
  auto report = sim::RunSimulation(run);
  progress.Clear();
  if (!report.ok()) return Fail(report.status());
  if (options.json) {
    fmt::print("{}\n", ReportJson(*report).dump());
  } else {
    PrintTable(*report);
  }
  if (!options.report.empty()) {
    ReportCommandOptions report_options;
    report_options.data_dir = options.data_dir;
    report_options.out = options.report;
    report_options.quiet = options.json;
    const int written = RunReport(report_options);
    if (written != kExitOk) return written;
  }
  return report->conservation.holds() ? kExitOk : kExitFinding;
}

}  // namespace cli
