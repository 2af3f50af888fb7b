// The log subcommands as a user runs them: keygen, init, log show/tail, verify, export, and
// verify's behaviour on a data directory whose files were damaged on disk.
//
// Goal and method: every test drives the real `backstop` binary in a scratch folder. The
// on-disk corruption test flips single bytes in the closed log's RocksDB files at seeded
// positions and requires, for each flip, that verify either reports a problem (exit 1) or, if
// the byte was one RocksDB never reads, still shows exactly the original records; a crash
// (a signal) or a clean report over different records fails the test.

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "tests/e2e/cli_test_support.h"

namespace e2e {
namespace {

namespace fs = std::filesystem;

class CliLogTest : public ::testing::Test {
 protected:
  void SetUp() override { InitLog(scratch_); }
  std::string Data() const { return scratch_ / "data"; }
  ScratchDir scratch_{"cli"};
};

TEST_F(CliLogTest, InitRefusesAnExistingLog) {
  CommandResult again =
      RunBackstop("init --data " + Data() + " --key " + (scratch_ / "signer.key.pem"));
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.output.find("already exists"), std::string::npos) << again.output;
}

// What an init interrupted before RocksDB wrote anything leaves (its creation marker in an
// otherwise empty log folder; ledger's AdminCrashTest makes the other states): init again
// says what happened and what to do.
TEST_F(CliLogTest, InitNamesAnInterruptedInit) {
  const std::string data = scratch_ / "interrupted";
  std::filesystem::create_directories(data + "/log");
  std::ofstream(data + "/log/CREATING") << "backstop log creation\n";
  CommandResult again =
      RunBackstop("init --data " + data + " --key " + (scratch_ / "signer.key.pem"));
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_NE(again.output.find("creation did not finish"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("remove the folder"), std::string::npos) << again.output;
}

TEST_F(CliLogTest, VerifyIsCleanAndCountsRecords) {
  AppendDeposits(scratch_, 10);  // 1+2+3+4+1+2+3+4+1+2 = 23 records in 10 groups.
  // Signed by checkpoints (the default): one signature per group commit, on its checkpoint.
  CommandResult verify = RunBackstop("verify --data " + Data());
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("OK  23 records"), std::string::npos) << verify.output;
  EXPECT_NE(verify.output.find("10 signatures valid"), std::string::npos) << verify.output;
  EXPECT_NE(verify.output.find("10 checkpoints match"), std::string::npos) << verify.output;
}

TEST_F(CliLogTest, VerifyInEveryModeChecksRecordSignaturesToo) {
  ScratchDir every("cli-every");
  InitLog(every, "--sign every");
  AppendDeposits(every, 10);
  const std::string data = every / "data";
  CommandResult verify = RunBackstop("verify --data " + data);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  // 10 group-commit ends and 10 checkpoints.
  EXPECT_NE(verify.output.find("20 signatures valid"), std::string::npos) << verify.output;
  CommandResult all = RunBackstop("verify --all-signatures --data " + data);
  EXPECT_EQ(all.exit_code, 0) << all.output;
  EXPECT_NE(all.output.find("33 signatures valid"), std::string::npos) << all.output;
}

TEST_F(CliLogTest, VerifyWithAnUnknownKeyFails) {
  AppendDeposits(scratch_, 3);
  ASSERT_EQ(RunBackstop("keygen --out " + (scratch_ / "other")).exit_code, 0);
  fs::create_directories(scratch_ / "otherring");
  fs::copy(scratch_ / "other.pub.pem", scratch_ / "otherring/other.pem");
  CommandResult verify =
      RunBackstop("verify --data " + Data() + " --trusted-keys " + (scratch_ / "otherring"));
  EXPECT_EQ(verify.exit_code, 1) << verify.output;
  EXPECT_NE(verify.output.find("first bad seq  1"), std::string::npos) << verify.output;
}

// Trust comes from the auditor: a whole other history, signed with a fresh key whose public
// half sits in the directory's keyring, passes only when the directory is trusted (and says
// so); with the venue's key pinned, verify and audit refuse it at seq 1; a log of another chain
// signed by the venue's key is refused once the chain id is pinned.
TEST_F(CliLogTest, PinnedKeysAndChainRefuseAForgedHistory) {
  const std::string demo = std::string(BACKSTOP_SOURCE_DIR) + "/docs/examples/crash-demo.jsonl";
  const std::string venue_key = scratch_ / "signer.pub.pem";
  auto ingest = [&](const std::string& data, const std::string& key) {
    CommandResult result = RunBackstop("ingest " + demo + " --data " + data + " --key " + key);
    ASSERT_EQ(result.exit_code, 0) << result.output;
  };
  ingest(Data(), scratch_ / "signer.key.pem");
  ScratchDir forged("cli-forged");
  InitLog(forged);
  ingest(forged / "data", forged / "signer.key.pem");
  const std::string forged_data = forged / "data";
  CommandResult unpinned = RunBackstop("audit --data " + forged_data);
  EXPECT_EQ(unpinned.exit_code, 0) << unpinned.output;
  EXPECT_NE(unpinned.output.find("warning: trusting the keys the audited directory supplies"),
            std::string::npos)
      << unpinned.output;
  CommandResult json = RunBackstop("verify --json --data " + forged_data);
  EXPECT_NE(json.output.find("\"pinned\":false"), std::string::npos) << json.output;
  for (const char* command : {"verify", "audit"}) {
    CommandResult pinned = RunBackstop(std::string(command) + " --data " + forged_data +
                                       " --trusted-keys " + venue_key);
    EXPECT_EQ(pinned.exit_code, 1) << command << ": " << pinned.output;
    EXPECT_NE(pinned.output.find("seq 1: key"), std::string::npos) << pinned.output;
    EXPECT_EQ(pinned.output.find("warning: trusting"), std::string::npos) << pinned.output;
  }
  // The venue's own log, pinned: clean. Its key on another chain: refused at seq 1.
  CommandResult head = RunBackstop("checkpoint --data " + Data());
  const std::string origin = head.output.substr(0, head.output.find('\n'));
  for (const char* command : {"verify", "audit"}) {
    CommandResult good = RunBackstop(std::string(command) + " --data " + Data() +
                                     " --trusted-keys " + venue_key + " --chain-id " + origin);
    EXPECT_EQ(good.exit_code, 0) << command << ": " << good.output;
  }
  ScratchDir sibling("cli-sibling");
  ASSERT_EQ(
      RunBackstop("init --data " + (sibling / "data") + " --key " + (scratch_ / "signer.key.pem"))
          .exit_code,
      0);
  ingest(sibling / "data", scratch_ / "signer.key.pem");
  for (const char* command : {"verify", "audit"}) {
    CommandResult other = RunBackstop(std::string(command) + " --data " + (sibling / "data") +
                                      " --trusted-keys " + venue_key + " --chain-id " + origin);
    EXPECT_EQ(other.exit_code, 1) << command << ": " << other.output;
    EXPECT_NE(other.output.find("not the trusted chain"), std::string::npos) << other.output;
  }
}

TEST_F(CliLogTest, ShowPrintsOneRangeAsTextAndJson) {
  AppendDeposits(scratch_, 3);  // Seqs 1..6.
  CommandResult text = RunBackstop("log show 2..3 --data " + Data());
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("deposit"), std::string::npos) << text.output;
  EXPECT_EQ(std::count(text.output.begin(), text.output.end(), '\n'), 2) << text.output;
  CommandResult json = RunBackstop("log show 4 --json --data " + Data());
  ASSERT_EQ(json.exit_code, 0) << json.output;
  EXPECT_NE(json.output.find("\"seq\":4"), std::string::npos) << json.output;
  EXPECT_NE(json.output.find("\"type\":\"deposit\""), std::string::npos) << json.output;
  CommandResult tail = RunBackstop("log tail -n 2 --data " + Data());
  EXPECT_NE(tail.output.find("        6  "), std::string::npos) << tail.output;
  EXPECT_EQ(std::count(tail.output.begin(), tail.output.end(), '\n'), 2) << tail.output;
}

TEST_F(CliLogTest, ShowRefusesBadRangesAndMissingLogs) {
  AppendDeposits(scratch_, 1);
  EXPECT_EQ(RunBackstop("log show 5..2 --data " + Data()).exit_code, 2);
  EXPECT_EQ(RunBackstop("log show abc --data " + Data()).exit_code, 2);
  EXPECT_EQ(RunBackstop("log show 99 --data " + Data()).exit_code, 2);
  CommandResult missing = RunBackstop("log show --data " + (scratch_ / "nowhere"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("no event log"), std::string::npos) << missing.output;
  EXPECT_EQ(RunBackstop("export 99 --raw --out x --data " + Data()).exit_code, 2);
}

std::vector<fs::path> RocksFiles(const std::string& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const bool data = entry.path().extension() == ".sst" || entry.path().extension() == ".log" ||
                      name.rfind("MANIFEST", 0) == 0;
    if (entry.is_regular_file() && data && fs::file_size(entry.path()) > 0) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

void FlipByte(const fs::path& path, uint64_t offset) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(offset));
  char byte = 0;
  file.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x40);
  file.seekp(static_cast<std::streamoff>(offset));
  file.write(&byte, 1);
}

TEST_F(CliLogTest, OnDiskFlipsAreReportedAndNeverCrashTheTool) {
  AppendDeposits(scratch_, 40);
  const std::string original = RunBackstop("log show --json --data " + Data()).output;
  const std::vector<fs::path> files = RocksFiles(Data() + "/log");
  ASSERT_FALSE(files.empty());
  const uint32_t seed = ::testing::UnitTest::GetInstance()->random_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  int reported = 0;
  constexpr int kFlips = 40;
  for (int i = 0; i < kFlips; ++i) {
    const fs::path& file = files[i % files.size()];
    const uint64_t offset = rng() % fs::file_size(file);
    const std::string backup = scratch_ / "backup";
    fs::copy_file(file, backup, fs::copy_options::overwrite_existing);
    FlipByte(file, offset);
    CommandResult verify = RunBackstop("verify --data " + Data());
    EXPECT_EQ(verify.signal, 0) << file << " @" << offset << " crashed:\n" << verify.output;
    if (verify.exit_code == 1) {
      ++reported;
    } else {
      EXPECT_EQ(verify.exit_code, 0) << verify.output;
      EXPECT_EQ(RunBackstop("log show --json --data " + Data()).output, original)
          << file << " @" << offset << ": verify was clean but the records changed";
    }
    fs::copy_file(backup, file, fs::copy_options::overwrite_existing);
  }
  EXPECT_GT(reported, kFlips / 4) << "most flips in RocksDB files should be detected";
  EXPECT_EQ(RunBackstop("verify --data " + Data()).exit_code, 0);
}

}  // namespace
}  // namespace e2e

namespace e2e {
namespace {

// A fixture log of an older format (its data/ in `scratch`): its ADL effects have that format's
// form, without the commitment (the audit before compared them in that form), and the queue
// re-derived for `adl explain --full` encodes to the logged record; then two more commands.
void ExpectOwnFormatAdlAndGrow(const ScratchDir& scratch) {
  CommandResult full = RunBackstop("adl explain 48 --full --json --data " + (scratch / "data"));
  ASSERT_EQ(full.exit_code, 0) << full.output;
  const auto explained = nlohmann::json::parse(full.output, nullptr, false);
  EXPECT_EQ(explained["full_queue"]["matches_log"], true) << full.output;
  EXPECT_EQ(explained["full_queue"]["log_has_commitment"], false) << full.output;
  std::ofstream(scratch / "more.jsonl") << "{\"type\":\"open_account\",\"account\":900}\n"
                                           "{\"type\":\"deposit\",\"account\":900,"
                                           "\"asset\":1,\"amount\":5000000}\n";
  CommandResult ingest =
      RunBackstop("ingest " + (scratch / "more.jsonl") + " --data " + (scratch / "data") +
                  " --key " + (scratch / "data/fixture-signer.key.pem"));
  EXPECT_EQ(ingest.exit_code, 0) << ingest.output;
}

// Copies tests/fixtures/NAME to scratch/data; returns the options that pin it to the fixture's
// signer (its public key) and to `chain`.
std::string CopyFixture(const ScratchDir& scratch, const std::string& name,
                        const std::string& chain) {
  fs::copy(std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures/" + name, scratch / "data",
           fs::copy_options::recursive);
  return " --data " + (scratch / "data") + " --trusted-keys " +
         (scratch / "data/trusted-signer.pub.pem") + " --chain-id " + chain;
}

// `verify` of the pinned log says each of `verify_says` and `audit` is clean at `head_seq`.
void ExpectVerifiesAndAudits(const std::string& pin,
                             std::initializer_list<std::string_view> verify_says, int head_seq) {
  CommandResult verify = RunBackstop("verify" + pin);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  for (const std::string_view says : verify_says) {
    EXPECT_NE(verify.output.find(says), std::string::npos) << says << "\n" << verify.output;
  }
  CommandResult audit = RunBackstop("audit" + pin);
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_NE(audit.output.find("OK  head seq " + std::to_string(head_seq)), std::string::npos)
      << audit.output;
}

// A log written by main before signed checkpoints (format 1, every record signed; kept in
// tests/fixtures/v1-crash-demo with its signer's public key) verifies and audits with today's
// binary, pinned to its key and chain, and takes more commands in its own format.
TEST(FormatOneLogTest, VerifiesAuditsAndGrowsInItsOwnFormat) {
  ScratchDir scratch("format-one");
  fs::copy(std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures/v1-crash-demo", scratch / "data",
           fs::copy_options::recursive);
  const std::string pin = " --data " + (scratch / "data") + " --trusted-keys " +
                          (scratch / "data/trusted-signer.pub.pem") +
                          " --chain-id bc936faddc407af23bdaf689cb0164da";
  CommandResult verify = RunBackstop("verify --all-signatures" + pin);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("48 signatures valid (every record)"), std::string::npos)
      << verify.output;
  EXPECT_NE(verify.output.find("format 1"), std::string::npos) << verify.output;
  CommandResult audit = RunBackstop("audit" + pin);
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_NE(audit.output.find("OK  head seq 48"), std::string::npos) << audit.output;
  CommandResult proof =
      RunBackstop("proof 3 --out " + (scratch / "p") + " --data " + (scratch / "data"));
  EXPECT_EQ(proof.exit_code, 2) << proof.output;
  EXPECT_NE(proof.output.find("format 1"), std::string::npos) << proof.output;
  ExpectOwnFormatAdlAndGrow(scratch);
  CommandResult grown = RunBackstop("verify --all-signatures" + pin);
  EXPECT_EQ(grown.exit_code, 0) << grown.output;
  EXPECT_NE(grown.output.find("50 signatures valid (every record)"), std::string::npos)
      << grown.output;
  EXPECT_NE(grown.output.find("format 1"), std::string::npos) << grown.output;
}

// A log written by main before this session's record changes (format 2, signed checkpoints;
// no `Event.origin`, no `idx_client` column family: tests/fixtures/v2-crash-demo, made by
// c98e82e) verifies and audits with today's binary, and after more commands (its first writable
// open adds the empty client index) still verifies and audits as format 2.
TEST(FormatTwoLogTest, LogOfThePreviousMainVerifiesAuditsAndGrows) {
  ScratchDir scratch("format-two");
  const std::string pin =
      CopyFixture(scratch, "v2-crash-demo", "backstop/0ebd9c19ea16eeb2a1f63a6dc4b724d0");
  ExpectVerifiesAndAudits(pin, {"format 2, signed by checkpoint"}, 48);
  ExpectOwnFormatAdlAndGrow(scratch);
  ExpectVerifiesAndAudits(pin, {"format 2, signed by checkpoint"}, 50);
}

// A log of the format main writes today (format 3: tests/fixtures/v3-crash-demo, made by
// 79eede2) keeps verifying and auditing, with its head hash and tree root as made, its ADL queue
// commitment checked against the re-derived ranking, and grows in its own format.
TEST(FormatThreeLogTest, LogOfMainAt79eede2VerifiesAuditsAndGrows) {
  ScratchDir scratch("format-three");
  const std::string pin = CopyFixture(scratch, "v3-crash-demo", "3d33ad022afc8ec62dfbf142fc69ced7");
  ExpectVerifiesAndAudits(
      pin,
      {"format 3, signed by checkpoint",
       "head seq 48 hash bcd80eb4a1777b97c0f87b499186068ab7365270ce338c32025a10ee34b0d3be"},
      48);
  CommandResult checkpoint = RunBackstop("checkpoint --data " + (scratch / "data"));
  EXPECT_NE(checkpoint.output.find("\n48\ne4xmOW5ZE8UllDx05tz446DmDwOxg9Tn/TLqzxWlTMQ=\n"),
            std::string::npos)
      << checkpoint.output;
  CommandResult full = RunBackstop("adl explain 48 --full --json --data " + (scratch / "data"));
  ASSERT_EQ(full.exit_code, 0) << full.output;
  const auto explained = nlohmann::json::parse(full.output, nullptr, false);
  EXPECT_EQ(explained["full_queue"]["log_has_commitment"], true) << full.output;
  EXPECT_EQ(explained["full_queue"]["matches_log"], true) << full.output;
  std::ofstream(scratch / "more.jsonl") << "{\"type\":\"open_account\",\"account\":900}\n";
  CommandResult ingest =
      RunBackstop("ingest " + (scratch / "more.jsonl") + " --data " + (scratch / "data") +
                  " --key " + (scratch / "data/fixture-signer.key.pem"));
  EXPECT_EQ(ingest.exit_code, 0) << ingest.output;
  ExpectVerifiesAndAudits(pin, {"format 3, signed by checkpoint"}, 49);
}

}  // namespace
}  // namespace e2e
