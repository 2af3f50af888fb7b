// Backups of a live venue: `backstop serve --backup-dir` and `backstop backup create --connect`
// over real TLS on loopback (certificates made by openssl in the test).
//
// Goal and method: a trader keeps depositing through its own connection while the operator
// asks for a backup. The backup must be of the live log (its head between the durable heads
// read before and after the request, with the trader's appends continuing meanwhile); `backup
// verify` must pass on it, and a restore of it must audit clean. A trader's and an auditor's
// request are refused (wrongRole), and a server without --backup-dir refuses (notEnabled).

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/events.h"
#include "server/client.h"
#include "tests/e2e/cli_test_support.h"

namespace e2e {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The tree size a signed checkpoint note names (its second line).
uint64_t NoteSize(const std::string& note) {
  const size_t first = note.find('\n');
  if (first == std::string::npos) return 0;
  return std::stoull(note.substr(first + 1, note.find('\n', first + 1) - first - 1));
}

// The number after `key` in `text` (0 if absent).
uint64_t NumberAfter(const std::string& text, const std::string& key) {
  const size_t at = text.find(key);
  if (at == std::string::npos) return 0;
  return std::stoull(text.substr(at + key.size()));
}

class ServeBackupTest : public ::testing::Test {
 protected:
  ServeBackupTest() : scratch_("serve-backup") {}

  // Starts `backstop serve` with `extra` flags and waits until it listens.
  void StartServer(const std::string& extra) {
    const std::string certs = scratch_ / "certs";
    if (!std::filesystem::exists(certs)) {
      ASSERT_EQ(RunShell(fmt::format("{}/tests/server/make_certs.sh {} ca server alice ops audit",
                                     BACKSTOP_SOURCE_DIR, certs))
                    .exit_code,
                0);
      std::ofstream(scratch_ / "roles.json") << R"({"clients": [
        {"name": "alice", "subject": "CN=alice", "role": "trader", "accounts": [1, 2]},
        {"name": "ops", "subject": "CN=ops", "role": "operator"},
        {"name": "audit", "subject": "CN=audit", "role": "auditor"}]})";
    }
    for (const char* file : {"serve.log", "serve.pid", "serve.exit"}) {
      std::filesystem::remove(scratch_ / file);
    }
    port_ = 0;
    const std::string command = fmt::format(
        "({} serve --data {} --key {} --listen 127.0.0.1:0 --tls-cert {}/server.pem --tls-key "
        "{}/server.key --client-ca {}/ca.pem --roles {} {} 2>{} & echo $! >{}; wait $!; "
        "echo $? >{}) >/dev/null 2>&1 &",
        BACKSTOP_BINARY, scratch_ / "data", scratch_ / "signer.key.pem", certs, certs, certs,
        scratch_ / "roles.json", extra, scratch_ / "serve.log", scratch_ / "serve.pid",
        scratch_ / "serve.exit");
    ASSERT_EQ(RunShell(command).exit_code, 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string log = ReadFile(scratch_ / "serve.log");
      const size_t at = log.find("listening on 127.0.0.1:");
      if (at != std::string::npos && log.find('\n', at) != std::string::npos) {
        port_ = std::stoi(log.substr(at + 23));
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_NE(port_, 0) << ReadFile(scratch_ / "serve.log");
  }

  int StopServer() {
    const int pid = std::stoi(ReadFile(scratch_ / "serve.pid"));
    kill(pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string code = ReadFile(scratch_ / "serve.exit");
      if (!code.empty() && code.back() == '\n') return std::stoi(code);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1;
  }

  std::unique_ptr<server::Client> Connect(const std::string& who) {
    const std::string certs = scratch_ / "certs";
    auto client =
        server::Client::Connect({fmt::format("127.0.0.1:{}", port_), certs + "/" + who + ".pem",
                                 certs + "/" + who + ".key", certs + "/ca.pem"});
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  // The newest signed checkpoint's tree size: the durable head.
  uint64_t DurableHead(server::Client& client) {
    EXPECT_TRUE(client.SendCheckpointRequest(++request_id_).ok());
    auto answer = client.Receive();
    EXPECT_TRUE(answer.ok() && answer->kind == server::Answer::Kind::kCheckpoint);
    return answer.ok() ? NoteSize(answer->checkpoint) : 0;
  }

  // `backup create --connect` as `who`, with `extra` flags.
  CommandResult RemoteBackup(const std::string& who, const std::string& extra = "") {
    const std::string certs = scratch_ / "certs";
    return RunBackstop(fmt::format(
        "backup create --connect 127.0.0.1:{} --cert {}/{}.pem --key {}/{}.key --ca {}/ca.pem {}",
        port_, certs, who, certs, who, certs, extra));
  }

  // `backup verify` passes on backup `id`, and its restore audits clean with head `head`.
  void ExpectBackupRestoresClean(uint32_t id, uint64_t head) {
    const std::string trust = "--trusted-keys " + (scratch_ / "signer.pub.pem");
    const CommandResult verify =
        RunBackstop(fmt::format("backup verify {} --id {} {}", scratch_ / "backups", id, trust));
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    const CommandResult restore =
        RunBackstop(fmt::format("restore --from {} --id {} --to {} {}", scratch_ / "backups", id,
                                scratch_ / "restored", trust));
    EXPECT_EQ(restore.exit_code, 0) << restore.output;
    EXPECT_NE(restore.output.find("audit      OK"), std::string::npos) << restore.output;
    EXPECT_GT(head, 0u);
    EXPECT_EQ(NumberAfter(restore.output, "head       seq "), head) << restore.output;
  }

  ScratchDir scratch_;
  int port_ = 0;
  uint64_t request_id_ = 0;
};

// Alice deposits without pause (a window of 32 commands) until told to stop.
void DepositUntil(server::Client* client, const std::atomic<bool>* stop,
                  std::atomic<uint64_t>* acked, std::string* error) {
  uint64_t sent = 0;
  uint64_t received = 0;
  while (!stop->load() || received < sent) {
    if (!stop->load() && sent - received < 32) {
      ++sent;
      if (!client
               ->SendCommand(
                   sent, "deposits", sent,
                   engine::Deposit{engine::AccountId{1}, engine::AssetId{1}, engine::Money{1000}})
               .ok()) {
        *error = "send failed";
        return;
      }
      continue;
    }
    auto answer = client->Receive();
    if (!answer.ok() || answer->kind != server::Answer::Kind::kAccepted) {
      *error = answer.ok() ? "answer " + answer->reason + " " + answer->detail
                           : answer.status().ToString();
      return;
    }
    ++received;
    acked->store(answer->last_seq);
  }
}

TEST_F(ServeBackupTest, BackupOfTheLiveLogVerifiesAndRestoresWhileATraderDeposits) {
  InitLog(scratch_);
  ASSERT_NO_FATAL_FAILURE(StartServer("--backup-dir " + (scratch_ / "backups")));
  {
    std::ofstream setup(scratch_ / "setup.jsonl");
    setup << R"({"type":"open_account","account":1})"
          << "\n"
          << R"({"type":"open_account","account":2})"
          << "\n";
  }
  const std::string certs = scratch_ / "certs";
  const CommandResult setup = RunBackstop(fmt::format(
      "submit {} --connect 127.0.0.1:{} --cert {}/ops.pem --key {}/ops.key --ca {}/ca.pem",
      scratch_ / "setup.jsonl", port_, certs, certs, certs));
  ASSERT_EQ(setup.exit_code, 0) << setup.output;

  auto alice = Connect("alice");
  auto ops = Connect("ops");
  ASSERT_TRUE(alice && ops);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> acked{0};
  std::string error;
  std::thread depositor(DepositUntil, alice.get(), &stop, &acked, &error);
  while (acked.load() < 500 && error.empty())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const uint64_t before = DurableHead(*ops);
  const uint64_t acked_before = acked.load();
  const CommandResult made = RemoteBackup("ops");
  const uint64_t after = DurableHead(*ops);
  const uint64_t acked_after = acked.load();
  stop.store(true);
  depositor.join();
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_EQ(made.exit_code, 0) << made.output << ReadFile(scratch_ / "serve.log");
  const uint64_t backup_head = NumberAfter(made.output, "head seq ");
  EXPECT_NE(made.output.find("backup 1 of "), std::string::npos) << made.output;
  EXPECT_NE(made.output.find(" bytes new in " + (scratch_ / "backups")), std::string::npos)
      << made.output;
  EXPECT_GE(backup_head, before) << made.output;
  EXPECT_LE(backup_head, after) << made.output;
  // The trader's commands went on being answered while the backup was taken.
  EXPECT_GT(acked_after, acked_before);
  EXPECT_NE(ReadFile(scratch_ / "serve.log").find("backup 1 of head seq"), std::string::npos);

  // The live backup checks and restores (the server still running): the restored log audits
  // clean and its head is the backup's, between the heads before and after.
  ExpectBackupRestoresClean(1, backup_head);

  // A trader and an auditor are refused; the JSON form answers like the local one, and its
  // --keep 1 removes backup 1.
  const CommandResult trader = RemoteBackup("alice");
  EXPECT_EQ(trader.exit_code, 2) << trader.output;
  EXPECT_NE(trader.output.find("wrongRole"), std::string::npos) << trader.output;
  const CommandResult auditor = RemoteBackup("audit");
  EXPECT_NE(auditor.output.find("wrongRole"), std::string::npos) << auditor.output;
  const CommandResult json = RemoteBackup("ops", "--json --keep 1");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  EXPECT_NE(json.output.find("\"id\":2"), std::string::npos) << json.output;
  EXPECT_NE(json.output.find("\"deleted\":[1]"), std::string::npos) << json.output;
  EXPECT_NE(json.output.find("\"complete\":true"), std::string::npos) << json.output;
  ASSERT_EQ(StopServer(), 0) << ReadFile(scratch_ / "serve.log");
  const CommandResult list = RunBackstop("backup list " + (scratch_ / "backups") + " --json");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_EQ(NumberAfter(list.output, "\"id\":"), 2u) << list.output;
}

TEST_F(ServeBackupTest, RefusedWithoutBackupDirAndBothFormsAtOnce) {
  InitLog(scratch_);
  ASSERT_NO_FATAL_FAILURE(StartServer(""));
  const CommandResult refused = RemoteBackup("ops");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("notEnabled"), std::string::npos) << refused.output;
  const CommandResult both = RemoteBackup("ops", "--data " + (scratch_ / "data"));
  EXPECT_EQ(both.exit_code, 2) << both.output;
  EXPECT_NE(both.output.find("excludes"), std::string::npos) << both.output;
  // The server holds the log: the local form says how to back it up instead.
  const CommandResult local = RunBackstop("backup create --data " + (scratch_ / "data") + " --to " +
                                          (scratch_ / "backups"));
  EXPECT_EQ(local.exit_code, 2) << local.output;
  EXPECT_NE(local.output.find("backup create --connect"), std::string::npos) << local.output;
  ASSERT_EQ(StopServer(), 0) << ReadFile(scratch_ / "serve.log");
}

}  // namespace
}  // namespace e2e
