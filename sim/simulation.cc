// Running a simulation end to end (see simulation.h): fresh log and keyring, sequencer on a
// simulated clock, the venue along the path, then invariants, conservation and the tally.

#include "sim/simulation.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "ledger/event_log.h"
#include "replay/data_dir.h"
#include "replay/sequencer.h"
#include "sim/price_path.h"

namespace sim {

namespace fs = std::filesystem;
using base::Status;

namespace {

constexpr int64_t kMaxTraders = 1'000'000;
constexpr int64_t kMaxMarketMakers = 100;
constexpr int64_t kMaxActivity = 1'000;

Status CheckOptions(const SimulationOptions& options) {
  const auto bad = [](const std::string& what) {
    return Status::InvalidArgument("simulate", what);
  };
  if (options.data_dir.empty()) return bad("a data directory is required");
  if (!options.signing_key) return bad("a signing key is required");
  if (options.prices_csv.empty() && options.scenario != "calm" && options.scenario != "crash") {
    return bad("unknown scenario '" + options.scenario + "' (use calm or crash, or --prices)");
  }
  if (options.traders < 2 || options.traders > kMaxTraders) {
    return bad("accounts must be between 2 and " + std::to_string(kMaxTraders));
  }
  if (options.market_makers < 1 || options.market_makers > kMaxMarketMakers) {
    return bad("market makers must be between 1 and " + std::to_string(kMaxMarketMakers));
  }
  if (options.activity < 0 || options.activity > kMaxActivity) return bad("bad activity");
  if (options.funding_interval_s < 0) return bad("the funding interval must be >= 0");
  if (options.insurance_fund_usdt < -1 || options.insurance_fund_usdt > 1'000'000'000'000) {
    return bad("bad insurance fund");
  }
  if (options.steps_per_segment < 1 || options.steps_per_segment > kMaxStepsPerSegment) {
    return bad("steps per segment must be between 1 and " + std::to_string(kMaxStepsPerSegment));
  }
  return Status::OK();
}

base::Result<std::vector<PricePoint>> LoadPath(const SimulationOptions& options) {
  if (options.prices_csv.empty()) {
    return BuiltinPath(
        options.scenario == "calm" ? BuiltinScenario::kCalm : BuiltinScenario::kCrash,
        options.seed);
  }
  BACKSTOP_ASSIGN_OR_RETURN(std::vector<Kline> klines,
                            ReadKlineCsv(options.prices_csv, kQuoteDecimals - kLotDecimals));
  return WalkKlines(klines, options.steps_per_segment);
}

// Creates DATA/log (empty, with the seed's chain id) and DATA/keyring/<key id>.pem, as
// `backstop init` does. InvalidArgument if a log exists already.
base::Result<std::string> CreateDataDir(const SimulationOptions& options, int64_t start_ns) {
  const replay::DataDir data = replay::DataDir::At(options.data_dir);
  std::error_code error;
  fs::create_directories(data.root, error);
  if (error)
    return Status::IOError("simulate", "cannot create " + data.root + ": " + error.message());
  if (fs::exists(data.log) || (fs::exists(data.snapshots) && !fs::is_empty(data.snapshots))) {
    return Status::InvalidArgument("simulate", "a log or snapshots already exist in " + data.root +
                                                   " (simulate needs a fresh data directory)");
  }
  ledger::LogOptions log_options;
  log_options.signing_key = options.signing_key;
  log_options.clock = [start_ns] { return start_ns; };
  log_options.chain_id = SimulationChainId(options.seed);
  BACKSTOP_ASSIGN_OR_RETURN(auto log, ledger::EventLog::Create(data.log, std::move(log_options)));
  const std::string chain_id = ledger::ToHex(log->chain_id());
  log.reset();
  fs::create_directories(data.keyring, error);
  if (error) return Status::IOError("simulate", "cannot create the keyring: " + error.message());
  const fs::path public_path =
      fs::path(data.keyring) / (ledger::ToHex(options.signing_key->key_id()) + ".pem");
  if (!fs::exists(public_path)) {
    BACKSTOP_RETURN_IF_ERROR(options.signing_key->public_key().SavePem(public_path.string()));
  }
  return chain_id;
}

Conservation ComputeConservation(const engine::RiskEngine& engine) {
  Conservation sums;
  const engine::EngineState state = engine.Export();
  for (const engine::AccountState& account : state.accounts) {
    for (const engine::BalanceState& balance : account.balances) {
      if (balance.asset == kQuoteAsset) sums.quote_balances += balance.wallet_balance;
    }
    for (const engine::PositionState& position : account.positions) {
      sums.quote_balances -= position.cost;  // Every simulated market is quoted in USDT.
    }
  }
  for (const engine::AssetState& asset : state.assets) {
    if (asset.asset != kQuoteAsset) continue;
    sums.insurance_fund = asset.insurance_fund;
    sums.fee_account = asset.fee_account;
    sums.deposits = asset.deposits;
    sums.withdrawals = asset.withdrawals;
    sums.top_ups = asset.top_ups;
  }
  return sums;
}

SimulationReport StartReport(const SimulationOptions& options,
                             const std::vector<PricePoint>& path) {
  SimulationReport report;
  report.scenario = options.prices_csv.empty() ? options.scenario
                                               : fs::path(options.prices_csv).filename().string();
  report.seed = options.seed;
  report.traders = options.traders + options.traders % 2;
  report.market_makers = options.market_makers;
  report.steps = path.size();
  report.start_time_ns = path.front().time_ns;
  report.end_time_ns = path.back().time_ns;
  report.mark_start = path.front().price;
  report.mark_end = path.back().price;
  report.key_id = ledger::ToHex(options.signing_key->key_id());
  report.invariants_checked_every_input = options.engine_options.verify_invariants;
  return report;
}

VenueOptions MakeVenueOptions(const SimulationOptions& options, int64_t traders, size_t steps) {
  VenueOptions venue;
  venue.seed = options.seed;
  venue.traders = traders;
  venue.market_makers = options.market_makers;
  const int64_t fund_usdt =
      options.insurance_fund_usdt < 0 ? 10 * traders : options.insurance_fund_usdt;
  venue.insurance_fund = fund_usdt * kUsdt;
  venue.funding_interval_ns = options.funding_interval_s * 1'000'000'000LL;
  venue.activity = options.activity;
  // Traders open their positions over the first quarter of the path.
  venue.opening_steps = std::max<int64_t>(1, static_cast<int64_t>(steps) / 4);
  return venue;
}

// The sequencer on the simulated clock `*now_ns`, which the venue advances step by step.
base::Result<std::unique_ptr<replay::Sequencer>> OpenSequencer(
    const SimulationOptions& options, const std::shared_ptr<int64_t>& now_ns) {
  replay::SequencerOptions sequencer_options;
  sequencer_options.signing_key = options.signing_key;
  sequencer_options.clock = [now_ns] { return *now_ns; };
  sequencer_options.snapshot_every_records = options.snapshot_every_records;
  sequencer_options.engine_options = options.engine_options;
  std::vector<std::string> warnings;  // A fresh log has no snapshots to warn about.
  return replay::Sequencer::Open(replay::DataDir::At(options.data_dir),
                                 std::move(sequencer_options), &warnings);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

ledger::ChainId SimulationChainId(uint64_t seed) {
  std::vector<uint8_t> message = {'b', 'a', 'c', 'k', 's', 't', 'o', 'p', '-', 's',
                                  'i', 'm', 'u', 'l', 'a', 't', 'i', 'o', 'n'};
  for (int shift = 56; shift >= 0; shift -= 8)
    message.push_back(static_cast<uint8_t>(seed >> shift));
  base::Sha256 sha;
  const ledger::Hash digest = sha.Of(message);
  ledger::ChainId chain_id{};
  std::copy_n(digest.begin(), chain_id.size(), chain_id.begin());
  return chain_id;
}

base::Result<SimulationReport> RunSimulation(const SimulationOptions& options) {
  BACKSTOP_RETURN_IF_ERROR(CheckOptions(options));
  BACKSTOP_ASSIGN_OR_RETURN(const std::vector<PricePoint> path, LoadPath(options));
  BACKSTOP_ASSERT(!path.empty());
  SimulationReport report = StartReport(options, path);
  BACKSTOP_ASSIGN_OR_RETURN(report.chain_id, CreateDataDir(options, path.front().time_ns));
  auto now_ns = std::make_shared<int64_t>(path.front().time_ns);
  BACKSTOP_ASSIGN_OR_RETURN(std::unique_ptr<replay::Sequencer> sequencer,
                            OpenSequencer(options, now_ns));
  Venue venue(MakeVenueOptions(options, report.traders, path.size()), sequencer.get(),
              now_ns.get());

  const auto start = std::chrono::steady_clock::now();
  BACKSTOP_RETURN_IF_ERROR(venue.Setup(path.front().time_ns, path.front().price));
  for (size_t step = 0; step < path.size(); ++step) {
    BACKSTOP_RETURN_IF_ERROR(
        venue.Step(static_cast<int64_t>(step), path[step].time_ns, path[step].price));
    if (options.progress) {
      options.progress({step + 1, path.size(), path[step].time_ns, path[step].price,
                        sequencer->engine().InsuranceFund(kQuoteAsset), venue.stats().inputs});
    }
  }
  BACKSTOP_RETURN_IF_ERROR(sequencer->Flush());
  report.run_seconds = SecondsSince(start);

  const engine::RiskEngine& engine = sequencer->engine();
  engine.CheckInvariants();  // Aborts with a message if any invariant is broken.
  report.invariants_hold = true;
  report.conservation = ComputeConservation(engine);
  report.fund_end = engine.InsuranceFund(kQuoteAsset);
  report.venue = venue.stats();
  BACKSTOP_ASSERT(report.venue.inputs > 0 && report.conservation.holds());

  const auto tally_start = std::chrono::steady_clock::now();
  BACKSTOP_ASSIGN_OR_RETURN(report.tally, TallyLog(sequencer->log(), report.venue.fund_start));
  report.tally_seconds = SecondsSince(tally_start);
  report.head_seq = sequencer->log().head_seq();
  report.head_hash = ledger::ToHex(sequencer->log().head_hash());
  BACKSTOP_ASSERT(report.tally.inputs == report.venue.inputs, report.tally.inputs,
                  report.venue.inputs);
  return report;
}

}  // namespace sim
