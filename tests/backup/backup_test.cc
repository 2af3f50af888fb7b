// Backups and restores: the disaster drill (back up, lose the data directory, restore, go on),
// incremental size, a damaged backup found and refused, and restores to past seqs of a crash
// log that audit clean and equal `replay --to` of the original; archives (whole, up to a seq,
// from a seq), checked alone, decoded with capnp, and refused when changed.

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
#include "tests/e2e/cli_test_support.h"
#include "tests/testing/status_testing.h"

namespace backup {
namespace {

namespace fs = std::filesystem;
using e2e::RunBackstop;

std::unique_ptr<ledger::EventLog> OpenLog(const std::string& data_dir) {
  ledger::LogOptions options;
  options.read_only = true;
  auto log = ledger::EventLog::Open(replay::DataDir::At(data_dir).log, std::move(options));
  EXPECT_OK(log);
  return log.ok() ? std::move(log).value() : nullptr;
}

// The stored bytes of records 1..last (0: the head).
std::vector<std::string> RawRecords(const ledger::EventLog& log,
                                    ledger::SequenceNumber last = ledger::SequenceNumber{0}) {
  std::vector<std::string> records;
  for (auto it = log.NewIterator(ledger::SequenceNumber{1}, last); it->Valid(); it->Next()) {
    records.emplace_back(reinterpret_cast<const char*>(it->value().data()), it->value().size());
  }
  return records;
}

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

replay::AuditReport AuditLog(const ledger::EventLog& log, const std::string& data_dir) {
  const replay::DataDir data = replay::DataDir::At(data_dir);
  auto keyring = replay::LoadKeyring(data);
  EXPECT_OK(keyring);
  replay::AuditOptions options;
  options.engine_options.verify_invariants = false;  // As `backstop audit` runs by default.
  auto report = replay::Audit(log, data, *keyring, options);
  EXPECT_OK(report);
  return report.ok() ? *report : replay::AuditReport();
}

// A crash simulation, made once for the suite (with snapshots), copied by each test that writes.
class BackupTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fixture_ = std::make_unique<e2e::ScratchDir>("backup_fixture");
    auto key = ledger::PrivateKey::Generate();
    ASSERT_OK(key);
    ASSERT_OK(key->SavePem(KeyPath()));
    ASSERT_OK(key->public_key().SavePem(*fixture_ / "signer.pub.pem"));
    sim::SimulationOptions options;
    options.data_dir = CrashDir();
    options.signing_key = *key;
    options.scenario = "crash";
    options.traders = 160;
    options.snapshot_every_records = 3000;
    auto report = sim::RunSimulation(options);
    ASSERT_OK(report);
  }
  static void TearDownTestSuite() { fixture_.reset(); }

  static std::string CrashDir() { return *fixture_ / "crash"; }
  static std::string KeyPath() { return *fixture_ / "signer.key.pem"; }
  static std::string PublicKeyPath() { return *fixture_ / "signer.pub.pem"; }

  // A copy of the crash data directory at `dir`.
  static void CopyCrash(const std::string& dir) {
    fs::copy(CrashDir(), dir, fs::copy_options::recursive);
  }

  // Feeds `count` deposits to existing accounts through `backstop ingest`.
  static void Ingest(const std::string& data_dir, int count, const std::string& scratch) {
    const std::string input = scratch + "/deposits.jsonl";
    std::ofstream out(input);
    for (int i = 0; i < count; ++i) {
      out << fmt::format("{{\"type\":\"deposit\",\"account\":{},\"asset\":1,\"amount\":{}}}\n",
                         1 + i % 50, 1000 + i);
    }
    out.close();
    auto result =
        RunBackstop(fmt::format("ingest {} --data {} --key {}", input, data_dir, KeyPath()));
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }

  static inline std::unique_ptr<e2e::ScratchDir> fixture_;
};

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
int CountDecoded(const std::string& archive, const std::string& prefix) {
  auto decoded = e2e::RunShell(fmt::format(
      "capnp decode --short {}/backup/schema/archive.capnp ArchiveEntry < {} | grep -c '^{}'",
      BACKSTOP_SOURCE_DIR, archive, prefix));
  return std::atoi(decoded.output.c_str());
}

TEST_F(BackupTest, ArchiveOfCrashLogChecksAloneAndDecodesWithCapnp) {
  e2e::ScratchDir scratch("backup_archive");
  const std::string data = scratch / "data";
  const std::string archive = scratch / "crash.archive";
  CopyCrash(data);
  std::string chain;
  ledger::SequenceNumber head{0};
  {
    auto log = OpenLog(data);
    chain = ledger::ToHex(log->chain_id());
    head = log->head_seq();
  }
  auto created =
      RunBackstop(fmt::format("archive create --data {} --out {} --json", data, archive));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const auto summary = nlohmann::json::parse(created.output.substr(created.output.find('{')));
  fs::remove_all(data);  // The auditor has the file and the public key, nothing else.
  const std::string trust = fmt::format("--trusted-keys {} --chain-id {}", PublicKeyPath(), chain);
  auto verify = RunBackstop(fmt::format("verify --archive {} {}", archive, trust));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find(fmt::format("{} records", head)), std::string::npos)
      << verify.output;
  auto audit = RunBackstop(fmt::format("audit --archive {} {}", archive, trust));
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_NE(audit.output.find(fmt::format("OK  head seq {}", head)), std::string::npos)
      << audit.output;
  auto other_chain = RunBackstop(fmt::format("verify --archive {} --trusted-keys {} --chain-id {}",
                                             archive, PublicKeyPath(), std::string(32, '0')));
  EXPECT_EQ(other_chain.exit_code, 1) << other_chain.output;
  EXPECT_EQ(CountDecoded(archive, "(header = "), 1);
  EXPECT_EQ(CountDecoded(archive, "(record = "), static_cast<int>(head.value()));
  EXPECT_EQ(CountDecoded(archive, "(checkpoint = "), summary["checkpoints"].get<int>());
  EXPECT_EQ(CountDecoded(archive, "(trailer = "), 1);
}

TEST_F(BackupTest, ArchiveUpToASeqEndsOnItsGroupCommit) {
  e2e::ScratchDir scratch("backup_archive_to");
  const std::string archive = scratch / "part.archive";
  auto created = RunBackstop(
      fmt::format("archive create --data {} --out {} --to 5000 --json", CrashDir(), archive));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  auto original = OpenLog(CrashDir());
  auto group_end = replay::GroupEnd(*original, ledger::SequenceNumber{5000});
  ASSERT_OK(group_end);
  auto commits = original->CommitEnds(*group_end, ledger::SequenceNumber{0});
  ASSERT_OK(commits);
  auto unpacked = UnpackArchive(archive, nullptr);
  ASSERT_OK(unpacked);
  auto log = OpenLog((*unpacked)->data_dir());
  EXPECT_EQ(log->head_seq(), commits->front());
  EXPECT_TRUE(RawRecords(*log) == RawRecords(*original, commits->front()));
  EXPECT_TRUE(AuditLog(*log, (*unpacked)->data_dir()).ok());
}

// Flips one bit of byte `position` of `bytes` into `path`.
void WriteFlipped(const std::string& bytes, size_t position, const std::string& path) {
  std::string flipped = bytes;
  flipped[position] = static_cast<char>(flipped[position] ^ (1 << (position % 8)));
  std::ofstream(path, std::ios::binary) << flipped;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Flips a bit of every byte of the first and last 64 of `archive`, and of about 200 spread over
// the rest, one at a time: unpacking must refuse each copy.
void ExpectEveryFlipFound(const std::string& archive, const std::string& scratch) {
  const std::string bytes = ReadBytes(archive);
  ASSERT_GT(bytes.size(), 1000u);
  std::vector<size_t> positions;
  const size_t step = std::max<size_t>(1, bytes.size() / 200);
  for (size_t p = 0; p < bytes.size(); p += (p < 64 || p + 64 >= bytes.size()) ? 1 : step) {
    positions.push_back(p);
  }
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::atomic<int> found{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < positions.size(); i += kThreads) {
        const std::string path = scratch + fmt::format("/flipped-{}", t);
        WriteFlipped(bytes, positions[i], path);
        auto unpacked = UnpackArchive(path, nullptr);
        EXPECT_FALSE(unpacked.ok()) << "a flipped bit at byte " << positions[i] << " was missed";
        if (!unpacked.ok()) ++found;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(found.load(), static_cast<int>(positions.size()));
}

// A small log (an ingest: a group commit per command, a snapshot every 2 records), so that
// every unpack is quick.
std::string SmallLog(const std::string& scratch, const std::string& key) {
  const std::string data = scratch + "/data";
  auto init = RunBackstop(fmt::format("init --data {} --key {}", data, key));
  EXPECT_EQ(init.exit_code, 0) << init.output;
  std::ofstream(scratch + "/input.jsonl")
      << "{\"type\":\"open_account\",\"account\":1}\n"
      << "{\"type\":\"deposit\",\"account\":1,\"asset\":1,\"amount\":5000}\n"
      << "{\"type\":\"withdraw\",\"account\":1,\"asset\":1,\"amount\":700}\n"
      << "{\"type\":\"deposit\",\"account\":1,\"asset\":1,\"amount\":900}\n"
      << "{\"type\":\"withdraw\",\"account\":1,\"asset\":1,\"amount\":300}\n";
  auto ingest = RunBackstop(fmt::format(
      "ingest {}/input.jsonl --data {} --key {} --snapshot-every 2", scratch, data, key));
  EXPECT_EQ(ingest.exit_code, 0) << ingest.output;
  return data;
}

TEST_F(BackupTest, FlippedByteAnywhereInAnArchiveIsFound) {
  e2e::ScratchDir scratch("backup_archive_flip");
  const std::string data = SmallLog(scratch.path(), KeyPath());
  const std::string archive = scratch / "small.archive";
  auto created = RunBackstop(fmt::format("archive create --data {} --out {}", data, archive));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  {
    auto clean = UnpackArchive(archive, nullptr);
    ASSERT_OK(clean);
    auto log = OpenLog((*clean)->data_dir());
    auto keyring = replay::LoadKeyring(replay::DataDir::At((*clean)->data_dir()));
    ASSERT_OK(keyring);
    EXPECT_TRUE(ledger::Verify(*log, *keyring, ledger::VerifyOptions()).ok);
  }
  ExpectEveryFlipFound(archive, scratch.path());
  WriteFlipped(ReadBytes(archive), ReadBytes(archive).size() / 2, scratch / "flipped.archive");
  auto verify = RunBackstop(fmt::format("verify --archive {} --trusted-keys {}",
                                        scratch / "flipped.archive", PublicKeyPath()));
  EXPECT_EQ(verify.exit_code, 1) << verify.output;
  EXPECT_NE(verify.output.find("archive: entry"), std::string::npos) << verify.output;
}

TEST_F(BackupTest, FlippedByteAnywhereInARangeArchiveIsFound) {
  e2e::ScratchDir scratch("backup_archive_range_flip");
  const std::string data = SmallLog(scratch.path(), KeyPath());
  const std::string archive = scratch / "range.archive";
  auto created =
      RunBackstop(fmt::format("archive create --data {} --out {} --from 4 --json", data, archive));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const auto summary = nlohmann::json::parse(created.output.substr(created.output.find('{')));
  ASSERT_GT(summary["first_seq"].get<uint64_t>(), 1u) << created.output;
  auto verify = RunBackstop(
      fmt::format("verify --archive {} --trusted-keys {} --json", archive, PublicKeyPath()));
  ASSERT_EQ(verify.exit_code, 0) << verify.output;
  const auto verified = nlohmann::json::parse(verify.output.substr(verify.output.find('{')));
  EXPECT_EQ(verified["first_seq"], summary["first_seq"]);
  // A seq past the log is refused; one with no snapshot before it gives the whole log, and
  // says so.
  auto beyond =
      RunBackstop(fmt::format("archive create --data {} --out {}.2 --from 99", data, archive));
  EXPECT_EQ(beyond.exit_code, 2) << beyond.output;
  auto early = RunBackstop(
      fmt::format("archive create --data {} --out {}.3 --from 2 --json", data, archive));
  ASSERT_EQ(early.exit_code, 0) << early.output;
  EXPECT_NE(early.output.find("the archive starts at seq 1"), std::string::npos) << early.output;
  EXPECT_EQ(nlohmann::json::parse(early.output.substr(early.output.find('{')))["first_seq"], 1);
  ExpectEveryFlipFound(archive, scratch.path());
}

// The seqs of the snapshot files in `data_dir`, ascending.
std::vector<ledger::SequenceNumber> SnapshotSeqs(const std::string& data_dir) {
  snapshots::SnapshotStoreOptions read_only;
  read_only.read_only = true;
  auto store = snapshots::SnapshotStore::Open(replay::DataDir::At(data_dir).snapshots, read_only);
  EXPECT_OK(store);
  std::vector<ledger::SequenceNumber> seqs;
  if (!store.ok()) return seqs;
  auto listed = (*store)->List();
  EXPECT_OK(listed);
  if (listed.ok()) {
    for (const auto& info : *listed) seqs.insert(seqs.begin(), info.seq);
  }
  return seqs;
}

TEST_F(BackupTest, ArchiveFromASeqChecksAloneAndDecodesWithCapnp) {
  // Goal: an archive of a range of the crash log, starting mid-chain, is everything an auditor
  // needs: it verifies and audits with the data directory gone, its records are the
  // original's byte for byte, and stock capnp decodes it. Method: --from a seq past the oldest
  // snapshot; the range must start right after the newest snapshot before that seq.
  e2e::ScratchDir scratch("backup_archive_from");
  const std::string data = scratch / "data";
  const std::string archive = scratch / "range.archive";
  CopyCrash(data);
  const std::vector<ledger::SequenceNumber> snapshot_seqs = SnapshotSeqs(data);
  ASSERT_GE(snapshot_seqs.size(), 2u);
  const ledger::SequenceNumber from = snapshot_seqs[0] + 1000;
  ledger::SequenceNumber anchor{0};
  for (ledger::SequenceNumber seq : snapshot_seqs) {
    if (seq < from) anchor = seq;
  }
  auto created = RunBackstop(
      fmt::format("archive create --data {} --out {} --from {} --json", data, archive, from));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const auto summary = nlohmann::json::parse(created.output.substr(created.output.find('{')));
  ASSERT_EQ(summary["first_seq"].get<uint64_t>(), (anchor + 1).value()) << created.output;
  std::string chain;
  ledger::SequenceNumber head{0};
  {
    auto original = OpenLog(data);
    chain = ledger::ToHex(original->chain_id());
    head = original->head_seq();
    auto unpacked = UnpackArchive(archive, nullptr);
    ASSERT_OK(unpacked);
    EXPECT_EQ((*unpacked)->summary().first_seq, anchor + 1);
    auto log = OpenLog((*unpacked)->data_dir());
    std::vector<std::string> all = RawRecords(*original);
    all.erase(all.begin(),
              all.begin() + static_cast<long>(anchor.value() - 1));  // From the anchor on.
    EXPECT_TRUE(RawRecords(*log) == all);
  }
  fs::remove_all(data);
  const std::string trust = fmt::format("--trusted-keys {} --chain-id {}", PublicKeyPath(), chain);
  auto verify = RunBackstop(fmt::format("verify --archive {} {}", archive, trust));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find(fmt::format("OK  {} records", head - anchor)), std::string::npos)
      << verify.output;
  auto audit = RunBackstop(fmt::format("audit --archive {} {}", archive, trust));
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_NE(audit.output.find(
                fmt::format("{} records re-derived from snapshot {}", head - anchor, anchor)),
            std::string::npos)
      << audit.output;
  EXPECT_NE(audit.output.find(fmt::format("OK  head seq {}", head)), std::string::npos)
      << audit.output;
  EXPECT_EQ(CountDecoded(archive, "(header = (magic = \"backstop-archive\", version = 2"), 1);
  EXPECT_EQ(CountDecoded(archive, "(anchor = (record = "), 1);
  EXPECT_EQ(CountDecoded(archive, "(record = "), static_cast<int>(head - anchor));
  EXPECT_EQ(CountDecoded(archive, "(checkpoint = "), summary["checkpoints"].get<int>());
  EXPECT_EQ(CountDecoded(archive, "(snapshot = "), summary["snapshots"].get<int>());
  EXPECT_EQ(CountDecoded(archive, "(trailer = "), 1);
}

// Rewrites the archive `in` into `out` with `change` applied to its anchor and a trailer whose
// SHA-256 covers the new bytes: what anyone can do without the venue's key.
void RewriteAnchor(const std::string& in, const std::string& out,
                   const std::function<void(schema::ArchiveAnchor::Builder)>& change) {
  const std::string bytes = ReadBytes(in);
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  kj::ArrayPtr<const capnp::word> rest = words;
  std::string written;
  auto append = [&written](kj::ArrayPtr<const capnp::word> message) {
    written.append(reinterpret_cast<const char*>(message.begin()), message.asBytes().size());
  };
  capnp::ReaderOptions options;
  options.traversalLimitInWords = uint64_t{1} << 30;
  while (rest.size() > 0) {
    capnp::FlatArrayMessageReader reader(rest, options);
    const schema::ArchiveEntry::Reader entry = reader.getRoot<schema::ArchiveEntry>();
    const kj::ArrayPtr<const capnp::word> raw(rest.begin(), reader.getEnd());
    rest = kj::arrayPtr(reader.getEnd(), rest.end());
    capnp::MallocMessageBuilder message;
    if (entry.isAnchor()) {
      message.initRoot<schema::ArchiveEntry>().setAnchor(entry.getAnchor());
      change(message.getRoot<schema::ArchiveEntry>().getAnchor());
    } else if (entry.isTrailer()) {
      auto trailer = message.initRoot<schema::ArchiveEntry>().initTrailer();
      trailer.setRecords(entry.getTrailer().getRecords());
      trailer.setCheckpoints(entry.getTrailer().getCheckpoints());
      trailer.setSnapshots(entry.getTrailer().getSnapshots());
      base::Sha256 sha;
      const ledger::Hash digest =
          sha.Of({reinterpret_cast<const uint8_t*>(written.data()), written.size()});
      trailer.setSha256(kj::arrayPtr(digest.data(), digest.size()));
    } else {
      append(raw);
      continue;
    }
    append(capnp::messageToFlatArray(message));
  }
  std::ofstream(out, std::ios::binary) << written;
}

// A self-consistent forgery of the anchor record: another prev_hash, and the hash recomputed
// from it (so the record alone still checks out).
void ForgeAnchorRecord(schema::ArchiveAnchor::Builder anchor, const ledger::ChainId& chain) {
  const capnp::Data::Reader value = anchor.getRecord().asReader();
  kj::Array<capnp::word> aligned = kj::heapArray<capnp::word>(value.size() / sizeof(capnp::word));
  std::memcpy(aligned.begin(), value.begin(), value.size());
  kj::ArrayPtr<const capnp::word> segments[1] = {aligned};
  capnp::SegmentArrayMessageReader reader(segments);
  auto original = reader.getRoot<ledger::schema::Record>();
  capnp::MallocMessageBuilder forged;
  forged.setRoot(original);
  auto record = forged.getRoot<ledger::schema::Record>();
  ledger::Hash prev{};
  std::copy(original.getPrevHash().begin(), original.getPrevHash().end(), prev.begin());
  prev[5] ^= 0x20;
  auto decoded = ledger::DecodeRecord({value.begin(), value.size()});
  ASSERT_OK(decoded);
  base::Sha256 sha;
  const ledger::Hash hash = ledger::ChainHash(sha, ledger::MakeDomainTag(chain), prev,
                                              decoded->seq(), decoded->envelope_bytes());
  record.setPrevHash(kj::arrayPtr(prev.data(), prev.size()));
  record.setHash(kj::arrayPtr(hash.data(), hash.size()));
  kj::Array<capnp::word> canonical = capnp::canonicalize(record.asReader());
  anchor.setRecord(canonical.asBytes());
}

TEST_F(BackupTest, RangeArchiveWithAChangedAnchorOrFrontierIsRefused) {
  // Goal: the record before the range (the chain's start) and the tree's frontier there (the
  // anchor's inclusion proof) are vouched for by what follows them. Method: rewrite a range
  // archive of the crash log with each changed, and a trailer that matches the new bytes; verify
  // (and audit, for the forged record) must refuse every one.
  e2e::ScratchDir scratch("backup_archive_anchor");
  const std::string archive = scratch / "range.archive";
  const std::vector<ledger::SequenceNumber> snapshot_seqs = SnapshotSeqs(CrashDir());
  ASSERT_GE(snapshot_seqs.size(), 2u);
  const ledger::SequenceNumber anchor = snapshot_seqs[snapshot_seqs.size() - 2];
  auto created = RunBackstop(fmt::format("archive create --data {} --out {} --from {} --json",
                                         CrashDir(), archive, anchor + 1));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const ledger::ChainId chain = OpenLog(CrashDir())->chain_id();
  const std::string trust =
      fmt::format("--trusted-keys {} --chain-id {}", PublicKeyPath(), ledger::ToHex(chain));
  auto check = [&](const std::string& command, const std::string& path) {
    return RunBackstop(fmt::format("{} --archive {} {}", command, path, trust));
  };
  // Rewritten unchanged: still clean (the rewriting itself is sound).
  RewriteAnchor(archive, scratch / "same.archive", [](schema::ArchiveAnchor::Builder) {});
  ASSERT_EQ(check("verify", scratch / "same.archive").exit_code, 0);

  RewriteAnchor(archive, scratch / "forged.archive",
                [&](schema::ArchiveAnchor::Builder entry) { ForgeAnchorRecord(entry, chain); });
  auto forged = check("verify", scratch / "forged.archive");
  EXPECT_EQ(forged.exit_code, 1) << forged.output;
  EXPECT_NE(forged.output.find(fmt::format("seq {}: prev_hash", anchor + 1)), std::string::npos)
      << forged.output;
  EXPECT_EQ(check("audit", scratch / "forged.archive").exit_code, 1);

  RewriteAnchor(archive, scratch / "hash.archive", [](schema::ArchiveAnchor::Builder entry) {
    auto bytes = entry.getRecord();
    bytes[bytes.size() / 2] ^= 0x01;  // Inside the record: its hash no longer recomputes.
  });
  EXPECT_EQ(check("verify", scratch / "hash.archive").exit_code, 1);

  // The inclusion proof of the last leaf of a tree of `anchor` leaves (merkle.h).
  const unsigned proof_size =
      static_cast<unsigned>(std::countr_zero(anchor.value()) + std::popcount(anchor.value()) - 1);
  ASSERT_GT(proof_size, 0u);
  for (unsigned i = 0; i < proof_size; ++i) {
    const std::string path = scratch / fmt::format("frontier-{}.archive", i);
    RewriteAnchor(archive, path, [i](schema::ArchiveAnchor::Builder entry) {
      entry.getProof()[i][i % 32] ^= 0x10;
    });
    auto changed = check("verify", path);
    EXPECT_EQ(changed.exit_code, 1) << "proof hash " << i << ": " << changed.output;
    EXPECT_NE(changed.output.find("has a root that differs from the tree of the records"),
              std::string::npos)
        << changed.output;
  }
  RewriteAnchor(archive, scratch / "short.archive", [](schema::ArchiveAnchor::Builder entry) {
    std::vector<std::vector<kj::byte>> hashes;
    for (capnp::Data::Reader hash : entry.getProof().asReader())
      hashes.emplace_back(hash.begin(), hash.end());
    auto proof = entry.initProof(static_cast<unsigned>(hashes.size() - 1));
    for (unsigned i = 0; i < proof.size(); ++i)
      proof.set(i, kj::arrayPtr(hashes[i].data(), hashes[i].size()));
  });
  auto shorter = check("verify", scratch / "short.archive");
  EXPECT_EQ(shorter.exit_code, 1) << shorter.output;
  EXPECT_NE(shorter.output.find("inclusion proof"), std::string::npos) << shorter.output;
}

TEST_F(BackupTest, RangeArchiveOfAFormatOneLogChecksAloneAndRefusesAForgedAnchor) {
  // Goal: a range of a log that signs every record and has no tree (format 1, the fixture
  // written before checkpoints) starts from its anchor alone (no proof). Method: grow a copy of
  // the fixture with snapshots, archive a range, check it without the data directory; then
  // forge the anchor (another prev_hash, its hash recomputed).
  e2e::ScratchDir scratch("backup_archive_v1_range");
  const std::string data = scratch / "v1";
  fs::copy(std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures/v1-crash-demo", data,
           fs::copy_options::recursive);
  std::ofstream(scratch / "more.jsonl")
      << "{\"type\":\"deposit\",\"account\":1,\"asset\":1,\"amount\":1000}\n"
      << "{\"type\":\"deposit\",\"account\":2,\"asset\":1,\"amount\":1000}\n"
      << "{\"type\":\"withdraw\",\"account\":1,\"asset\":1,\"amount\":10}\n"
      << "{\"type\":\"deposit\",\"account\":1,\"asset\":1,\"amount\":1000}\n";
  auto ingest =
      RunBackstop(fmt::format("ingest {} --data {} --key {}/fixture-signer.key.pem "
                              "--snapshot-every 2",
                              scratch / "more.jsonl", data, data));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.output;
  const std::string keys = scratch / "keys";
  fs::copy(data + "/keyring", keys, fs::copy_options::recursive);
  const ledger::ChainId chain = OpenLog(data)->chain_id();
  const std::string archive = scratch / "range.archive";
  auto created =
      RunBackstop(fmt::format("archive create --data {} --out {} --from 51 --json", data, archive));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const auto summary = nlohmann::json::parse(created.output.substr(created.output.find('{')));
  EXPECT_EQ(summary["first_seq"].get<uint64_t>(), 51u) << created.output;
  fs::remove_all(data);
  const std::string trust =
      fmt::format("--trusted-keys {} --chain-id {}", keys, ledger::ToHex(chain));
  for (const char* command : {"verify", "audit"}) {
    auto result = RunBackstop(fmt::format("{} --archive {} {}", command, archive, trust));
    EXPECT_EQ(result.exit_code, 0) << result.output;
  }
  RewriteAnchor(archive, scratch / "forged.archive",
                [&](schema::ArchiveAnchor::Builder entry) { ForgeAnchorRecord(entry, chain); });
  auto forged =
      RunBackstop(fmt::format("verify --archive {} {}", scratch / "forged.archive", trust));
  EXPECT_EQ(forged.exit_code, 1) << forged.output;
  EXPECT_NE(forged.output.find("seq 51: prev_hash"), std::string::npos) << forged.output;
}

TEST_F(BackupTest, ArchiveWrittenByThePreviousMainStillChecks) {
  // tests/fixtures/archive-v1: a version-1 archive written by main before ranges existed.
  const std::string fixture = std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures/archive-v1";
  const std::string trust = fmt::format(
      "--trusted-keys {}/trusted-signer.pub.pem --chain-id "
      "0ebd9c19ea16eeb2a1f63a6dc4b724d0",
      fixture);
  for (const char* command : {"verify", "audit"}) {
    auto result =
        RunBackstop(fmt::format("{} --archive {}/crash-demo.archive {}", command, fixture, trust));
    EXPECT_EQ(result.exit_code, 0) << result.output;
  }
  EXPECT_EQ(CountDecoded(fixture + "/crash-demo.archive", "(record = "), 48);
}

// A table file of `log_dir` that belongs to column family `family` (its name is in the
// table's properties block), or "" if none.
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
