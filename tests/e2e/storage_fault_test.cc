// A disk that fails under the real binary (issue 19, part 2): `backstop ingest` meets a failed
// WAL sync (EIO) or a full disk (ENOSPC) through an LD_PRELOAD library (io_fault_preload.c).
//
// What must hold: the command stops acknowledging at the fault, names it, and exits 2 (a failed
// sync is never retried into a false success); every acknowledged command is in the log, whole;
// the log audits clean once the disk works again (without the library); and a restart that feeds
// the commands after the log's head continues the log to exactly the state and head seq of a
// run that met no fault. The fault's position is drawn from the test's seed (gtest
// --gtest_random_seed replays it).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/input_json.h"
#include "tests/e2e/cli_test_support.h"
#include "tests/engine/engine_test_util.h"

namespace e2e {
namespace {

constexpr int kLines = 3'000;

std::string IngestCommand(const ScratchDir& scratch, const std::string& input) {
  return fmt::format("{} ingest {} --acks --data {} --key {}", BACKSTOP_BINARY, input,
                     scratch / "data", scratch / "signer.key.pem");
}

// `ingest -` fed `input` in chunks of 50 lines 30 ms apart, so that the run makes many group
// commits (fed at once, the sequencer puts thousands of commands in a handful of batches).
std::string PacedIngestCommand(const ScratchDir& scratch, const std::string& input) {
  return fmt::format("split -l 50 {} {} && (for f in {}; do cat $f; sleep 0.03; done) | {}", input,
                     scratch / "chunk.", scratch / "chunk.*", IngestCommand(scratch, "-"));
}

// Writes lines [first, kLines] (1-based) of the seeded stream to `path`.
void WriteStream(uint32_t seed, int first, const std::string& path) {
  engine::testing::RandomStream stream(seed);
  std::ofstream out(path);
  for (int line = 1; line <= kLines; ++line) {
    const std::string json = cli::InputToJson(stream.Next());
    if (line >= first) out << json << "\n";
  }
}

// `replay --json` at the head without its state hash, which covers the times the sequencer
// stamped (they differ between two runs of the same commands); the rest is the whole state.
nlohmann::json State(const ScratchDir& scratch) {
  CommandResult replay = RunBackstop("replay --json --data " + (scratch / "data"));
  EXPECT_EQ(replay.exit_code, 0) << replay.output;
  nlohmann::json state = nlohmann::json::parse(replay.output, nullptr, false);
  EXPECT_TRUE(state.is_object()) << replay.output;
  if (state.is_object()) state.erase("hash");
  return state;
}

struct Reference {
  std::map<uint64_t, Ack> by_line;  // Every line's group in a run without faults.
  nlohmann::json state;             // The state after the whole stream.
};

Reference IngestWithoutFaults(uint32_t seed) {
  ScratchDir scratch("storage-fault-ref");
  InitLog(scratch);
  WriteStream(seed, 1, scratch / "all.jsonl");
  CommandResult ingest = RunShell(fmt::format(
      "({} > {} 2>/dev/null)", IngestCommand(scratch, scratch / "all.jsonl"), scratch / "acks"));
  EXPECT_EQ(ingest.exit_code, 0) << ingest.output;
  Reference reference;
  for (const Ack& ack : ReadAcks(scratch / "acks")) reference.by_line[ack.line] = ack;
  EXPECT_EQ(reference.by_line.size(), static_cast<size_t>(kLines));
  reference.state = State(scratch);
  return reference;
}

// Runs ingest under `fault`, checks how it stopped, then restarts it on the lines after the
// log's head and compares the end with `reference`.
void FaultThenRestart(uint32_t seed, const std::string& fault, const std::string& expected_error,
                      const Reference& reference) {
  ScratchDir scratch("storage-fault");
  InitLog(scratch);
  WriteStream(seed, 1, scratch / "all.jsonl");
  const std::string log_dir = std::filesystem::canonical(scratch / "data/log").string();
  CommandResult faulted = RunShell(fmt::format(
      "(export BACKSTOP_FAULT_DIR={} BACKSTOP_FAULT={} LD_PRELOAD={}; {} 2> {} > {})", log_dir,
      fault, BACKSTOP_IO_FAULT_PRELOAD, PacedIngestCommand(scratch, scratch / "all.jsonl"),
      scratch / "err", scratch / "acks"));
  std::ifstream err_file(scratch / "err");
  const std::string err((std::istreambuf_iterator<char>(err_file)), {});
  ASSERT_EQ(err.find("io_fault_preload: not fired"), std::string::npos) << err;
  EXPECT_EQ(faulted.exit_code, 2) << err;
  EXPECT_NE(err.find(expected_error), std::string::npos) << err;

  // Every acknowledged command is there, with the seqs a run without faults gave it.
  const std::vector<Ack> acks = ReadAcks(scratch / "acks");
  ASSERT_LT(acks.size(), static_cast<size_t>(kLines)) << "the fault stopped nothing";
  ExpectAcksDurable(scratch / "data/log", acks);
  for (const Ack& ack : acks) {
    ASSERT_EQ(ack.first, reference.by_line.at(ack.line).first) << "line " << ack.line;
    ASSERT_EQ(ack.last, reference.by_line.at(ack.line).last) << "line " << ack.line;
  }

  // The disk works again: the log audits clean and its head ends a command's group (a written
  // but unacknowledged group may be there too: it was never acknowledged, nor is it torn).
  CommandResult audit = RunBackstop("audit --data " + (scratch / "data"));
  ASSERT_EQ(audit.exit_code, 0) << audit.output;
  const uint64_t head = State(scratch)["seq"].get<uint64_t>();
  uint64_t logged_lines = 0;
  for (const auto& [line, group] : reference.by_line) {
    if (group.last <= head) logged_lines = line;
  }
  const uint64_t lines_end = logged_lines == 0 ? reference.by_line.at(1).first - 1
                                               : reference.by_line.at(logged_lines).last;
  ASSERT_EQ(lines_end, head) << "the head is inside a command's group";
  if (!acks.empty()) {
    EXPECT_GE(logged_lines, acks.back().line);
  }

  // A restart feeds the rest and ends where the run without faults ended.
  WriteStream(seed, static_cast<int>(logged_lines) + 1, scratch / "rest.jsonl");
  CommandResult restart =
      RunShell(fmt::format("({} >/dev/null)", IngestCommand(scratch, scratch / "rest.jsonl")));
  ASSERT_EQ(restart.exit_code, 0) << restart.output;
  EXPECT_EQ(State(scratch), reference.state);
  CommandResult final_audit = RunBackstop("audit --data " + (scratch / "data"));
  EXPECT_EQ(final_audit.exit_code, 0) << final_audit.output;
}

class StorageFaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    seed_ = ::testing::UnitTest::GetInstance()->random_seed();
    reference_ = new Reference(IngestWithoutFaults(seed_));
  }
  static void TearDownTestSuite() {
    delete reference_;
    reference_ = nullptr;
  }
  // A fault position from the seed, within the first groups of the run.
  static int FaultCall(int salt) {
    engine::testing::SplitMix rng(seed_ + static_cast<uint32_t>(salt));
    return static_cast<int>(rng.Uniform(2, 12));
  }

  static uint32_t seed_;
  static Reference* reference_;
};

uint32_t StorageFaultTest::seed_ = 0;
Reference* StorageFaultTest::reference_ = nullptr;

TEST_F(StorageFaultTest, IngestStopsAtAFailedSyncAndARestartContinues) {
  const int call = FaultCall(1);
  SCOPED_TRACE("seed " + std::to_string(seed_) + ", WAL sync " + std::to_string(call));
  FaultThenRestart(seed_, "sync-eio:" + std::to_string(call), "IO error", *reference_);
}

TEST_F(StorageFaultTest, IngestStopsOnAFullDiskAndARestartContinues) {
  const int call = FaultCall(2);
  SCOPED_TRACE("seed " + std::to_string(seed_) + ", WAL write " + std::to_string(call));
  FaultThenRestart(seed_, "nospace:" + std::to_string(call), "No space left on device",
                   *reference_);
}

}  // namespace
}  // namespace e2e
