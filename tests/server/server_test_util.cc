// Fixture for server tests (see server_test_util.h).

#include "tests/server/server_test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "ledger/event_log.h"
#include "replay/sequencer.h"
#include "snapshots/state_hash.h"

namespace server::testing {

std::string ServerTest::certs_;

namespace {

std::string MakeTempDir(const std::string& name) {
  std::string pattern = (std::filesystem::temp_directory_path() / (name + "-XXXXXX"));
  return mkdtemp(pattern.data());
}

std::string Fingerprint(const std::string& pem) {
  const std::string command = "openssl x509 -noout -fingerprint -sha256 -in " + pem;
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[256];
  while (pipe != nullptr && fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  if (pipe != nullptr) pclose(pipe);
  const size_t equals = output.find('=');
  return equals == std::string::npos ? "" : output.substr(equals + 1, 95);
}

}  // namespace

void ServerTest::SetUpTestSuite() {
  certs_ = MakeTempDir("backstop-certs");
  const std::string script = std::string(BACKSTOP_SOURCE_DIR) + "/tests/server/make_certs.sh";
  ASSERT_EQ(
      std::system((script + " " + certs_ + " ca server alice bob ops audit mallory fuzz").c_str()),
      0);
  ASSERT_EQ(std::system((script + " " + certs_ + "/rogue rogue-ca eve").c_str()), 0);
  // bob is named by his fingerprint, everyone else by subject.
  std::ofstream roles(certs_ + "/roles.json");
  roles << R"({"clients": [
    {"name": "alice", "subject": "CN=alice", "role": "trader", "accounts": [1, 2]},
    {"name": "bob", "sha256": ")"
        << Fingerprint(certs_ + "/bob.pem") << R"(", "role": "trader", "accounts": [3, 4]},
    {"name": "ops", "subject": "CN=ops", "role": "operator"},
    {"name": "audit", "subject": "CN=audit", "role": "auditor"},
    {"name": "eve", "subject": "CN=eve", "role": "operator"},
    {"name": "fuzz", "subject": "CN=fuzz", "role": "trader", "accounts": []}
  ]})";
}

void ServerTest::TearDownTestSuite() {
  std::error_code ignored;
  std::filesystem::remove_all(certs_, ignored);
}

ServerTest::ServerTest() : key_(*ledger::PrivateKey::Generate()) {
  root_ = MakeTempDir("backstop-server");
  data_ = replay::DataDir::At(root_);
  std::filesystem::create_directories(data_.keyring);
  EXPECT_OK(key_.public_key().SavePem(data_.keyring + "/signer.pem"));
  auto log = ledger::EventLog::Create(data_.log, ledger::LogOptions());
  EXPECT_OK(log);
}

ServerTest::~ServerTest() {
  if (server_) StopServer().PermitUnchecked();
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

void ServerTest::StartServer() {
  replay::SequencerOptions options;
  options.signing_key = key_;
  options.clock = ledger::RealTimeNs;
  std::vector<std::string> warnings;
  auto sequencer = replay::Sequencer::Open(data_, options, &warnings);
  ASSERT_OK(sequencer);
  ServerOptions server_options;
  server_options.listen = "127.0.0.1:0";
  server_options.tls_cert = certs_ + "/server.pem";
  server_options.tls_key = certs_ + "/server.key";
  server_options.client_ca = certs_ + "/ca.pem";
  server_options.roles_file = certs_ + "/roles.json";
  server_options.max_inflight_per_connection = 64;
  if (with_http_) server_options.http_listen = "127.0.0.1:0";
  server_options.backup_dir = backup_dir_;
  server_options.log = [this](std::string_view line) {
    std::lock_guard<std::mutex> lock(log_mutex_);
    log_lines_.emplace_back(line);
  };
  auto server = Server::Start(std::move(server_options), std::move(*sequencer));
  ASSERT_OK(server);
  server_ = std::move(*server);
  port_ = server_->port();
  ASSERT_NE(port_, 0);
  http_port_ = server_->http_port();
  runner_ = std::thread([this] { run_status_ = server_->Run(); });
}

base::Status ServerTest::StopServer() {
  if (!runner_.joinable()) return run_status_;
  server_->Stop();
  runner_.join();
  return run_status_;
}

ledger::Hash ServerTest::StoppedStateHash() const {
  return snapshots::StateHash(server_->sequencer().engine().Export());
}

base::Result<std::unique_ptr<Client>> ServerTest::Connect(const std::string& name) {
  ClientOptions options;
  options.address = "127.0.0.1:" + std::to_string(port_);
  options.ca_file = certs_ + "/ca.pem";
  if (name == "eve") {
    options.cert_file = certs_ + "/rogue/eve.pem";
    options.key_file = certs_ + "/rogue/eve.key";
  } else if (!name.empty()) {
    options.cert_file = certs_ + "/" + name + ".pem";
    options.key_file = certs_ + "/" + name + ".key";
  }
  return Client::Connect(options);
}

Answer ServerTest::Call(Client& client, uint64_t id, const engine::Input& input) {
  EXPECT_OK(client.SendCommand(id, "test", id, input));
  auto answer = client.Receive();
  EXPECT_OK(answer);
  if (!answer.ok()) return Answer{};
  EXPECT_EQ(answer->id, id);
  return *answer;
}

HttpResult HttpGet(uint16_t port, const std::string& target) {
  HttpResult result;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return result;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return result;
  }
  const std::string request = "GET " + target + " HTTP/1.0\r\nHost: test\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return result;
  }
  std::string response;
  char buffer[65536];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) response.append(buffer, n);
  close(fd);
  const size_t end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return result;
  result.status = std::stoi(response.substr(9, 3));
  result.body = response.substr(end + 4);
  return result;
}

engine::ListMarket TestMarket() {
  engine::ListMarket market;
  market.spec.market_id = engine::MarketId{1};
  market.spec.symbol = "BTCUSDT";
  market.spec.quote_asset = engine::AssetId{1};
  market.spec.tick_size = engine::Price{100};
  market.spec.lot_decimals = 3;
  market.spec.quote_decimals = 6;
  market.spec.tiers = {{engine::Money{0}, 400000, 125}};
  return market;
}

void ServerTest::SetUpVenue() {
  auto ops = Connect("ops");
  ASSERT_OK(ops);
  uint64_t id = 1;
  EXPECT_EQ(Call(**ops, id++, TestMarket()).kind, Answer::Kind::kAccepted);
  for (uint64_t n = 1; n <= 4; ++n) {
    const engine::AccountId account{n};
    EXPECT_EQ(Call(**ops, id++, engine::OpenAccount{account}).kind, Answer::Kind::kAccepted);
  }
  EXPECT_EQ(
      Call(**ops, id++,
           engine::SetMark{engine::MarketId{1}, engine::Price{60000000}, engine::Price{60000000}})
          .kind,
      Answer::Kind::kAccepted);
  auto alice = Connect("alice");
  auto bob = Connect("bob");
  ASSERT_OK(alice);
  ASSERT_OK(bob);
  EXPECT_EQ(
      Call(**alice, 1,
           engine::Deposit{engine::AccountId{1}, engine::AssetId{1}, engine::Money{1'000'000'000}})
          .kind,
      Answer::Kind::kAccepted);
  EXPECT_EQ(
      Call(**bob, 1,
           engine::Deposit{engine::AccountId{3}, engine::AssetId{1}, engine::Money{1'000'000'000}})
          .kind,
      Answer::Kind::kAccepted);
}

}  // namespace server::testing
