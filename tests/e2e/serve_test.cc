// `backstop serve` and `backstop submit` as a venue would run them: real TLS over loopback with
// certificates made by openssl in the test, an operator and two traders driving the crash demo
// into auto-deleveraging, each answer compared with the log, then a clean audit.
//
// Goal and method: the crash demo (docs/examples/crash-demo.jsonl) is split by who may send each
// line (ops: markets, accounts, marks, funding, top-ups; alice: accounts 1 and 2; bob: 3 and
// 4) and sent in its order by one `submit --json` per run of lines. The server is stopped
// with SIGTERM (exit 0, snapshot written); every record of every answer must be the stored
// record of its seq, the log must hold an ADL reduction, and `audit` must pass.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "tests/e2e/cli_test_support.h"

namespace e2e {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Who sends a crash-demo line: the trader owning its account, or ops.
std::string Sender(const std::string& line) {
  const nlohmann::json command = nlohmann::json::parse(line);
  const std::string type = command["type"];
  if (type == "place_order" || type == "cancel_order" || type == "deposit" || type == "withdraw") {
    return command["account"].get<uint64_t>() <= 2 ? "alice" : "bob";
  }
  return "ops";
}

class ServeTest : public ::testing::Test {
 protected:
  ServeTest() : scratch_("serve") {}

  void StartServer() {
    const std::string certs = scratch_ / "certs";
    ASSERT_EQ(RunShell(fmt::format("{}/tests/server/make_certs.sh {} ca server alice bob ops",
                                   BACKSTOP_SOURCE_DIR, certs))
                  .exit_code,
              0);
    std::ofstream(scratch_ / "roles.json") << R"({"clients": [
      {"name": "alice", "subject": "CN=alice", "role": "trader", "accounts": [1, 2]},
      {"name": "bob", "subject": "CN=bob", "role": "trader", "accounts": [3, 4]},
      {"name": "ops", "subject": "CN=ops", "role": "operator"}]})";
    const std::string command = fmt::format(
        "({} serve --data {} --key {} --listen 127.0.0.1:0 --tls-cert {}/server.pem --tls-key "
        "{}/server.key --client-ca {}/ca.pem --roles {} 2>{} & echo $! >{}; wait $!; "
        "echo $? >{}) >/dev/null 2>&1 &",
        BACKSTOP_BINARY, scratch_ / "data", scratch_ / "signer.key.pem", certs, certs, certs,
        scratch_ / "roles.json", scratch_ / "serve.log", scratch_ / "serve.pid",
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

  // Sends `lines` as `who`; returns submit's output: one JSON answer per line, then its
  // summary line.
  std::string Submit(const std::string& who, const std::string& lines, int* exit_code) {
    const std::string file = scratch_ / ("batch" + std::to_string(++batches_) + ".jsonl");
    std::ofstream(file) << lines;
    const std::string certs = scratch_ / "certs";
    CommandResult result = RunShell(fmt::format(
        "{} submit {} --json --connect 127.0.0.1:{} --cert {}/{}.pem --key {}/{}.key --ca "
        "{}/ca.pem",
        BACKSTOP_BINARY, file, port_, certs, who, certs, who, certs));
    *exit_code = result.exit_code;
    return result.output;
  }

  // SIGTERM, then the server's exit code.
  int StopServer() {
    const int pid = std::stoi(ReadFile(scratch_ / "serve.pid"));
    kill(pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string code = ReadFile(scratch_ / "serve.exit");
      if (!code.empty() && code.back() == '\n') return std::stoi(code);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

  ScratchDir scratch_;
  int port_ = 0;
  int batches_ = 0;
};

TEST_F(ServeTest, TwoTradersAndAnOperatorDriveACrashIntoAdl) {
  InitLog(scratch_);
  StartServer();
  std::ifstream demo(std::string(BACKSTOP_SOURCE_DIR) + "/docs/examples/crash-demo.jsonl");
  std::vector<std::pair<std::string, std::string>> runs;  // (sender, lines)
  std::string line;
  while (std::getline(demo, line)) {
    const std::string who = Sender(line);
    if (runs.empty() || runs.back().first != who) runs.push_back({who, ""});
    runs.back().second += line + "\n";
  }
  ASSERT_GE(runs.size(), 6u);
  std::vector<nlohmann::json> answers;
  for (const auto& [who, lines] : runs) {
    int exit_code = -1;
    std::istringstream out(Submit(who, lines, &exit_code));
    EXPECT_EQ(exit_code, 0) << who;
    for (std::string answer; std::getline(out, answer);) {
      if (answer.rfind("submit: ", 0) == 0) continue;  // The summary, on stderr.
      const nlohmann::json parsed = nlohmann::json::parse(answer, nullptr, false);
      ASSERT_FALSE(parsed.is_discarded()) << answer;
      answers.push_back(parsed);
    }
  }
  ASSERT_EQ(StopServer(), 0) << ReadFile(scratch_ / "serve.log");
  ASSERT_EQ(answers.size(), 23u);

  ledger::LogOptions options;
  options.read_only = true;
  auto log = ledger::EventLog::Open(scratch_ / "data/log", std::move(options));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  uint64_t next_seq = 1;
  for (const nlohmann::json& answer : answers) {
    ASSERT_NE(answer["answer"], "refused") << answer.dump();
    const uint64_t first = answer["first_seq"];
    EXPECT_EQ(first, next_seq);  // In the order sent, nothing else in between.
    next_seq = answer["last_seq"].get<uint64_t>() + 1;
    for (uint64_t seq = first; seq < next_seq; ++seq) {
      auto record = (*log)->Read(seq);
      ASSERT_TRUE(record.ok()) << record.status().ToString();
      EXPECT_EQ(answer["records"][seq - first], ledger::ToHex(record->record_bytes()))
          << "seq " << seq;
    }
  }
  EXPECT_EQ(next_seq - 1, (*log)->head_seq());
  int adl_reductions = 0;
  for (uint64_t seq = 1; seq <= (*log)->head_seq(); ++seq) {
    adl_reductions += (*log)->Read(seq)->event().isAdlReduction() ? 1 : 0;
  }
  EXPECT_GT(adl_reductions, 0);
  log->reset();
  CommandResult audit = RunBackstop("audit --data " + (scratch_ / "data"));
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_NE(ReadFile(scratch_ / "serve.log").find("snapshot of seq"), std::string::npos);
}

}  // namespace
}  // namespace e2e
