// Seeded logs and brute-force scans for the query tests (see query_test_util.h).

#include "tests/query/query_test_util.h"

#include <capnp/dynamic.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "replay/sequencer.h"
#include "tests/engine/engine_test_util.h"
#include "tests/testing/status_testing.h"

namespace query::testing {
namespace {

using E = ledger::schema::Event;

bool InTime(const Filter& filter, int64_t time_ns) {
  return (!filter.since_ns || time_ns >= *filter.since_ns) &&
         (!filter.until_ns || time_ns < *filter.until_ns);
}

template <typename Row>
std::vector<Row> Limit(std::vector<Row> rows, size_t limit) {
  if (limit != 0 && rows.size() > limit) rows.resize(limit);
  return rows;
}

// Accounts and market named by the active member of `event`, by reflection.
void Classify(E::Reader event, std::vector<uint64_t>* accounts, std::optional<uint32_t>* market) {
  capnp::DynamicStruct::Reader dynamic = event;
  KJ_IF_MAYBE (field, dynamic.which()) {
    auto body = dynamic.get(*field).as<capnp::DynamicStruct>();
    for (auto member : body.getSchema().getFields()) {
      const std::string name = member.getProto().getName().cStr();
      const auto value = body.get(member);
      if (name == "account" || name == "makerAccount" || name == "takerAccount" ||
          name == "counterparty") {
        const uint64_t account = value.as<uint64_t>();
        if (account != 0 &&
            std::find(accounts->begin(), accounts->end(), account) == accounts->end()) {
          accounts->push_back(account);
        }
      }
      if (name == "market" || name == "marketId") *market = value.as<uint32_t>();
    }
  }
}

}  // namespace

SeededLog MakeSeededLog(uint64_t seed, int64_t inputs) {
  SeededLog out;
  out.seed = seed;
  out.inputs = inputs;
  std::string pattern = std::filesystem::temp_directory_path() / "backstop-query-XXXXXX";
  out.root = mkdtemp(pattern.data());
  out.data = replay::DataDir::At(out.root);
  std::filesystem::create_directories(out.data.keyring);
  const ledger::PrivateKey key = *ledger::PrivateKey::Generate();
  EXPECT_OK(key.public_key().SavePem(out.data.keyring + "/signer.pem"));
  EXPECT_OK(key.SavePem(out.root + "/signer.key.pem"));
  {
    auto log = ledger::EventLog::Create(out.data.log, ledger::LogOptions());
    EXPECT_OK(log);
  }
  replay::SequencerOptions options;
  options.signing_key = key;
  auto time_ns = std::make_shared<int64_t>(kStartTimeNs);
  options.clock = [time_ns] { return *time_ns += kStepNs; };
  std::vector<std::string> warnings;
  auto sequencer = replay::Sequencer::Open(out.data, options, &warnings);
  EXPECT_OK(sequencer);
  if (!sequencer.ok()) return out;
  engine::testing::RandomStream stream(seed);
  for (int64_t i = 0; i < inputs; ++i) {
    auto submitted = (*sequencer)->Submit(stream.Next());
    EXPECT_OK(submitted);
    if (!submitted.ok()) break;
  }
  EXPECT_OK((*sequencer)->Flush());
  return out;
}

void RemoveSeededLog(const SeededLog& log) {
  std::error_code ignored;
  std::filesystem::remove_all(log.root, ignored);
}

const SeededLog& SharedSeededLog() {
  static const SeededLog* shared = [] {
    const char* env = std::getenv("BACKSTOP_QUERY_SEED");
    const uint64_t seed = env != nullptr ? std::strtoull(env, nullptr, 10) : 7;
    auto* log = new SeededLog(MakeSeededLog(seed, 30'000));
    std::atexit([] { RemoveSeededLog(SharedSeededLog()); });
    return log;
  }();
  return *shared;
}

std::unique_ptr<ledger::EventLog> OpenReadOnlyLog(const std::string& log_dir) {
  ledger::LogOptions options;
  options.read_only = true;
  auto log = ledger::EventLog::Open(log_dir, std::move(options));
  EXPECT_OK(log);
  return log.ok() ? std::move(*log) : nullptr;
}

BruteForce ScanAll(const ledger::EventLog& log) {
  BruteForce all;
  auto it = log.NewIterator(ledger::SequenceNumber{1}, ledger::SequenceNumber{0});
  for (; it->Valid(); it->Next()) {
    auto record = ledger::DecodeRecord(it->value());
    EXPECT_OK(record);
    if (!record.ok()) break;
    all.head = record->seq();
    const E::Reader event = record->event();
    std::vector<uint64_t> accounts;
    std::optional<uint32_t> market;
    Classify(event, &accounts, &market);
    for (uint64_t account : accounts) {
      all.account_events[engine::AccountId{account}].push_back(record->seq());
    }
    if (market) all.market_of[record->seq()] = *market;
    switch (event.which()) {
      case E::ADL_REDUCTION: {
        auto row = AdlReductionFromRecord(*record);
        EXPECT_OK(row);
        if (row.ok()) all.adl.push_back(*row);
        break;
      }
      case E::LIQUIDATION: {
        auto row = LiquidationFromRecord(*record);
        EXPECT_OK(row);
        if (row.ok()) all.liquidations.push_back(*row);
        break;
      }
      case E::INSURANCE_FUND_CREDIT:
      case E::INSURANCE_FUND_DRAW: {
        auto row = FundMovementFromRecord(*record);
        EXPECT_OK(row);
        if (row.ok()) all.fund.push_back(*row);
        break;
      }
      case E::ADL_QUEUE: {
        auto row = AdlQueueFromRecord(*record);
        EXPECT_OK(row);
        if (row.ok()) all.queues.push_back(*row);
        break;
      }
      default:
        break;
    }
  }
  EXPECT_OK(it->status());
  return all;
}

std::vector<AdlReductionRow> ExpectedAdl(const BruteForce& all, const Filter& filter) {
  std::vector<AdlReductionRow> out;
  for (const AdlReductionRow& row : all.adl) {
    const engine::AdlReduction& e = row.effect;
    if (filter.account && e.liquidated_account != *filter.account &&
        e.counterparty_account != *filter.account) {
      continue;
    }
    if (filter.market && e.market != *filter.market) continue;
    if (!InTime(filter, row.ref.time_ns)) continue;
    out.push_back(row);
    // `adl list` reads the index, whose values do not hold format 3's score inputs (only
    // `adl explain`, which reads the record, shows them).
    out.back().effect.score_inputs = {};
  }
  return Limit(std::move(out), filter.limit);
}

std::vector<LiquidationRow> ExpectedLiquidations(const BruteForce& all, const Filter& filter) {
  std::vector<LiquidationRow> out;
  for (const LiquidationRow& row : all.liquidations) {
    if (filter.account && row.effect.account != *filter.account) continue;
    if (filter.market && row.effect.market != *filter.market) continue;
    if (InTime(filter, row.ref.time_ns)) out.push_back(row);
  }
  return Limit(std::move(out), filter.limit);
}

std::vector<FundMovementRow> ExpectedFund(const BruteForce& all, const Filter& filter) {
  std::vector<FundMovementRow> out;
  for (const FundMovementRow& row : all.fund) {
    if (filter.asset && row.asset() != *filter.asset) continue;
    if (filter.account && row.account() != *filter.account) continue;
    if (filter.market && row.market() != *filter.market) continue;
    if (InTime(filter, row.ref.time_ns)) out.push_back(row);
  }
  return Limit(std::move(out), filter.limit);
}

std::vector<SequenceNumber> ExpectedHistory(const BruteForce& all, const ledger::EventLog& log,
                                            const Filter& filter) {
  std::vector<SequenceNumber> out;
  const auto found = all.account_events.find(*filter.account);
  if (found == all.account_events.end()) return out;
  for (SequenceNumber seq : found->second) {
    if (filter.market) {
      const auto market = all.market_of.find(seq);
      if (market == all.market_of.end() || engine::MarketId{market->second} != *filter.market)
        continue;
    }
    auto record = log.Read(seq);
    EXPECT_OK(record);
    if (record.ok() && InTime(filter, record->time_ns())) out.push_back(seq);
  }
  return Limit(std::move(out), filter.limit);
}

std::vector<Filter> SampleFilters(const BruteForce& all, uint64_t seed, int count) {
  engine::testing::SplitMix rng(seed);
  const int64_t span = static_cast<int64_t>(all.head.value()) * kStepNs;
  std::vector<Filter> filters;
  filters.push_back(Filter{});
  for (int i = 0; i < count; ++i) {
    Filter filter;
    if (rng.Chance(60)) filter.account = static_cast<engine::AccountId>(rng.Uniform(1, 42));
    if (rng.Chance(35)) filter.market = static_cast<engine::MarketId>(rng.Uniform(1, 4));
    if (rng.Chance(30)) filter.asset = static_cast<engine::AssetId>(rng.Uniform(1, 2));
    if (rng.Chance(40)) filter.since_ns = kStartTimeNs + rng.Uniform(0, span);
    if (rng.Chance(40)) {
      filter.until_ns = kStartTimeNs + rng.Uniform(0, span + 10 * kStepNs);
      if (filter.since_ns && *filter.until_ns <= *filter.since_ns) filter.until_ns.reset();
    }
    if (rng.Chance(30)) filter.limit = static_cast<size_t>(rng.Uniform(1, 20));
    filters.push_back(filter);
  }
  return filters;
}

std::string Describe(const Filter& filter) {
  std::string out = "filter{";
  if (filter.account) out += " account=" + std::to_string(filter.account->value());
  if (filter.market) out += " market=" + std::to_string(filter.market->value());
  if (filter.asset) out += " asset=" + std::to_string(filter.asset->value());
  if (filter.since_ns) out += " since=" + std::to_string(*filter.since_ns);
  if (filter.until_ns) out += " until=" + std::to_string(*filter.until_ns);
  if (filter.limit) out += " limit=" + std::to_string(filter.limit);
  return out + " }";
}

}  // namespace query::testing
