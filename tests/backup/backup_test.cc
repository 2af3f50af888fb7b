// Backups and restores: the disaster drill (back up, lose the data directory, restore, go on),
// incremental size, a damaged backup found and refused, restores to past seqs of a crash log
// that audit clean and equal `replay --to` of the original, and a table damaged before the
// backup. Archives: archive_test.cc.

#include "backup/backup.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>

#include "backup/archive.h"
#include "backup/schema/archive.capnp.h"
#include "base/strong_type_fmt.h"
#include "ledger/event_log.h"
#include "ledger/schema/event.capnp.h"
#include "ledger/verifier.h"
#include "replay/auditor.h"
#include "replay/recovery.h"
#include "sim/simulation.h"
#include "snapshots/snapshot_store.h"
#include "snapshots/state_hash.h"
#include "tests/backup/backup_test_util.h"
#include "tests/e2e/cli_test_support.h"
#include "tests/testing/status_testing.h"

namespace backup {
namespace {

using test_support::BackupTest;
using test_support::OpenLog;
using test_support::RawRecords;
using test_support::AuditLog;
using e2e::RunBackstop;
namespace fs = std::filesystem;

// The hash of the state replayed to `to` (0: the head).
ledger::Hash StateAt(const ledger::EventLog& log, const std::string& data_dir,
                     ledger::SequenceNumber to) {
  const replay::DataDir data = replay::DataDir::At(data_dir);
  auto keyring = replay::LoadKeyring(data);
  EXPECT_OK(keyring);
  std::vector<std::string> warnings;
  replay::ReplayOptions options;
  options.engine_options.verify_invariants = false;
  auto state = replay::Recover(log, data, *keyring, to, &warnings, options);
  EXPECT_OK(state);
  if (!state.ok()) return {};
  return snapshots::StateHash(state->engine.Export());
}

TEST_F(BackupTest, DisasterDrill) {
  e2e::ScratchDir scratch("backup_drill");
  const std::string data = scratch / "data";
  const std::string backups = scratch / "backups";
  CopyCrash(data);
  Ingest(data, 40, scratch.path());
  auto created = RunBackstop(fmt::format("backup create --data {} --to {}", data, backups));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  std::vector<std::string> saved;
  ledger::SequenceNumber backed_up{0};
  {
    auto log = OpenLog(data);
    backed_up = log->head_seq();
    saved = RawRecords(*log, backed_up);
  }
  Ingest(data, 40, scratch.path());
  auto listed = ListBackups(backups);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().head_seq, backed_up);
  fs::remove_all(data);  // The disk is lost.

  const std::string restored = scratch / "restored";
  auto restore = RunBackstop(fmt::format("restore --from {} --to {}", backups, restored));
  ASSERT_EQ(restore.exit_code, 0) << restore.output;
  EXPECT_NE(restore.output.find("audit      OK"), std::string::npos) << restore.output;
  EXPECT_NE(restore.output.find(fmt::format("head       seq {}", backed_up)), std::string::npos)
      << restore.output;
  EXPECT_NE(restore.output.find("does not open"), std::string::npos) << restore.output;
  {
    auto log = OpenLog(restored);
    EXPECT_EQ(log->head_seq(), backed_up);
    EXPECT_TRUE(RawRecords(*log, ledger::SequenceNumber{0}) == saved)
        << "restored records differ from the original";
  }
  EXPECT_TRUE(fs::exists(restored + "/keyring"));
  EXPECT_TRUE(fs::exists(restored + "/checkpoint"));
  Ingest(restored, 40, scratch.path());  // Work goes on on the restored directory.
  auto audit = RunBackstop("audit --data " + restored);
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  auto refused = RunBackstop(fmt::format("restore --from {} --to {}", backups, restored));
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("not empty"), std::string::npos) << refused.output;
}

// The table files a backup folder holds (shared between its backups): name -> size.
std::map<std::string, uintmax_t> SharedTables(const std::string& backups) {
  std::map<std::string, uintmax_t> tables;
  for (const auto& entry : fs::directory_iterator(backups + "/shared_checksum")) {
    tables[entry.path().filename().string()] = entry.file_size();
  }
  return tables;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(BackupTest, SecondBackupStoresOnlyWhatIsNew) {
  e2e::ScratchDir scratch("backup_incremental");
  const std::string data = scratch / "data";
  const std::string backups = scratch / "backups";
  CopyCrash(data);
  uint64_t head = 0;
  {
    auto log = OpenLog(data);
    head = log->head_seq().value();
  }
  auto first = RunBackstop(fmt::format("backup create --data {} --to {} --json", data, backups));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const auto tables_first = SharedTables(backups);
  // About 10% more records (each deposit appends an input and its effect).
  Ingest(data, static_cast<int>(head / 20), scratch.path());
  auto second = RunBackstop(fmt::format("backup create --data {} --to {} --json", data, backups));
  ASSERT_EQ(second.exit_code, 0) << second.output;
  auto listed = ListBackups(backups);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 2u);
  const auto first_json = nlohmann::json::parse(first.output.substr(first.output.find('{')));
  const auto second_json = nlohmann::json::parse(second.output.substr(second.output.find('{')));
  const uint64_t full = first_json["added_bytes"].get<uint64_t>();
  const uint64_t incremental = second_json["added_bytes"].get<uint64_t>();
  EXPECT_GT(incremental, 0u);
  // What the second backup stored: the table files that are new since the first (how many
  // depends on what compaction rewrote meanwhile: 12-77% of the full's bytes at this size in
  // repeated runs; bench/README.md: 12.7% at 10 M records) and its small private files. Every
  // table file of the first backup is kept as it was, those the second one still uses are
  // shared (not stored again), and nothing else of size is copied.
  uint64_t new_tables = 0;
  const auto tables_after = SharedTables(backups);
  for (const auto& [name, size] : tables_after) {
    if (tables_first.count(name) == 0) new_tables += size;
  }
  uint64_t shared = 0;
  const std::string second_files = ReadAll(backups + "/meta/2");
  for (const auto& [name, size] : tables_first) {
    ASSERT_EQ(tables_after.count(name), 1u) << name;
    EXPECT_EQ(tables_after.at(name), size) << name;
    if (second_files.find(name) != std::string::npos) shared += size;
  }
  EXPECT_GT(shared, 0u) << "the second backup stored again every table of the first";
  EXPECT_GE(incremental, new_tables);
  EXPECT_LT(incremental - new_tables, full / 10)
      << "full " << full << " bytes, incremental " << incremental << ", new tables " << new_tables;
  fmt::print("full backup {} bytes ({} records), incremental {} bytes (+{} records)\n", full, head,
             incremental, listed->back().head_seq - head);
  auto kept = RunBackstop(fmt::format("backup create --data {} --to {} --keep 1", data, backups));
  ASSERT_EQ(kept.exit_code, 0) << kept.output;
  listed = ListBackups(backups);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, 3u);
  EXPECT_FALSE(fs::exists(FilesDir(backups, 1)));
  auto verify = RunBackstop("backup verify " + backups);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
}

// The library call a server makes: a backup of a log it holds open while another thread keeps
// appending. The backup is a consistent prefix that verifies, and its head lies between the
// heads before and after the call.
TEST_F(BackupTest, BackupOfALogBeingAppendedTo) {
  e2e::ScratchDir scratch("backup_online");
  const replay::DataDir data = replay::DataDir::At(scratch / "data");
  auto key = ledger::PrivateKey::LoadPem(KeyPath());
  ASSERT_OK(key);
  fs::create_directories(data.keyring);
  ASSERT_OK(key->public_key().SavePem(data.keyring + "/signer.pem"));
  ledger::LogOptions options;
  options.signing_key = *key;
  std::atomic<int64_t> time_ns{1760112000000000000};
  options.clock = [&time_ns] { return time_ns += 1000; };
  auto log = ledger::EventLog::Create(data.log, std::move(options));
  ASSERT_OK(log);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> groups{0};
  std::thread writer([&] {
    for (uint64_t g = 0; !stop; ++g) {
      ledger::EventGroup group;
      auto deposit = group.Add().initDeposit();
      deposit.setAccount(1 + g % 100);
      deposit.setAsset(1);
      deposit.setAmount(1000);
      if (!(*log)->Append(group).ok()) return;
      ++groups;
    }
  });
  while (groups < 2000) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const ledger::SequenceNumber before = (*log)->head_seq();
  auto created = CreateBackup(**log, data, scratch / "backups", CreateOptions());
  const ledger::SequenceNumber after = (*log)->head_seq();
  stop = true;
  writer.join();
  ASSERT_OK(created);
  EXPECT_GE(created->info.head_seq, before);
  EXPECT_LE(created->info.head_seq, after);
  auto keys = [](const std::string& files_dir) {
    return replay::LoadKeyring(replay::DataDir::At(files_dir));
  };
  auto verified = VerifyBackup(scratch / "backups", 0, keys, nullptr);
  ASSERT_OK(verified);
  EXPECT_TRUE(verified->ok) << verified->message;
  EXPECT_EQ(verified->chain.head_seq, created->info.head_seq);
}

// Flips one byte in the middle of `path`.
void FlipByte(const std::string& path) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(file.is_open()) << path;
  file.seekg(0, std::ios::end);
  const auto size = static_cast<std::streamoff>(file.tellg());
  file.seekg(size / 2);
  char byte = 0;
  file.read(&byte, 1);
  file.seekp(size / 2);
  byte = static_cast<char>(byte ^ 0x20);
  file.write(&byte, 1);
}

TEST_F(BackupTest, DamagedBackupIsNamedAndRefused) {
  e2e::ScratchDir scratch("backup_damaged");
  const std::string backups = scratch / "backups";
  auto created = RunBackstop(fmt::format("backup create --data {} --to {}", CrashDir(), backups));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  auto clean = RunBackstop("backup verify " + backups);
  ASSERT_EQ(clean.exit_code, 0) << clean.output;
  std::vector<std::string> victims;
  for (const auto& entry : fs::recursive_directory_iterator(backups + "/shared_checksum")) {
    if (entry.is_regular_file() && entry.file_size() > 1000) victims.push_back(entry.path());
  }
  victims.push_back(
      backups + "/backstop/1/keyring/" +
      fs::directory_iterator(backups + "/backstop/1/keyring")->path().filename().string());
  ASSERT_GE(victims.size(), 2u);
  for (const std::string& victim : {victims.front(), victims.back()}) {
    SCOPED_TRACE(victim);
    const std::string original = scratch / "original";
    fs::copy_file(victim, original, fs::copy_options::overwrite_existing);
    FlipByte(victim);
    auto verify = RunBackstop("backup verify " + backups);
    EXPECT_EQ(verify.exit_code, 1) << verify.output;
    EXPECT_NE(verify.output.find(victim), std::string::npos) << verify.output;
    const std::string target = scratch / "restored";
    auto restore = RunBackstop(fmt::format("restore --from {} --to {}", backups, target));
    EXPECT_EQ(restore.exit_code, 1) << restore.output;
    EXPECT_FALSE(fs::exists(target));
    auto to_seq =
        RunBackstop(fmt::format("restore --from {} --to {} --to-seq 10", backups, target));
    EXPECT_EQ(to_seq.exit_code, 1) << to_seq.output;
    EXPECT_FALSE(fs::exists(target));
    fs::copy_file(original, victim, fs::copy_options::overwrite_existing);
  }
}

// Restores backup_dir's newest backup to `seq` in `target` and checks it against `original`:
// records byte for byte up to the cut, the cut itself (with `key`: the end of the seq's group,
// as `replay --to SEQ`; without: the end of the group commit that made that group durable),
// the state against the original replayed to the cut, and a clean audit. Returns whether the
// seq's group ended inside a group commit.
bool CheckRestoreToSeq(const std::string& backups, const ledger::EventLog& original,
                       const std::string& crash_dir, const std::vector<std::string>& all,
                       const std::optional<ledger::PrivateKey>& key, ledger::SequenceNumber seq,
                       const std::string& target) {
  SCOPED_TRACE(fmt::format("--to-seq {}", seq));
  RestoreOptions options;
  options.to_seq = seq;
  options.sign_head = key;
  auto restored = Restore(backups, target, options);
  EXPECT_OK(restored);
  auto group_end = replay::GroupEnd(original, seq);
  EXPECT_OK(group_end);
  if (!restored.ok() || !group_end.ok()) return false;
  const ledger::SequenceNumber cut = restored->head_seq;
  EXPECT_EQ(restored->group_end, *group_end);
  auto commits = original.CommitEnds(*group_end, ledger::SequenceNumber{0});
  EXPECT_OK(commits);
  if (!commits.ok() || commits->empty()) return false;
  const bool inside_commit = commits->front() != *group_end;
  EXPECT_EQ(cut, key ? *group_end : commits->front());
  EXPECT_EQ(restored->signed_head, key && inside_commit);
  auto log = OpenLog(target);
  if (log == nullptr) return false;
  const std::vector<std::string> records = RawRecords(*log);
  EXPECT_EQ(records.size(), cut.value());
  EXPECT_TRUE(records.size() <= all.size() &&
              std::equal(records.begin(), records.end(), all.begin()));
  EXPECT_EQ(StateAt(*log, target, ledger::SequenceNumber{0}), StateAt(original, crash_dir, cut));
  const replay::AuditReport audit = AuditLog(*log, target);
  EXPECT_TRUE(audit.ok()) << (audit.findings.empty() ? "" : audit.findings[0].what);
  EXPECT_TRUE(audit.indexes_checked);
  log.reset();
  fs::remove_all(target);
  return inside_commit;
}

// Whether the group holding `seq` ends inside a group commit (not at its end).
bool GroupEndsInsideCommit(const ledger::EventLog& log, ledger::SequenceNumber seq) {
  auto group_end = replay::GroupEnd(log, seq);
  if (!group_end.ok()) return false;
  auto commits = log.CommitEnds(*group_end, ledger::SequenceNumber{0});
  return commits.ok() && !commits->empty() && commits->front() != *group_end;
}

// Restores to `count` seqs of the crash log from one backup (on 4 threads: a restore
// mostly waits for fsync), each checked by CheckRestoreToSeq.
void CheckRestoresToSeqs(const std::string& crash_dir, const std::string& key_path, int count,
                         uint64_t seed) {
  e2e::ScratchDir scratch("backup_to_seq");
  const std::string backups = scratch / "backups";
  auto created = RunBackstop(fmt::format("backup create --data {} --to {}", crash_dir, backups));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  auto original = OpenLog(crash_dir);
  ASSERT_NE(original, nullptr);
  const std::vector<std::string> all = RawRecords(*original);
  std::optional<ledger::PrivateKey> key;
  if (!key_path.empty()) {
    auto loaded = ledger::PrivateKey::LoadPem(key_path);
    ASSERT_OK(loaded);
    key = *loaded;
  }
  // Half the seqs at random, half drawn among those whose group ends inside a group commit
  // (the case that re-signs the head with --key): how the crash log's groups shared commits
  // depends on the machine's speed when it was made, so a purely random draw may miss it.
  std::mt19937_64 rng(seed);
  std::vector<ledger::SequenceNumber> seqs;
  for (int i = 0; i < count; ++i) {
    ledger::SequenceNumber seq{1 + rng() % original->head_seq().value()};
    for (int draw = 0; i % 2 == 1 && !GroupEndsInsideCommit(*original, seq); ++draw) {
      ASSERT_LT(draw, 10'000) << "no group of the crash log ends inside a group commit";
      seq = ledger::SequenceNumber{1 + rng() % original->head_seq().value()};
    }
    seqs.push_back(seq);
  }
  constexpr int kThreads = 4;
  std::atomic<int> inside_commits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < count; i += kThreads) {
        inside_commits += CheckRestoreToSeq(backups, *original, crash_dir, all, key, seqs[i],
                                            scratch / fmt::format("restored-{}", i));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_GE(inside_commits.load(), count / 2);
}

TEST_F(BackupTest, RestoreToSeqsAtGroupCommits) { CheckRestoresToSeqs(CrashDir(), "", 8, 7); }

TEST_F(BackupTest, RestoreToSeqsExactlyWithKey) {
  CheckRestoresToSeqs(CrashDir(), KeyPath(), 8, 11);
}

// The 100 random seqs, cut exactly at each seq's group (`replay --to SEQ`).
TEST_F(BackupTest, RestoreToHundredRandomSeqs) {
  CheckRestoresToSeqs(CrashDir(), KeyPath(), 100, 2026);
}

// Lines of `capnp decode --short` of `archive` that start with `prefix`.
std::string TableOf(const std::string& log_dir, const std::string& family) {
  for (const auto& entry : fs::directory_iterator(log_dir)) {
    if (entry.path().extension() != ".sst") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(family) != std::string::npos) return entry.path().string();
  }
  return "";
}

// A table damaged before the backup (its CRC32c in the backup then matches the damage): `backup
// create` from the directory refuses it; a backup that holds it anyway (made through the
// library, which does not check tables) is a finding for `backup verify` and `restore` (with
// and without --to-seq), never an abort; and `serve` on the damaged directory ends with a
// finding (exit 1) before it listens.
TEST_F(BackupTest, TableDamagedBeforeTheBackupIsAFindingNeverAnAbort) {
  e2e::ScratchDir scratch("backup_damaged_table");
  const std::string data = scratch / "data";
  const std::string backups = scratch / "backups";
  CopyCrash(data);
  // An index table: opening the log for the backup reads the events and meta, not it.
  const std::string victim = TableOf(replay::DataDir::At(data).log, "idx_account");
  ASSERT_FALSE(victim.empty());
  const std::string name = fs::path(victim).filename().string();
  FlipByte(victim);
  auto refused = RunBackstop(fmt::format("backup create --data {} --to {}", data, backups));
  EXPECT_EQ(refused.signal, 0) << refused.output;
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("table file: " + name), std::string::npos) << refused.output;
  {
    auto log = ledger::EventLog::Open(replay::DataDir::At(data).log, ledger::LogOptions());
    ASSERT_OK(log);
    ASSERT_OK(CreateBackup(**log, replay::DataDir::At(data), backups, CreateOptions()));
  }
  auto verify = RunBackstop("backup verify " + backups);
  EXPECT_EQ(verify.signal, 0) << verify.output;
  EXPECT_EQ(verify.exit_code, 1) << verify.output;
  EXPECT_NE(verify.output.find("table file: " + name), std::string::npos) << verify.output;
  const std::string target = scratch / "restored";
  for (const std::string& extra : {std::string(), std::string(" --to-seq 10")}) {
    auto restore = RunBackstop(fmt::format("restore --from {} --to {}{}", backups, target, extra));
    EXPECT_EQ(restore.signal, 0) << restore.output;
    EXPECT_EQ(restore.exit_code, 1) << restore.output;
    EXPECT_NE(restore.output.find(name), std::string::npos) << restore.output;
    EXPECT_FALSE(fs::exists(target));
  }
  // serve checks the tables before its TLS files are read: any existing files do for those.
  const std::string any = KeyPath();
  auto serve = RunBackstop(fmt::format(
      "serve --data {} --key {} --listen 127.0.0.1:0 --tls-cert {} --tls-key {} --client-ca {} "
      "--roles {}",
      data, KeyPath(), any, any, any, any));
  EXPECT_EQ(serve.signal, 0) << serve.output;
  EXPECT_EQ(serve.exit_code, 1) << serve.output;
  EXPECT_NE(serve.output.find("table file: " + name), std::string::npos) << serve.output;
}

}  // namespace
}  // namespace backup
