// Fixture for query tests: seeded logs built through the sequencer from the engine tests'
// RandomStream (markets crash, so liquidations and ADL happen), and brute-force scans of a
// whole log that the index-driven queries must agree with.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ledger/event_log.h"
#include "query/adl_explain.h"
#include "query/queries.h"
#include "replay/data_dir.h"

namespace query::testing {

// A data directory filled with `inputs` commands of RandomStream(seed), stamped by a fake
// clock that starts at kStartTimeNs and advances kStepNs per stamp.
struct SeededLog {
  std::string root;
  replay::DataDir data;
  uint64_t seed = 0;
  int64_t inputs = 0;
};
inline constexpr int64_t kStartTimeNs = 1'760'000'000'000'000'000;
inline constexpr int64_t kStepNs = 1'000'000;

// Creates a fresh seeded log under a temp folder (removed by RemoveSeededLog).
SeededLog MakeSeededLog(uint64_t seed, int64_t inputs);
void RemoveSeededLog(const SeededLog& log);
// One shared log per test binary (seed from BACKSTOP_QUERY_SEED, default 7; 30k inputs).
const SeededLog& SharedSeededLog();

std::unique_ptr<ledger::EventLog> OpenReadOnlyLog(const std::string& log_dir);

// Every record of the log, read in order with NewIterator and classified without indexes.
struct BruteForce {
  std::vector<AdlReductionRow> adl;
  std::vector<LiquidationRow> liquidations;
  std::vector<FundMovementRow> fund;
  std::vector<AdlQueueRow> queues;
  // Seqs of the records naming each account (found by schema reflection: fields named
  // account, makerAccount, takerAccount, counterparty; account 0 left out).
  std::map<engine::AccountId, std::vector<SequenceNumber>> account_events;
  // The market named by each record (by reflection: market or marketId fields).
  std::map<SequenceNumber, uint32_t> market_of;
  SequenceNumber head{0};
};
BruteForce ScanAll(const ledger::EventLog& log);

// The brute-force answers to each query.
std::vector<AdlReductionRow> ExpectedAdl(const BruteForce& all, const Filter& filter);
std::vector<LiquidationRow> ExpectedLiquidations(const BruteForce& all, const Filter& filter);
std::vector<FundMovementRow> ExpectedFund(const BruteForce& all, const Filter& filter);
std::vector<SequenceNumber> ExpectedHistory(const BruteForce& all, const ledger::EventLog& log,
                                            const Filter& filter);

// A spread of filters over the accounts, markets, assets and time span of `all`, seeded.
std::vector<Filter> SampleFilters(const BruteForce& all, uint64_t seed, int count);
std::string Describe(const Filter& filter);

}  // namespace query::testing
