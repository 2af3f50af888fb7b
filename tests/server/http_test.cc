// The auditors' HTTP side: the newest checkpoint, tlog-tiles hash tiles and entry bundles made
// of the log's stored tree, proofs that `backstop proof verify` accepts, /healthz, /metrics.
// (tests/crosscheck/serve_tiles_crosscheck.sh has Go's tlog client read the same tiles.)

#include <gtest/gtest.h>

#include "ledger/checkpoint.h"
#include "ledger/event_log.h"
#include "ledger/merkle.h"
#include "server/internal/http_server.h"
#include "tests/server/server_test_util.h"

namespace server::testing {
namespace {

using internal::ParseTilePath;
using internal::TilePath;

TEST(TilePathTest, ParsesCanonicalPathsOnly) {
  TilePath tile;
  ASSERT_TRUE(ParseTilePath("0/000", &tile));
  EXPECT_EQ(tile.index, 0u);
  EXPECT_EQ(tile.width, 256u);
  ASSERT_TRUE(ParseTilePath("2/x001/x234/067.p/8", &tile));
  EXPECT_EQ(tile.level, 2);
  EXPECT_EQ(tile.index, 1234067u);
  EXPECT_EQ(tile.width, 8u);
  ASSERT_TRUE(ParseTilePath("entries/x001/000", &tile));
  EXPECT_TRUE(tile.entries);
  EXPECT_EQ(tile.index, 1000u);
  for (const char* bad :
       {"0/00", "0/0000", "0/x000/001", "0/001.p/0", "0/001.p/256", "0/001.p/08", "8/000", "00/000",
        "0/001/", "0/x001", "a/000", "entries/001.p/", "0/-01"}) {
    EXPECT_FALSE(ParseTilePath(bad, &tile)) << bad;
  }
}

class HttpTest : public ServerTest {
 protected:
  void SetUp() override {
    with_http_ = true;
    StartServer();
    SetUpVenue();
    auto ops = Connect("ops");
    ASSERT_OK(ops);
    // 300 more records: a full level-0 tile and a partial one.
    for (uint64_t account = 10; account < 310; ++account) {
      ASSERT_EQ(Call(**ops, account, engine::OpenAccount{engine::AccountId{account}}).kind,
                Answer::Kind::kAccepted);
    }
  }
  const ledger::EventLog& log() const { return server_->sequencer().log(); }
};

TEST_F(HttpTest, CheckpointIsTheNewestNote) {
  const HttpResult got = HttpGet(http_port_, "/checkpoint");
  EXPECT_EQ(got.status, 200);
  auto note = log().LatestCheckpoint();
  ASSERT_OK(note);
  EXPECT_EQ(got.body, *note);
}

TEST_F(HttpTest, TilesHoldTheStoredTree) {
  const uint64_t size = log().head_seq().value();
  ASSERT_GT(size, 256u);
  const HttpResult full = HttpGet(http_port_, "/tile/0/000");
  ASSERT_EQ(full.status, 200);
  ASSERT_EQ(full.body.size(), 256u * 32);
  base::Sha256 sha;
  for (uint64_t i = 0; i < 256; i += 51) {
    auto record = log().Read(ledger::SequenceNumber{i + 1});
    ASSERT_OK(record);
    const ledger::Hash leaf = ledger::LeafHash(sha, record->hash());
    EXPECT_EQ(full.body.substr(i * 32, 32), std::string(leaf.begin(), leaf.end())) << i;
  }
  const uint64_t width = size - 256;
  const HttpResult partial = HttpGet(http_port_, "/tile/0/001.p/" + std::to_string(width));
  ASSERT_EQ(partial.status, 200);
  EXPECT_EQ(partial.body.size(), width * 32);
  EXPECT_EQ(HttpGet(http_port_, "/tile/0/001").status, 404);      // Not complete yet.
  EXPECT_EQ(HttpGet(http_port_, "/tile/1/000.p/1").status, 200);  // Node (8, 0).
  const HttpResult entries = HttpGet(http_port_, "/tile/entries/000.p/3");
  ASSERT_EQ(entries.status, 200);
  ASSERT_EQ(entries.body.size(), 3u * 34);
  auto second = log().Read(ledger::SequenceNumber{2});
  ASSERT_OK(second);
  EXPECT_EQ(entries.body.substr(34, 2), std::string("\0\x20", 2));
  EXPECT_EQ(entries.body.substr(36, 32), std::string(second->hash().begin(), second->hash().end()));
  EXPECT_EQ(HttpGet(http_port_, "/tile/0/x000/001").status, 400);
}

TEST_F(HttpTest, ProofsCheckWithThePublicKeyAlone) {
  const HttpResult proof = HttpGet(http_port_, "/proof/inclusion?seq=7");
  ASSERT_EQ(proof.status, 200) << proof.body;
  ledger::Keyring keyring;
  keyring.Add(key_.public_key());
  auto proven = ledger::CheckInclusionProofFile(proof.body, keyring, std::nullopt);
  ASSERT_OK(proven);
  EXPECT_EQ(proven->record.seq(), ledger::SequenceNumber{7});
  auto sizes = log().CheckpointSizes(1, 0);
  ASSERT_OK(sizes);
  ASSERT_GE(sizes->size(), 2u);
  const uint64_t old_size = (*sizes)[sizes->size() / 2];
  const HttpResult consistency =
      HttpGet(http_port_, "/proof/consistency?old=" + std::to_string(old_size));
  ASSERT_EQ(consistency.status, 200) << consistency.body;
  auto old_note = log().ReadCheckpoint(old_size);
  auto new_note = log().ReadCheckpoint(sizes->back());
  ASSERT_OK(old_note);
  ASSERT_OK(new_note);
  EXPECT_OK(ledger::CheckConsistencyProofFile(consistency.body, *old_note, *new_note, keyring,
                                              std::nullopt));
  EXPECT_EQ(HttpGet(http_port_, "/proof/inclusion?seq=999999").status, 404);
  EXPECT_EQ(HttpGet(http_port_, "/proof/inclusion").status, 400);
}

TEST_F(HttpTest, HealthAndMetrics) {
  EXPECT_EQ(HttpGet(http_port_, "/healthz").status, 200);
  auto alice = Connect("alice");
  ASSERT_OK(alice);
  EXPECT_EQ(
      Call(**alice, 1, engine::SetMark{engine::MarketId{1}, engine::Price{1}, engine::Price{1}})
          .reason,
      "wrongRole");
  const HttpResult metrics = HttpGet(http_port_, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  const std::vector<std::string> lines = {
      "backstop_refusals_total{reason=\"wrongRole\"} 1",
      "backstop_connections{role=\"trader\"} 1",
      "backstop_log_head_seq " + std::to_string(log().head_seq().value()),
      "backstop_commands_total{answer=\"accepted\"} 308",
      "backstop_insurance_fund_balance{asset=\"1\"} 0",
      "backstop_signer_queue_depth 0",
      "backstop_pending_durable 0",
      "backstop_group_commit_records_count",
      "backstop_commit_latency_seconds_bucket{le=\"+Inf\"} 308"};
  for (const std::string& line : lines) {
    EXPECT_NE(metrics.body.find(line), std::string::npos) << line << "\n" << metrics.body;
  }
  EXPECT_EQ(HttpGet(http_port_, "/nothing").status, 404);
}

}  // namespace
}  // namespace server::testing
