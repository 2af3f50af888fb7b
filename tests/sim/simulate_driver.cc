// TEMPORARY stand-in for `backstop simulate` until cli/main.cc wires the subcommand; AddSimulate
// below is the exact text proposed for main.cc. Delete once main.cc has it.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "cli/commands.h"
#include "cli/simulate_command.h"

namespace {

constexpr const char* kDataHelp = "Data directory (holds log/ and keyring/)";

void AddSimulate(CLI::App& app, std::function<int()>* run) {
  static cli::SimulateOptions options;
  CLI::App* sub = app.add_subcommand(
      "simulate",
      "Run a seeded venue (traders with 2-100x leverage, market makers, funding) along a "
      "built-in scenario or a real 1-minute price path, through the sequencer into a fresh "
      "signed log; print what happened (liquidations, insurance fund, ADL, conservation). "
      "The same seed, key and options give a byte-identical log. See docs/SIMULATE.md");
  sub->add_option("--data", options.data_dir, kDataHelp + std::string(" (must have no log)"))
      ->required();
  sub->add_option("--key", options.key_file, "Private key (from keygen) that signs")
      ->required()
      ->check(CLI::ExistingFile);
  auto* scenario = sub->add_option("--scenario", options.scenario, "Built-in price path")
                       ->check(CLI::IsMember({"calm", "crash"}))
                       ->capture_default_str();
  sub->add_option("--prices", options.prices,
                  "1-minute kline CSV (open_time_ms,open_time_utc,open,high,low,close,...) "
                  "to walk as the mark")
      ->check(CLI::ExistingFile)
      ->excludes(scenario);
  sub->add_option("--seed", options.seed, "Seed of the population, order flow and path")
      ->capture_default_str();
  sub->add_option("--accounts", options.accounts, "Traders (even; long/short pairs)")
      ->capture_default_str();
  sub->add_option("--market-makers", options.market_makers, "Market makers")->capture_default_str();
  sub->add_option("--insurance-fund", options.insurance_fund,
                  "Initial insurance fund in whole USDT (default: 10 per trader)");
  sub->add_option("--funding-interval", options.funding_interval_s,
                  "Seconds between funding ticks (0: none)")
      ->capture_default_str();
  sub->add_option("--activity", options.activity, "Mean trader actions per step")
      ->capture_default_str();
  sub->add_option("--steps-per-segment", options.steps_per_segment,
                  "Marks per kline segment (open, extremes, close)")
      ->capture_default_str();
  sub->add_option("--snapshot-every", options.snapshot_every,
                  "Take a signed snapshot every N records (0: none)")
      ->capture_default_str();
  sub->add_flag("--verify-invariants", options.verify_invariants,
                "Check the engine's invariants after every input (slower)");
  sub->add_flag("--json", options.json, "Print the summary as JSON");
  sub->callback([run] { *run = [] { return cli::RunSimulate(options); }; });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"simulate driver"};
  app.require_subcommand(1);
  std::function<int()> run;
  AddSimulate(app, &run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? cli::kExitOk : cli::kExitError;
  }
  return run ? run() : cli::kExitError;
}
