// Benchmark of issue 6: `adl list --account` on a large log. A plain program (each figure is a
// distribution over many queries, not a micro-benchmark). On a log of N records (default 10 M)
// written through the sequencer from RandomStream(seed, 2000 accounts, 4 markets), it reports:
//   - the query function in-process (query::ListAdlReductions, served by the covering index
//     idx_adl_account: the rows are its values), over many accounts in a seeded order:
//     p50/p90/p99/max latency and rows returned, with and without --limit;
//   - the index scan alone (seqs only);
//   - the brute-force answer beside it: a full scan + decode of the log for one account;
//   - the CLI end to end (`backstop adl list --account A --json`, process start, read-only
//     open of RocksDB, query, JSON), over fewer runs.
// Usage: query_bench [--dir DIR] [--records N] [--queries Q] [--cli-runs R] [--binary PATH]
// The log is built once in DIR (default /tmp/backstop-query-bench) and reused by later runs.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/strong_type_fmt.h"
#include "ledger/indexes.h"
#include "query/queries.h"
#include "replay/sequencer.h"
#include "tests/engine/engine_test_util.h"

namespace {

using Clock = std::chrono::steady_clock;
using ledger::SequenceNumber;

struct Config {
  std::string dir = "/tmp/backstop-query-bench";
  uint64_t records = 10'000'000;
  int queries = 5'000;
  int cli_runs = 100;
  std::string binary = BACKSTOP_BINARY;
};

int64_t Micros(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

void Check(const base::Status& status, const char* what) {
  if (status.ok()) return;
  fmt::print(stderr, "{}: {}\n", what, status.ToString());
  std::exit(1);
}

// Appends RandomStream inputs until the log holds at least config.records records.
void BuildLog(const Config& config) {
  const replay::DataDir data = replay::DataDir::At(config.dir);
  std::filesystem::create_directories(data.keyring);
  const ledger::PrivateKey key = *ledger::PrivateKey::Generate();
  Check(key.public_key().SavePem(data.keyring + "/signer.pem"), "save key");
  { Check(ledger::EventLog::Create(data.log, ledger::LogOptions()).status(), "create log"); }
  replay::SequencerOptions options;
  options.signing_key = key;
  auto time_ns = std::make_shared<int64_t>(1'760'000'000'000'000'000);
  options.clock = [time_ns] { return *time_ns += 1'000'000; };
  options.engine_options.verify_invariants = false;
  std::vector<std::string> warnings;
  auto sequencer = replay::Sequencer::Open(data, options, &warnings);
  Check(sequencer.status(), "open sequencer");
  engine::testing::RandomStream stream(42, 2'000, 4);
  const auto start = Clock::now();
  uint64_t head = 0;
  while (head < config.records) {
    auto submitted = (*sequencer)->Submit(stream.Next());
    Check(submitted.status(), "submit");
    head = submitted->range.last.value();
    if (head % 500'000 < 4) {
      fmt::print(stderr, "\rbuilding: {} / {} records ({} s)", head, config.records,
                 Micros(Clock::now() - start) / 1'000'000);
    }
  }
  Check((*sequencer)->Flush(), "flush");
  fmt::print(stderr, "\nbuilt {} records in {} s\n", head,
             Micros(Clock::now() - start) / 1'000'000);
}

struct Stats {
  int64_t p50 = 0, p90 = 0, p99 = 0, max = 0;
};

Stats Percentiles(std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  auto at = [&](int percent) { return values[(values.size() - 1) * percent / 100]; };
  return {at(50), at(90), at(99), values.back()};
}

// Times ListAdlReductions for `queries` accounts drawn (seeded) from 1..2000.
void TimeQueryFunction(const ledger::EventLog& log, const Config& config, size_t limit) {
  engine::testing::SplitMix rng(1);
  std::vector<int64_t> micros;
  std::vector<int64_t> rows;
  for (int i = 0; i < config.queries; ++i) {
    query::Filter filter;
    filter.account = static_cast<engine::AccountId>(rng.Uniform(1, 2'000));
    filter.limit = limit;
    const auto start = Clock::now();
    auto result = query::ListAdlReductions(log, filter);
    micros.push_back(Micros(Clock::now() - start));
    if (!result.ok() && !result.status().IsNotFound()) Check(result.status(), "query");
    rows.push_back(result.ok() ? static_cast<int64_t>(result->size()) : 0);
  }
  const Stats t = Percentiles(micros);
  const Stats r = Percentiles(rows);
  fmt::print(
      "query fn  limit {:>4}: {} queries  p50 {} us  p90 {} us  p99 {} us  max {} us  "
      "(rows p50 {} p99 {} max {})\n",
      limit, config.queries, t.p50, t.p90, t.p99, t.max, r.p50, r.p99, r.max);
}

// The index scan alone (idx_adl_account, seqs only): what a query costs before it decodes the
// rows from the index values.
void TimeIndexOnly(const ledger::EventLog& log, const Config& config) {
  engine::testing::SplitMix rng(1);
  std::vector<int64_t> micros;
  int64_t rows = 0;
  for (int i = 0; i < config.queries; ++i) {
    const uint64_t account = static_cast<uint64_t>(rng.Uniform(1, 2'000));
    const std::string prefix = ledger::AccountPrefix(account);
    const std::string upper = ledger::AccountPrefix(account + 1);
    const auto start = Clock::now();
    auto seqs = log.ScanIndex(ledger::Index::kAdlByAccount, prefix, upper, 0);
    micros.push_back(Micros(Clock::now() - start));
    Check(seqs.status(), "scan index");
    rows += static_cast<int64_t>(seqs->size());
  }
  const Stats t = Percentiles(micros);
  fmt::print(
      "index scan only:  {} scans  p50 {} us  p90 {} us  p99 {} us  max {} us  "
      "({} seqs in all)\n",
      config.queries, t.p50, t.p90, t.p99, t.max, rows);
}

// The brute-force answer for one account: scan and decode every record.
void TimeBruteForce(const ledger::EventLog& log, uint64_t account) {
  const auto start = Clock::now();
  size_t found = 0;
  auto it = log.NewIterator(ledger::SequenceNumber{1}, ledger::SequenceNumber{0});
  for (; it->Valid(); it->Next()) {
    auto record = ledger::DecodeRecord(it->value());
    Check(record.status(), "decode");
    const auto event = record->event();
    if (event.which() != ledger::schema::Event::ADL_REDUCTION) continue;
    const auto adl = event.getAdlReduction();
    if (adl.getAccount() == account || adl.getCounterparty() == account) ++found;
  }
  Check(it->status(), "scan");
  fmt::print("brute force (full scan) account {}: {} rows in {} ms\n", account, found,
             Micros(Clock::now() - start) / 1000);
}

void TimeCli(const Config& config) {
  engine::testing::SplitMix rng(2);
  std::vector<int64_t> micros;
  for (int i = 0; i < config.cli_runs; ++i) {
    const std::string command =
        fmt::format("{} adl list --json --account {} --data {} > /dev/null 2>&1", config.binary,
                    rng.Uniform(1, 2'000), config.dir);
    const auto start = Clock::now();
    const int status = std::system(command.c_str());
    micros.push_back(Micros(Clock::now() - start));
    if (status != 0 && WEXITSTATUS(status) != 2) Check(base::Status::IOError(command), "cli");
  }
  const Stats t = Percentiles(micros);
  fmt::print("CLI end to end: {} runs  p50 {} ms  p90 {} ms  p99 {} ms  max {} ms\n",
             config.cli_runs, t.p50 / 1000, t.p90 / 1000, t.p99 / 1000, t.max / 1000);
}

Config ParseArguments(int argc, char** argv) {
  Config config;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--dir") {
      config.dir = value;
    } else if (flag == "--records") {
      config.records = std::strtoull(value, nullptr, 10);
    } else if (flag == "--queries") {
      config.queries = std::atoi(value);
    } else if (flag == "--cli-runs") {
      config.cli_runs = std::atoi(value);
    } else if (flag == "--binary") {
      config.binary = value;
    } else {
      fmt::print(stderr, "unknown flag {}\n", flag);
      std::exit(2);
    }
  }
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  const Config config = ParseArguments(argc, argv);
  if (!std::filesystem::exists(config.dir + "/log")) BuildLog(config);
  ledger::LogOptions options;
  options.read_only = true;
  auto log = ledger::EventLog::Open(config.dir + "/log", std::move(options));
  Check(log.status(), "open log");
  auto adl = (*log)->ScanIndex(ledger::Index::kAdlByTime, "", "", 0);
  Check(adl.status(), "count ADL");
  fmt::print("log {}: {} records, {} ADL reductions\n", config.dir, (*log)->head_seq(),
             adl->size());
  TimeQueryFunction(**log, config, 0);
  TimeQueryFunction(**log, config, 100);
  TimeQueryFunction(**log, config, 0);  // Again, with the cache warm.
  TimeQueryFunction(**log, config, 20);
  TimeIndexOnly(**log, config);
  TimeBruteForce(**log, 1);
  log->reset();
  if (config.cli_runs > 0) TimeCli(config);
  return 0;
}
