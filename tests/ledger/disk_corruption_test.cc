// Byte flips in the on-disk files. Goal: damage to RocksDB's files after close (SST, MANIFEST,
// CURRENT, WAL) is reported by Open or Verify, never crashes the process and never yields a
// log that verifies with other contents. Method: seeded flips into copies of a closed log (data
// in SST files) and of a SIGKILLed log (data in the WAL); each copy is checked by a child
// process, so that a crash would show as a signal rather than take down the test.
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "tests/ledger/ledger_test_util.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr int kFlipsPerBase = 60;

struct Outcome {
  bool crashed = false;
  bool reported = false;
  std::string output;
};

Outcome CheckCopy(const std::string& dir, const std::string& public_key) {
  Outcome outcome;
  const std::string stderr_file = dir + ".stderr";
  int status = testing::RunChild({"/bin/sh", "-c", "exec \"$0\" verify \"$1\" \"$2\" 2>\"$3\"",
                                  LEDGER_TEST_CHILD, dir, public_key, stderr_file},
                                 &outcome.output);
  // A flip must end in a finding (exit 1) or the clean report, never a crash: a table file
  // that makes RocksDB abort is caught by CheckTableFiles in a child of the verifier.
  outcome.crashed = !WIFEXITED(status) || WEXITSTATUS(status) > 1;
  outcome.reported = WIFEXITED(status) && WEXITSTATUS(status) == 1;
  return outcome;
}

// Files that hold the data and the metadata Open needs: SST tables, WAL, MANIFEST, CURRENT.
// (RocksDB does not read back its text LOG, OPTIONS or IDENTITY files to open a database.)
std::vector<fs::path> DataFiles(const std::string& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    std::string extension = entry.path().extension().string();
    bool data = extension == ".sst" || extension == ".log" || name.rfind("MANIFEST-", 0) == 0 ||
                name == "CURRENT";
    if (data && fs::file_size(entry.path()) > 0) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void FlipByte(const fs::path& file, uint64_t offset, uint8_t mask) {
  std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
  stream.seekg(static_cast<std::streamoff>(offset));
  char byte = 0;
  stream.read(&byte, 1);
  byte = static_cast<char>(byte ^ mask);
  stream.seekp(static_cast<std::streamoff>(offset));
  stream.write(&byte, 1);
}

// Flips kFlipsPerBase random bytes, one per copy of `base`; every outcome must be a report or
// the unchanged head. Returns how many were reported.
int FlipAndCheck(const TempDir& dir, const std::string& base, std::mt19937& rng) {
  // Opening recovers and rewrites a log, so even the clean reference is a copy.
  std::string copy = dir.Sub("copy");
  fs::remove_all(copy);
  fs::copy(base, copy, fs::copy_options::recursive);
  Outcome clean = CheckCopy(copy, dir.Sub("pub.pem"));
  EXPECT_FALSE(clean.crashed || clean.reported) << clean.output;
  std::vector<fs::path> files = DataFiles(base);
  EXPECT_FALSE(files.empty());
  int reported = 0;
  for (int trial = 0; trial < kFlipsPerBase; ++trial) {
    fs::remove_all(copy);
    fs::copy(base, copy, fs::copy_options::recursive);
    fs::path file = fs::path(copy) / files[rng() % files.size()].filename();
    uint64_t offset = rng() % fs::file_size(file);
    uint8_t mask = static_cast<uint8_t>(1 + rng() % 255);
    FlipByte(file, offset, mask);
    Outcome outcome = CheckCopy(copy, dir.Sub("pub.pem"));
    SCOPED_TRACE(::testing::Message()
                 << file.filename() << " offset " << offset << ": " << outcome.output);
    EXPECT_FALSE(outcome.crashed);
    std::string kind = file.extension().string();
    if (kind.empty() || kind.size() > 4) kind = file.filename().string().substr(0, 8);
    std::printf("  flip %-9s %s\n", kind.c_str(), outcome.reported ? "reported" : "harmless");
    if (outcome.reported) {
      ++reported;
    } else {
      EXPECT_EQ(outcome.output, clean.output);  // A harmless flip: same head, same hash.
    }
  }
  return reported;
}

TEST(DiskCorruptionTest, FlipsInFilesAreReportedAndNeverCrash) {
  const uint32_t seed = testing::TestSeed("FlipsInFilesAreReportedAndNeverCrash");
  std::mt19937 rng(seed);
  TempDir dir;
  auto key = PrivateKey::Generate();
  ASSERT_OK(key);
  ASSERT_OK(key->SavePem(dir.Sub("key.pem")));
  ASSERT_OK(key->public_key().SavePem(dir.Sub("pub.pem")));
  {  // A cleanly closed log: the records live in SST files.
    auto log = EventLog::Create(dir.Sub("closed"), testing::SigningOptions(*key));
    ASSERT_OK(log);
    for (int i = 0; i < 30; ++i) ASSERT_OK((*log)->Append(testing::DepositGroup(1 + i % 3)));
  }
  // A killed log: the records live in the WAL.
  testing::Child child = testing::SpawnChild(
      {LEDGER_TEST_CHILD, "append", dir.Sub("killed"), dir.Sub("key.pem"), "1"});
  std::string buffer, line;
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(testing::ReadLine(child, &line, 30000, &buffer));
  ::kill(child.pid, SIGKILL);
  std::string rest;
  testing::FinishChild(child, &rest);
  int reported_closed = FlipAndCheck(dir, dir.Sub("closed"), rng);
  int reported_killed = FlipAndCheck(dir, dir.Sub("killed"), rng);
  std::printf("reported %d/%d flips in a closed log, %d/%d in a killed log\n", reported_closed,
              kFlipsPerBase, reported_killed, kFlipsPerBase);
  // Nearly every byte is covered by a RocksDB checksum or the hash chain; the rare harmless
  // one (e.g. SST block padding) FlipAndCheck accepts only with an unchanged verified head.
  EXPECT_GE(reported_closed, kFlipsPerBase * 3 / 4);
  EXPECT_GE(reported_killed, kFlipsPerBase * 3 / 4);
}

}  // namespace
}  // namespace ledger
