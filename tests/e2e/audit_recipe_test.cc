// The docs/AUDIT.md recipe, run exactly as written on exported records.
//
// Goal and method: build a small signed log, export records with `backstop export --raw`, cut
// the shell block marked `audit-recipe` out of docs/AUDIT.md and run it with bash, using only
// the stock capnp, openssl and xxd tools. It must pass on untouched records and fail when any
// byte the hash or signature covers is altered.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/e2e/cli_test_support.h"

namespace e2e {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The first ```sh block after the marker ("audit-recipe" or "checkpoint-recipe").
std::string Recipe(const std::string& name = "audit-recipe") {
  const std::string doc = ReadFile(std::string(BACKSTOP_SOURCE_DIR) + "/docs/AUDIT.md");
  const size_t marker = doc.find("<!-- " + name);
  EXPECT_NE(marker, std::string::npos);
  const size_t open = doc.find("```sh\n", marker);
  const size_t close = doc.find("\n```", open + 6);
  EXPECT_NE(open, std::string::npos);
  EXPECT_NE(close, std::string::npos);
  return doc.substr(open + 6, close - open - 6);
}

std::string ChainId(const std::string& prefix) {
  const std::string json = ReadFile(prefix + ".json");
  const size_t at = json.find("\"chain_id\": \"");
  EXPECT_NE(at, std::string::npos) << json;
  return json.substr(at + 13, 32);
}

class AuditRecipeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitLog(scratch_, "--sign every");
    AppendDeposits(scratch_, 6);
    std::ofstream(scratch_ / "recipe.sh") << Recipe();
  }

  CommandResult Export(int seq) {
    return RunBackstop("export " + std::to_string(seq) + " --raw --out " +
                       (scratch_ / ("rec" + std::to_string(seq))) + " --data " +
                       (scratch_ / "data"));
  }

  // Runs recipe.sh with the recipe's inputs set; `extra_env` adds more ("NAME=value ...").
  CommandResult RunRecipe(int seq, const std::string& chain_id, const std::string& extra_env = "") {
    const std::string prefix = scratch_ / ("rec" + std::to_string(seq));
    const std::string pub = RunShell("ls " + (scratch_ / "data/keyring/*.pem")).output;
    return RunShell("cd " + scratch_.path() + " && SCHEMA=" + BACKSTOP_SOURCE_DIR +
                    "/ledger/schema/event.capnp PUB=" + pub.substr(0, pub.size() - 1) +
                    " CHAIN_ID=" + chain_id + " SEQ=" + std::to_string(seq) + " REC=" + prefix +
                    " " + extra_env + " bash recipe.sh");
  }

  void FlipFirstByteOf(const std::string& path, size_t offset) {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(offset));
    char byte = 0;
    file.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x01);
    file.seekp(static_cast<std::streamoff>(offset));
    file.write(&byte, 1);
  }

  ScratchDir scratch_{"audit"};
};

TEST_F(AuditRecipeTest, PassesOnEveryExportedRecord) {
  for (int seq : {1, 2, 5, 9}) {
    ASSERT_EQ(Export(seq).exit_code, 0);
    const std::string chain_id = ChainId(scratch_ / ("rec" + std::to_string(seq)));
    CommandResult result = RunRecipe(seq, chain_id);
    EXPECT_EQ(result.exit_code, 0) << "seq " << seq << ":\n" << result.output;
    EXPECT_NE(result.output.find("Signature Verified Successfully"), std::string::npos)
        << result.output;
  }
}

TEST_F(AuditRecipeTest, FailsWhenTheEnvelopeIsAltered) {
  ASSERT_EQ(Export(3).exit_code, 0);
  const std::string chain_id = ChainId(scratch_ / "rec3");
  const std::string envelope = scratch_ / "rec3.envelope.bin";
  const size_t size = ReadFile(envelope).size();
  for (size_t offset : {size_t{8}, size / 2, size - 1}) {
    FlipFirstByteOf(envelope, offset);
    EXPECT_NE(RunRecipe(3, chain_id).exit_code, 0) << "flip at envelope byte " << offset;
    FlipFirstByteOf(envelope, offset);
  }
  EXPECT_EQ(RunRecipe(3, chain_id).exit_code, 0);
}

TEST_F(AuditRecipeTest, FailsWithAnotherLogsChainIdOrAnAlteredSignature) {
  ASSERT_EQ(Export(4).exit_code, 0);
  const std::string chain_id = ChainId(scratch_ / "rec4");
  std::string other = chain_id;
  other[0] = other[0] == '0' ? '1' : '0';
  EXPECT_NE(RunRecipe(4, other).exit_code, 0);
  FlipFirstByteOf(scratch_ / "rec4.sig.bin", 10);
  EXPECT_NE(RunRecipe(4, chain_id).exit_code, 0);
}

// Section 2b: a log signed by checkpoints. The record's hash from public facts, the checkpoint's
// signature with stock openssl, the inclusion proof with Go's sumdb/tlog.
class CheckpointRecipeTest : public AuditRecipeTest {
 protected:
  void SetUp() override {
    InitLog(scratch_);
    AppendDeposits(scratch_, 9);
    std::ofstream(scratch_ / "recipe.sh") << Recipe("checkpoint-recipe");
    CommandResult build =
        RunShell("GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=" + (scratch_ / "go-cache") +
                 " go build -o " + (scratch_ / "tlogcheck") + " " + BACKSTOP_SOURCE_DIR +
                 "/tests/crosscheck/tlogcheck/main.go");
    ASSERT_EQ(build.exit_code, 0) << build.output;
  }
  CommandResult Prove(int seq) {
    return RunBackstop("proof " + std::to_string(seq) + " --out " +
                       (scratch_ / ("rec" + std::to_string(seq))) + " --data " +
                       (scratch_ / "data"));
  }
  CommandResult RunCheckpointRecipe(int seq, const std::string& chain_id) {
    const std::string proof = scratch_ / ("rec" + std::to_string(seq) + ".tlog-proof");
    return RunRecipe(seq, chain_id, "PROOF=" + proof + " TLOGCHECK=" + (scratch_ / "tlogcheck"));
  }
};

TEST_F(CheckpointRecipeTest, PassesOnRecordsAcrossTheLog) {
  for (int seq : {1, 2, 7, 15, 20}) {
    ASSERT_EQ(Export(seq).exit_code, 0);
    ASSERT_EQ(Prove(seq).exit_code, 0);
    const std::string chain_id = ChainId(scratch_ / ("rec" + std::to_string(seq)));
    CommandResult result = RunCheckpointRecipe(seq, chain_id);
    EXPECT_EQ(result.exit_code, 0) << "seq " << seq << ":\n" << result.output;
    EXPECT_NE(result.output.find("Signature Verified Successfully"), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("ok index="), std::string::npos) << result.output;
  }
}

TEST_F(CheckpointRecipeTest, FailsOnAlteredEnvelopeProofOrChain) {
  ASSERT_EQ(Export(7).exit_code, 0);
  ASSERT_EQ(Prove(7).exit_code, 0);
  const std::string chain_id = ChainId(scratch_ / "rec7");
  const std::string envelope = scratch_ / "rec7.envelope.bin";
  FlipFirstByteOf(envelope, 12);
  EXPECT_NE(RunCheckpointRecipe(7, chain_id).exit_code, 0);
  FlipFirstByteOf(envelope, 12);
  ASSERT_EQ(RunCheckpointRecipe(7, chain_id).exit_code, 0);
  std::string other = chain_id;
  other[0] = other[0] == '0' ? '1' : '0';
  EXPECT_NE(RunCheckpointRecipe(7, other).exit_code, 0);
  // A proof hash changed: the line after "index 6" starts at a known offset.
  const std::string proof = ReadFile(scratch_ / "rec7.tlog-proof");
  const size_t at = proof.find("index 6\n") + 9;
  FlipFirstByteOf(scratch_ / "rec7.tlog-proof", at);
  EXPECT_NE(RunCheckpointRecipe(7, chain_id).exit_code, 0);
}

}  // namespace
}  // namespace e2e
