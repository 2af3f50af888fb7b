// kill -9 during ingest: nothing acknowledged is lost, no group is torn, audit stays clean.
//
// Goal and method: a seeded stream of engine inputs is written as JSON Lines. Each round runs
// `backstop ingest - --acks` on the next slice of the stream in its own process group, with
// stdout to a file, and SIGKILLs the group: three rounds in four a seeded few milliseconds after
// a seeded amount of ack output (so the kill lands mid-stream on a fast or a slow machine), the
// fourth after a blind seeded delay (which may land in recovery or before any ack). Then: every
// acknowledged group (`ack LINE FIRST LAST`) is in the log whole (FIRST starts a group that
// runs exactly to LAST); `backstop audit` is clean (which also proves no torn group at the
// head: a missing effect is a divergence); the next round's ingest recovers and continues the
// chain. BACKSTOP_CRASH_ROUNDS overrides the number of rounds (scripts/crash-loop.sh).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/input_json.h"
#include "ledger/event_log.h"
#include "tests/e2e/cli_test_support.h"
#include "tests/engine/engine_test_util.h"

namespace e2e {
namespace {

TEST(IngestCrashTest, KillNineLosesNothingAcknowledgedAndAuditStaysClean) {
  const uint32_t seed = ::testing::UnitTest::GetInstance()->random_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const char* rounds_env = std::getenv("BACKSTOP_CRASH_ROUNDS");
  const int rounds = rounds_env != nullptr ? std::atoi(rounds_env) : 50;
  ScratchDir scratch("ingest-crash");
  InitLog(scratch);
  engine::testing::RandomStream stream(seed);
  constexpr int kLinesPerRound = 8'000;  // More than a round gets through before its kill.
  engine::testing::SplitMix rng(seed);
  uint64_t previous_head = 0;
  int killed_mid_stream = 0;  // Rounds killed after some acks and before the last line.
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string acks_file = scratch / "acks";
    {
      std::ofstream out(scratch / "slice.jsonl");
      for (int i = 0; i < kLinesPerRound; ++i) out << cli::InputToJson(stream.Next()) << "\n";
    }
    const std::string command =
        std::string("exec ") + BACKSTOP_BINARY + " ingest - --acks --snapshot-every 20000 --data " +
        (scratch / "data") + " --key " + (scratch / "signer.key.pem") + " < " +
        (scratch / "slice.jsonl") + " > " + acks_file + " 2>/dev/null";
    // A kill that lands before the shell truncates the file must not leave the last round's.
    std::filesystem::remove(acks_file);
    if (round % 4 == 3) {
      // A blind kill, which may land in recovery, before any ack or after the slice.
      RunAndKill(command, std::chrono::milliseconds(rng.Uniform(50, 600)));
    } else {
      // A kill while acks are flowing: after some output, at a seeded point of the stream.
      RunAndKillAfterOutput(command, acks_file, rng.Uniform(1, 20'000),
                            std::chrono::milliseconds(rng.Uniform(0, 20)));
    }
    const std::vector<Ack> acks = ReadAcks(acks_file);
    if (!acks.empty() && acks.back().line < static_cast<uint64_t>(kLinesPerRound)) {
      ++killed_mid_stream;
    }
    ExpectAcksDurable(scratch / "data/log", acks);
    CommandResult audit = RunBackstop("audit --data " + (scratch / "data"));
    ASSERT_EQ(audit.exit_code, 0) << audit.output;
    ledger::LogOptions options;
    options.read_only = true;
    auto log = ledger::EventLog::Open(scratch / "data/log", std::move(options));
    ASSERT_TRUE(log.ok());
    if (!acks.empty()) {
      EXPECT_GT((*log)->head_seq().value(), previous_head) << "the chain continues";
    }
    previous_head = (*log)->head_seq().value();
  }
  EXPECT_GT(previous_head, 0u);
  RecordProperty("killed_mid_stream", killed_mid_stream);
  EXPECT_GE(killed_mid_stream, rounds / 2) << "most kills should land while appending";
}

}  // namespace
}  // namespace e2e
