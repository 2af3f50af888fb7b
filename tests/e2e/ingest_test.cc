// ingest, audit, replay --to and snapshot create as a user runs them, on the shipped example
// session (docs/examples/crash-demo.jsonl) and on malformed input.

#include <gtest/gtest.h>

#include <fstream>

#include "tests/e2e/cli_test_support.h"

namespace e2e {
namespace {

const std::string kDemo = std::string(BACKSTOP_SOURCE_DIR) + "/docs/examples/crash-demo.jsonl";

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override { InitLog(scratch_); }
  std::string Args() const {
    return " --data " + (scratch_ / "data") + " --key " + (scratch_ / "signer.key.pem");
  }
  CommandResult Ingest(const std::string& input, const std::string& extra = "") {
    return RunBackstop("ingest " + input + Args() + " " + extra);
  }
  std::string WriteLines(const std::string& name, const std::string& text) {
    std::ofstream(scratch_ / name) << text;
    return scratch_ / name;
  }
  ScratchDir scratch_{"ingest"};
};

TEST_F(IngestTest, DemoSessionLiquidatesAndDeleveragesAndAuditsClean) {
  CommandResult ingest = Ingest(kDemo);
  ASSERT_EQ(ingest.exit_code, 0) << ingest.output;
  EXPECT_NE(ingest.output.find("commands             23"), std::string::npos) << ingest.output;
  CommandResult show = RunBackstop("log show --data " + (scratch_ / "data"));
  for (const char* kind :
       {"liquidation ", "liquidation_fill", "insurance_fund_draw", "adl_queue", "adl_reduction",
        "fill ", "funding_payment", "input_rejected", "order_cancelled"}) {
    EXPECT_NE(show.output.find(kind), std::string::npos) << kind << "\n" << show.output;
  }
  CommandResult verify = RunBackstop("verify --data " + (scratch_ / "data"));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  CommandResult audit = RunBackstop("audit --check-invariants --data " + (scratch_ / "data"));
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_NE(audit.output.find("OK  head seq"), std::string::npos) << audit.output;
}

TEST_F(IngestTest, AuditNamesADamagedIndexAndReindexRepairsIt) {
  ASSERT_EQ(Ingest(kDemo).exit_code, 0);
  const std::string log = scratch_ / "data/log";
  CommandResult keys =
      RunShell("ldb --db=" + log + " --column_family=idx_adl_account scan --key_hex");
  ASSERT_EQ(keys.exit_code, 0) << keys.output;
  const std::string first_key = keys.output.substr(0, keys.output.find(' '));
  ASSERT_EQ(first_key.rfind("0x", 0), 0u) << keys.output;
  CommandResult removed = RunShell(
      "ldb --db=" + log + " --column_family=idx_adl_account delete --key_hex " + first_key);
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  CommandResult audit = RunBackstop("audit --data " + (scratch_ / "data"));
  EXPECT_EQ(audit.exit_code, 1) << audit.output;
  EXPECT_NE(audit.output.find("idx_adl_account: missing key"), std::string::npos) << audit.output;
  CommandResult reindex = RunBackstop("reindex --data " + (scratch_ / "data"));
  EXPECT_EQ(reindex.exit_code, 0) << reindex.output;
  EXPECT_EQ(RunBackstop("audit --data " + (scratch_ / "data")).exit_code, 0);
}

TEST_F(IngestTest, MalformedLineStopsWithItsNumberAndLeavesNothingHalfApplied) {
  const std::string file =
      WriteLines("bad.jsonl",
                 "{\"type\":\"open_account\",\"account\":5}\n"
                 "{\"type\":\"deposit\",\"account\":5,\"asset\":1}\n"
                 "{\"type\":\"deposit\",\"account\":5,\"asset\":1,\"amount\":7}\n");
  CommandResult stop = Ingest(file);
  EXPECT_EQ(stop.exit_code, 1) << stop.output;
  EXPECT_NE(stop.output.find("line 2: refused: deposit: missing field 'amount'"), std::string::npos)
      << stop.output;
  EXPECT_NE(stop.output.find("commands              1"), std::string::npos) << stop.output;
  CommandResult skip = Ingest(file, "--on-error skip");
  EXPECT_EQ(skip.exit_code, 1) << skip.output;
  EXPECT_NE(skip.output.find("commands              2"), std::string::npos) << skip.output;
  for (const char* line : {"not json", "{\"type\":\"teleport\"}", "[1,2]",
                           "{\"type\":\"deposit\",\"account\":5,\"asset\":1,\"amount\":1.5}",
                           "{\"type\":\"deposit\",\"account\":5,\"asset\":1,\"amount\":1,\"x\":0}",
                           "{\"type\":\"open_account\",\"account\":-1}"}) {
    CommandResult bad = Ingest(WriteLines("one.jsonl", std::string(line) + "\n"));
    EXPECT_EQ(bad.exit_code, 1) << line << "\n" << bad.output;
    EXPECT_NE(bad.output.find("line 1: refused"), std::string::npos) << bad.output;
  }
  EXPECT_EQ(RunBackstop("audit --data " + (scratch_ / "data")).exit_code, 0);
}

TEST_F(IngestTest, StdinSnapshotsAndReplayToASeq) {
  CommandResult ingest = RunShell("cat " + kDemo + " | " + BACKSTOP_BINARY + " ingest -" + Args());
  ASSERT_EQ(ingest.exit_code, 0) << ingest.output;
  CommandResult snapshot = RunBackstop("snapshot create" + Args());
  ASSERT_EQ(snapshot.exit_code, 0) << snapshot.output;
  CommandResult more = Ingest(WriteLines("more.jsonl",
                                         "{\"type\":\"open_account\",\"account\":9}\n"
                                         "{\"type\":\"deposit\",\"account\":9,\"asset\":1,"
                                         "\"amount\":5}\n"));
  ASSERT_EQ(more.exit_code, 0) << more.output;
  EXPECT_NE(more.output.find("recovered"), std::string::npos) << more.output;
  CommandResult early = RunBackstop("replay --to 12 --json --data " + (scratch_ / "data"));
  ASSERT_EQ(early.exit_code, 0) << early.output;
  EXPECT_EQ(early.output.find("\"account\":9"), std::string::npos) << early.output;
  CommandResult head = RunBackstop("replay --json --data " + (scratch_ / "data"));
  ASSERT_EQ(head.exit_code, 0) << head.output;
  EXPECT_NE(head.output.find("\"insurance_fund\""), std::string::npos) << head.output;
  EXPECT_NE(head.output.find("\"account\":9"), std::string::npos) << head.output;
  CommandResult audit = RunBackstop("audit --data " + (scratch_ / "data"));
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_NE(audit.output.find("snapshots  1 state hashes"), std::string::npos) << audit.output;
}

}  // namespace
}  // namespace e2e
