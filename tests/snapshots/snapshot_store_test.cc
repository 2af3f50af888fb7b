// SnapshotStore behaviour: round trip, listing, retention, partial files, newest-valid choice.
//
// Goal and method: each test writes snapshots of a state built by a real RiskEngine into a
// fresh folder, then loads, lists, deletes or damages files the way an operator or a crash
// would, and checks what the store returns (and that it never returns an unverified state).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "engine/risk_engine.h"
#include "snapshot_test_util.h"
#include "snapshots/state_hash.h"

namespace snapshots {
namespace {

namespace fs = std::filesystem;
using testing::SnapshotTest;

TEST_F(SnapshotTest, RoundTripGivesTheSameStateAndHash) {
  const engine::EngineState state = testing::MakeEngineState();
  const SnapshotInfo info = WriteAt(ledger::SequenceNumber{1000000});
  EXPECT_EQ(info.path, store_->PathFor(ledger::SequenceNumber{1000000}));
  EXPECT_EQ(fs::path(info.path).filename(), "snapshot-00000000000001000000.bin");
  auto loaded = LoadAt(ledger::SequenceNumber{1000000});
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->state, state);
  EXPECT_EQ(loaded->state_hash, StateHash(state));
  EXPECT_EQ(loaded->meta, MetaAt(ledger::SequenceNumber{1000000}));
  EXPECT_EQ(loaded->key_id, key_a().key_id());
  EXPECT_EQ(info.state_hash, loaded->state_hash);
  EXPECT_EQ(info.size_bytes, fs::file_size(info.path));
}

TEST_F(SnapshotTest, LoadedStateImportsIntoAnEqualEngine) {
  WriteAt(ledger::SequenceNumber{77});
  auto loaded = LoadAt(ledger::SequenceNumber{77});
  ASSERT_OK(loaded);
  std::string error;
  std::optional<engine::RiskEngine> engine = engine::RiskEngine::Import(loaded->state, &error);
  ASSERT_TRUE(engine.has_value()) << error;
  EXPECT_EQ(engine->Export(), loaded->state);
  EXPECT_EQ(StateHash(engine->Export()), loaded->state_hash);
}

TEST_F(SnapshotTest, LoadFileByPathWorksOutsideTheNamingScheme) {
  const SnapshotInfo info = WriteAt(ledger::SequenceNumber{5});
  const std::string copy = dir_ + "/copied.snapshot";
  fs::copy_file(info.path, copy);
  auto loaded = store_->LoadFile(copy, TrustA(), chain_);
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->meta.seq, ledger::SequenceNumber{5});
  EXPECT_EQ(loaded->path, copy);
}

TEST_F(SnapshotTest, WriteRefusesSeqZeroAndReadOnlyStores) {
  auto zero = store_->Write(testing::MakeEngineState(), MetaAt(ledger::SequenceNumber{0}), key_a());
  EXPECT_TRUE(zero.status().IsInvalidArgument()) << zero.status().ToString();
  SnapshotStoreOptions options;
  options.read_only = true;
  auto read_only = SnapshotStore::Open(dir_, options);
  ASSERT_OK(read_only);
  auto write =
      (*read_only)->Write(testing::MakeEngineState(), MetaAt(ledger::SequenceNumber{1}), key_a());
  EXPECT_TRUE(write.status().IsInvalidArgument());
  EXPECT_TRUE((*read_only)->Retain(1).IsInvalidArgument());
}

TEST_F(SnapshotTest, MissingFolderIsNotFoundUnlessCreated) {
  const std::string missing = dir_ + "/sub";
  auto absent = SnapshotStore::Open(missing, SnapshotStoreOptions{});
  EXPECT_TRUE(absent.status().IsNotFound()) << absent.status().ToString();
  SnapshotStoreOptions options;
  options.create_if_missing = true;
  auto created = SnapshotStore::Open(missing, options);
  ASSERT_OK(created);
  EXPECT_TRUE(fs::is_directory(missing));
}

TEST_F(SnapshotTest, MissingSnapshotIsNotFound) {
  auto loaded = LoadAt(ledger::SequenceNumber{12345});
  EXPECT_TRUE(loaded.status().IsNotFound()) << loaded.status().ToString();
}

TEST_F(SnapshotTest, StalePartialIsDeletedOnOpenButNotByReadOnlyOpen) {
  const std::string partial = store_->PathFor(ledger::SequenceNumber{300}) + ".partial";
  testing::WriteBytes(partial, std::vector<uint8_t>(100, 0xEE));
  SnapshotStoreOptions read_only;
  read_only.read_only = true;
  ASSERT_OK(SnapshotStore::Open(dir_, read_only));
  EXPECT_TRUE(fs::exists(partial));
  ASSERT_OK(SnapshotStore::Open(dir_, SnapshotStoreOptions{}));
  EXPECT_FALSE(fs::exists(partial));
}

TEST_F(SnapshotTest, ListIsNewestFirstAndIncludesDamagedFiles) {
  WriteAt(ledger::SequenceNumber{10});
  WriteAt(ledger::SequenceNumber{30});
  WriteAt(ledger::SequenceNumber{20});
  testing::WriteBytes(store_->PathFor(ledger::SequenceNumber{40}), {'j', 'u', 'n', 'k'});
  testing::WriteBytes(dir_ + "/notes.txt", {'x'});
  auto list = store_->List();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 4u);
  EXPECT_EQ((*list)[0].seq, ledger::SequenceNumber{40});
  EXPECT_FALSE((*list)[0].readable);
  EXPECT_NE((*list)[0].problem.find("truncated"), std::string::npos) << (*list)[0].problem;
  EXPECT_EQ((*list)[1].seq, ledger::SequenceNumber{30});
  EXPECT_TRUE((*list)[1].readable);
  EXPECT_EQ((*list)[1].key_id, key_a().key_id());
  EXPECT_EQ((*list)[1].time_ns, MetaAt(ledger::SequenceNumber{30}).time_ns);
  EXPECT_EQ((*list)[1].state_hash, StateHash(testing::MakeEngineState()));
  EXPECT_EQ((*list)[2].seq, ledger::SequenceNumber{20});
  EXPECT_EQ((*list)[3].seq, ledger::SequenceNumber{10});
}

TEST_F(SnapshotTest, RetainKeepsTheNewestK) {
  for (uint64_t seq : {50, 10, 40, 20, 30}) WriteAt(ledger::SequenceNumber{seq});
  ASSERT_OK(store_->Retain(2));
  auto list = store_->List();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].seq, ledger::SequenceNumber{50});
  EXPECT_EQ((*list)[1].seq, ledger::SequenceNumber{40});
  ASSERT_OK(store_->Retain(5));  // Fewer than K: nothing to do.
  EXPECT_EQ(store_->List()->size(), 2u);
  ASSERT_OK(store_->Retain(0));
  EXPECT_TRUE(store_->List()->empty());
}

TEST_F(SnapshotTest, RewritingTheSameSeqReplacesTheFile) {
  WriteAt(ledger::SequenceNumber{9}, 0);
  WriteAt(ledger::SequenceNumber{9}, 1);
  auto loaded = LoadAt(ledger::SequenceNumber{9});
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->state, testing::MakeEngineState(1));
  EXPECT_EQ(store_->List()->size(), 1u);
}

TEST_F(SnapshotTest, NewestValidSkipsACorruptNewestWithAWarning) {
  WriteAt(ledger::SequenceNumber{100}, 0);
  const SnapshotInfo newest = WriteAt(ledger::SequenceNumber{200}, 1);
  std::vector<uint8_t> bytes = testing::ReadBytes(newest.path);
  bytes[bytes.size() / 2] ^= 0x10;
  testing::WriteBytes(newest.path, bytes);
  std::vector<std::string> warnings;
  auto loaded =
      store_->LoadNewestValid(TrustA(), chain_, ledger::SequenceNumber{UINT64_MAX}, &warnings);
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->meta.seq, ledger::SequenceNumber{100});
  EXPECT_EQ(loaded->state, testing::MakeEngineState(0));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("snapshot 200"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find(newest.path), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("crc mismatch"), std::string::npos) << warnings[0];
}

TEST_F(SnapshotTest, DeletedNewestFallsBackToTheOlderOne) {
  WriteAt(ledger::SequenceNumber{100}, 0);
  fs::remove(WriteAt(ledger::SequenceNumber{200}, 1).path);
  std::vector<std::string> warnings;
  auto loaded =
      store_->LoadNewestValid(TrustA(), chain_, ledger::SequenceNumber{UINT64_MAX}, &warnings);
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->meta.seq, ledger::SequenceNumber{100});
  EXPECT_TRUE(warnings.empty());
}

TEST_F(SnapshotTest, NewestValidHonoursMaxSeq) {
  WriteAt(ledger::SequenceNumber{100}, 0);
  WriteAt(ledger::SequenceNumber{200}, 1);
  std::vector<std::string> warnings;
  auto loaded = store_->LoadNewestValid(TrustA(), chain_, ledger::SequenceNumber{199}, &warnings);
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->meta.seq, ledger::SequenceNumber{100});
  EXPECT_TRUE(warnings.empty());  // 200 is beyond max_seq, not a failure.
}

TEST_F(SnapshotTest, NoValidSnapshotIsNotFoundWithAWarningPerFile) {
  WriteAt(ledger::SequenceNumber{100});
  WriteAt(ledger::SequenceNumber{200});
  ledger::Keyring only_b;
  only_b.Add(key_b().public_key());
  std::vector<std::string> warnings;
  auto loaded =
      store_->LoadNewestValid(only_b, chain_, ledger::SequenceNumber{UINT64_MAX}, &warnings);
  EXPECT_TRUE(loaded.status().IsNotFound()) << loaded.status().ToString();
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("snapshot 200"), std::string::npos);
  EXPECT_NE(warnings[1].find("unknown key"), std::string::npos) << warnings[1];
}

TEST_F(SnapshotTest, EmptyStoreIsNotFound) {
  auto loaded =
      store_->LoadNewestValid(TrustA(), chain_, ledger::SequenceNumber{UINT64_MAX}, nullptr);
  EXPECT_TRUE(loaded.status().IsNotFound());
}

}  // namespace
}  // namespace snapshots
