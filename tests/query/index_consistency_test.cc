// The indexes the queries read stay consistent with the events: through kill -9 during
// ingest, and after damage repaired by RebuildIndexes.
//
// Goal and method: (1) a real `backstop ingest - --acks` child runs on seeded JSONL slices of
// the RandomStream and is SIGKILLed a seeded moment after its acks begin, several rounds; after
// each round the log opens read-only, CheckIndexes() is "" and every query equals the brute-force
// scan. (2) On a seeded log, all keys of one index are deleted through RocksDB itself;
// CheckIndexes() names the missing key, queries disagree with brute force, RebuildIndexes()
// repairs it and everything agrees again. (3) The same for a changed or malformed covering
// value of idx_adl_account. (4) An expected digest summed over two seq ranges, as a one-pass
// auditor builds it, equals the whole log's and passes CheckIndexes(expected).

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>

#include "cli/input_json.h"
#include "ledger/indexes.h"
#include "tests/e2e/cli_test_support.h"
#include "tests/engine/engine_test_util.h"
#include "tests/query/query_test_util.h"
#include "tests/testing/status_testing.h"

namespace query::testing {
namespace {

// Every query of a spread of filters equals brute force on the log in `log_dir`.
void ExpectQueriesEqualBruteForce(const ledger::EventLog& log, uint64_t seed) {
  const BruteForce all = ScanAll(log);
  for (const Filter& filter : SampleFilters(all, seed, 60)) {
    SCOPED_TRACE(Describe(filter));
    if (filter.account && all.account_events.count(*filter.account) == 0) continue;
    auto adl = ListAdlReductions(log, filter);
    ASSERT_OK(adl);
    EXPECT_EQ(*adl, ExpectedAdl(all, filter));
    auto liquidations = ListLiquidations(log, filter);
    ASSERT_OK(liquidations);
    EXPECT_EQ(*liquidations, ExpectedLiquidations(all, filter));
    auto fund = ListFundMovements(log, filter);
    ASSERT_OK(fund);
    EXPECT_EQ(*fund, ExpectedFund(all, filter));
  }
}

TEST(IndexConsistencyTest, KillNineDuringIngestLeavesIndexesConsistent) {
  const uint32_t seed = ::testing::UnitTest::GetInstance()->random_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  e2e::ScratchDir scratch("query-crash");
  e2e::InitLog(scratch);
  engine::testing::RandomStream stream(seed);
  engine::testing::SplitMix rng(seed);
  constexpr int kRounds = 5;
  constexpr int kLinesPerRound = 6'000;
  int killed_mid_stream = 0;
  uint64_t previous_head = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    {
      std::ofstream out(scratch / "slice.jsonl");
      for (int i = 0; i < kLinesPerRound; ++i) out << cli::InputToJson(stream.Next()) << "\n";
    }
    const std::string command = std::string("exec ") + BACKSTOP_BINARY +
                                " ingest - --acks --data " + (scratch / "data") + " --key " +
                                (scratch / "signer.key.pem") + " < " + (scratch / "slice.jsonl") +
                                " > " + (scratch / "acks") + " 2>/dev/null";
    e2e::RunAndKillAfterOutput(command, scratch / "acks", rng.Uniform(1, 20'000),
                               std::chrono::milliseconds(rng.Uniform(0, 20)));
    std::ifstream acks(scratch / "acks");
    std::string line;
    int acknowledged = 0;
    while (std::getline(acks, line)) acknowledged += line.rfind("ack ", 0) == 0 ? 1 : 0;
    if (acknowledged > 0 && acknowledged < kLinesPerRound) ++killed_mid_stream;
    auto log = OpenReadOnlyLog(scratch / "data/log");
    ASSERT_NE(log, nullptr);
    EXPECT_GE(log->head_seq().value(), previous_head);
    previous_head = log->head_seq().value();
    auto check = log->CheckIndexes();
    ASSERT_OK(check);
    EXPECT_EQ(*check, "") << "after kill at head " << log->head_seq();
    ExpectQueriesEqualBruteForce(*log, seed);
    if (round == kRounds - 1) {
      EXPECT_FALSE(ScanAll(*log).liquidations.empty()) << "the slices should reach liquidations";
    }
  }
  EXPECT_GE(killed_mid_stream, 1) << "at least one kill should land while appending";
}

// Opens the log's RocksDB directly (all column families, writable) and hands `damage` the
// column family of `index`, as a disk or a buggy writer could change it.
void DamageIndex(const std::string& log_dir, ledger::Index index,
                 const std::function<void(rocksdb::DB*, rocksdb::ColumnFamilyHandle*)>& damage) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), log_dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), log_dir, families, &handles, &db).ok());
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == ledger::IndexColumnFamily(index)) damage(db, handles[i]);
  }
  for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
  delete db;
}

rocksdb::WriteOptions Synced() {
  rocksdb::WriteOptions options;
  options.sync = true;
  return options;
}

void DeleteIndexKeys(const std::string& log_dir, ledger::Index index) {
  DamageIndex(log_dir, index, [](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), family));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ASSERT_TRUE(db->Delete(Synced(), family, it->key()).ok());
    }
  });
}

// Replaces the value of `key` (which must exist) in `index` with change(value).
void ChangeIndexValue(const std::string& log_dir, ledger::Index index, const std::string& key,
                      const std::function<std::string(std::string)>& change) {
  DamageIndex(log_dir, index, [&](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family) {
    std::string value;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), family, key, &value).ok());
    ASSERT_TRUE(db->Put(Synced(), family, key, change(value)).ok());
  });
}

void Reindex(const std::string& log_dir) {
  auto log = ledger::EventLog::Open(log_dir, ledger::LogOptions());
  ASSERT_OK(log);
  ASSERT_OK((*log)->RebuildIndexes([](uint64_t, uint64_t) {}));
}

// Rebuilds the indexes of `seeded`, then expects them to check clean and every query to equal
// the brute-force scan (over `seed`'s accounts).
void ReindexAndExpectClean(const SeededLog& seeded, uint64_t seed) {
  Reindex(seeded.data.log);
  auto log = OpenReadOnlyLog(seeded.data.log);
  ASSERT_NE(log, nullptr);
  auto check = log->CheckIndexes();
  ASSERT_OK(check);
  EXPECT_EQ(*check, "");
  ExpectQueriesEqualBruteForce(*log, seed);
}

TEST(IndexConsistencyTest, RebuildIndexesRepairsDeletedIndexKeys) {
  const SeededLog seeded = MakeSeededLog(11, 12'000);
  for (ledger::Index index :
       {ledger::Index::kAdlByAccount, ledger::Index::kAccountEvent, ledger::Index::kFundMovement}) {
    SCOPED_TRACE(ledger::IndexColumnFamily(index));
    DeleteIndexKeys(seeded.data.log, index);
    {
      auto log = OpenReadOnlyLog(seeded.data.log);
      ASSERT_NE(log, nullptr);
      auto check = log->CheckIndexes();
      ASSERT_OK(check);
      EXPECT_NE(check->find(ledger::IndexColumnFamily(index)), std::string::npos) << *check;
      EXPECT_NE(check->find("missing key"), std::string::npos) << *check;
      if (index == ledger::Index::kAdlByAccount) {
        // The damage shows: an account with ADL reductions now seems to have none.
        const BruteForce all = ScanAll(*log);
        ASSERT_FALSE(all.adl.empty());
        Filter filter;
        filter.account = all.adl.front().effect.counterparty_account;
        auto rows = ListAdlReductions(*log, filter);
        ASSERT_OK(rows);
        EXPECT_TRUE(rows->empty());
        EXPECT_FALSE(ExpectedAdl(all, filter).empty());
      }
    }
    ReindexAndExpectClean(seeded, 11);
  }
  RemoveSeededLog(seeded);
}

// A covering value that changed (one bit flipped) is caught by CheckIndexes and shows
// in the query's answer; a value that no longer decodes makes the query fail as Corruption.
// RebuildIndexes repairs both.
TEST(IndexConsistencyTest, CheckIndexesCatchesAChangedValueAndReindexRepairsIt) {
  const SeededLog seeded = MakeSeededLog(13, 12'000);
  AdlReductionRow target;
  {
    auto log = OpenReadOnlyLog(seeded.data.log);
    ASSERT_NE(log, nullptr);
    const BruteForce all = ScanAll(*log);
    ASSERT_FALSE(all.adl.empty());
    target = all.adl[all.adl.size() / 2];
  }
  // The counterparty's key in idx_adl_account: account | seq, both big-endian.
  std::string key = ledger::AccountPrefix(target.effect.counterparty_account.value());
  for (int shift = 56; shift >= 0; shift -= 8)
    key.push_back(static_cast<char>(target.ref.seq.value() >> shift));
  ChangeIndexValue(seeded.data.log, ledger::Index::kAdlByAccount, key, [](std::string value) {
    value.back() ^= 1;  // The low bit of gainVsMark, the last field.
    return value;
  });
  Filter filter;
  filter.account = target.effect.counterparty_account;
  {
    auto log = OpenReadOnlyLog(seeded.data.log);
    ASSERT_NE(log, nullptr);
    auto check = log->CheckIndexes();
    ASSERT_OK(check);
    EXPECT_EQ(*check,
              "idx_adl_account: value differs for seq " + std::to_string(target.ref.seq.value()));
    auto rows = ListAdlReductions(*log, filter);
    ASSERT_OK(rows);
    auto row = std::find_if(rows->begin(), rows->end(), [&](const AdlReductionRow& candidate) {
      return candidate.ref == target.ref;
    });
    ASSERT_NE(row, rows->end());
    EXPECT_EQ(row->effect.gain_vs_mark, engine::Money{target.effect.gain_vs_mark.value() ^
                                                      1});  // The damage shows in the answer.
  }
  ChangeIndexValue(seeded.data.log, ledger::Index::kAdlByAccount, key,
                   [](std::string value) { return value.substr(1); });
  {
    auto log = OpenReadOnlyLog(seeded.data.log);
    ASSERT_NE(log, nullptr);
    auto rows = ListAdlReductions(*log, filter);
    EXPECT_TRUE(rows.status().IsCorruption()) << rows.status().ToString();
  }
  ReindexAndExpectClean(seeded, 13);
  RemoveSeededLog(seeded);
}

// The expected digest an auditor builds in one pass: the digests of two disjoint seq ranges,
// added, equal the digest of the whole log, and CheckIndexes accepts it; half the log's digest
// is refused.
TEST(IndexConsistencyTest, DigestsOfDisjointRangesAddUpToTheWholeLog) {
  auto log = OpenReadOnlyLog(SharedSeededLog().data.log);
  ASSERT_NE(log, nullptr);
  auto digest_of = [&](SequenceNumber first, SequenceNumber last) {
    ledger::IndexDigest digest;
    std::vector<ledger::IndexEntry> entries;
    for (auto it = log->NewIterator(first, last); it->Valid(); it->Next()) {
      auto record = ledger::DecodeRecord(it->value());
      EXPECT_OK(record);
      entries.clear();
      ledger::IndexEntries(*record, &entries);
      for (const ledger::IndexEntry& entry : entries) digest.Add(entry);
    }
    return digest;
  };
  const SequenceNumber first{1}, to_head{0};
  const SequenceNumber middle{log->head_seq().value() / 2};
  ledger::IndexDigest sum = digest_of(first, middle);
  sum += digest_of(middle + 1, to_head);
  EXPECT_EQ(sum, digest_of(first, to_head));
  auto check = log->CheckIndexes(sum);
  ASSERT_OK(check);
  EXPECT_EQ(*check, "");
  check = log->CheckIndexes(digest_of(first, middle));
  ASSERT_OK(check);
  EXPECT_NE(*check, "");
}

}  // namespace
}  // namespace query::testing
