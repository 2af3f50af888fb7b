// The operators' `backup` request (docs/PROTOCOL.md): only operators may ask, one backup runs
// at a time (a second request meanwhile is refused busy), every refusal is counted in
// /metrics, a server without a backup folder refuses (notEnabled), and a stop that begins
// during a backup still answers it.
//
// Goal and method: the Server runs in-process with its backup folder in the test's scratch
// directory; requests go through server::Client over real TLS; the backups are then listed
// with backup::ListBackups and their heads compared with the log's.

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backup/backup.h"
#include "tests/server/server_test_util.h"

namespace server::testing {
namespace {

class BackupRequestTest : public ServerTest {
 protected:
  BackupRequestTest() {
    with_http_ = true;
    backup_dir_ = root_ + "/backups";
  }

  static Answer Ask(Client& client, uint64_t id, uint32_t keep = 0) {
    EXPECT_OK(client.SendBackupRequest(id, keep));
    auto answer = client.Receive();
    EXPECT_OK(answer);
    return answer.ok() ? *answer : Answer{};
  }
};

TEST_F(BackupRequestTest, OnlyOperatorsAndOneAtATime) {
  StartServer();
  SetUpVenue();
  auto alice = Connect("alice");
  auto audit = Connect("audit");
  auto ops1 = Connect("ops");
  auto ops2 = Connect("ops");
  ASSERT_OK(alice);
  ASSERT_OK(audit);
  ASSERT_OK(ops1);
  ASSERT_OK(ops2);
  const Answer trader = Ask(**alice, 7);
  EXPECT_EQ(trader.kind, Answer::Kind::kRefused);
  EXPECT_EQ(trader.reason, "wrongRole");
  EXPECT_EQ(trader.id, 7u);
  EXPECT_EQ(Ask(**audit, 8).reason, "wrongRole");

  // Two operators ask at once, several times: never two backups at once, and (the backup
  // taking far longer than the second request needs to arrive) a busy refusal is seen.
  int made = 0;
  int busy = 0;
  for (uint64_t round = 1; round <= 5 && busy == 0; ++round) {
    ASSERT_OK((*ops1)->SendBackupRequest(round, 0));
    ASSERT_OK((*ops2)->SendBackupRequest(round, 0));
    for (Client* client : {ops1->get(), ops2->get()}) {
      auto answer = client->Receive();
      ASSERT_OK(answer);
      EXPECT_EQ(answer->id, round);
      if (answer->kind == Answer::Kind::kBackup) {
        ++made;
        EXPECT_EQ(answer->backup.id, static_cast<uint32_t>(made));
        EXPECT_EQ(answer->backup.head_seq, server_->sequencer().log().head_seq().value());
        EXPECT_EQ(answer->backup.backup_dir, backup_dir_);
        EXPECT_EQ(answer->backup.head_hash.size(), 32u);
      } else {
        ASSERT_EQ(answer->kind, Answer::Kind::kRefused);
        EXPECT_EQ(answer->reason, "busy") << answer->detail;
        ++busy;
      }
    }
  }
  EXPECT_GE(made, 1);
  EXPECT_GE(busy, 1);
  const HttpResult metrics = HttpGet(http_port_, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  for (const std::string& line : std::vector<std::string>{
           "backstop_refusals_total{reason=\"wrongRole\"} 2",
           "backstop_refusals_total{reason=\"busy\"} " + std::to_string(busy)}) {
    EXPECT_NE(metrics.body.find(line), std::string::npos) << line << "\n" << metrics.body;
  }
  // keep 1: the request's retention removes every older backup.
  const Answer kept = Ask(**ops1, 99, 1);
  ASSERT_EQ(kept.kind, Answer::Kind::kBackup) << kept.detail;
  EXPECT_EQ(kept.backup.deleted.size(), static_cast<size_t>(made));
  EXPECT_EQ(kept.backup.keep, 1u);
  ASSERT_OK(StopServer());
  auto list = backup::ListBackups(backup_dir_);
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().id, kept.backup.id);
  EXPECT_TRUE(list->front().complete) << list->front().problem;
}

TEST_F(BackupRequestTest, RefusedWithoutABackupFolder) {
  backup_dir_.clear();
  StartServer();
  auto ops = Connect("ops");
  ASSERT_OK(ops);
  const Answer refused = Ask(**ops, 3);
  EXPECT_EQ(refused.kind, Answer::Kind::kRefused);
  EXPECT_EQ(refused.reason, "notEnabled");
  const HttpResult metrics = HttpGet(http_port_, "/metrics");
  EXPECT_NE(metrics.body.find("backstop_refusals_total{reason=\"notEnabled\"} 1"),
            std::string::npos)
      << metrics.body;
}

// A stop that begins while a backup runs waits for it: the answer still arrives, and Run
// returns only once the log is no longer being backed up.
TEST_F(BackupRequestTest, StopDuringABackupStillAnswersIt) {
  StartServer();
  SetUpVenue();
  auto ops = Connect("ops");
  ASSERT_OK(ops);
  ASSERT_OK((*ops)->SendBackupRequest(5, 0));
  // Stop once the server has started the backup (a request still unread when the stop begins
  // is never read).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool started = false;
  while (!started && std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard<std::mutex> lock(log_mutex_);
      for (const std::string& line : log_lines_) {
        started = started || line.find("backup started into") != std::string::npos;
      }
    }
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(started);
  server_->Stop();
  auto answer = (*ops)->Receive();
  ASSERT_OK(answer);
  ASSERT_EQ(answer->kind, Answer::Kind::kBackup)
      << AnswerKindName(answer->kind) << " " << answer->detail;
  ASSERT_OK(StopServer());
  auto list = backup::ListBackups(backup_dir_);
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_TRUE(list->front().complete) << list->front().problem;
  EXPECT_EQ(list->front().head_seq.value(), answer->backup.head_seq);
}

}  // namespace
}  // namespace server::testing
