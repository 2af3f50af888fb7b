// Fixture for server tests: certificates made for the test (a CA, the server, traders alice and
// bob, operator ops, auditor audit, fuzz (a trader with no account), mallory who is not in
// the roles file, and eve whose
// certificate comes from another CA), a fresh signed log, and `backstop serve`'s Server running
// in-process on a loopback port.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/events.h"
#include "ledger/keys.h"
#include "replay/data_dir.h"
#include "server/client.h"
#include "server/server.h"
#include "tests/testing/status_testing.h"

namespace server::testing {

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  ServerTest();
  ~ServerTest() override;

  // Starts the server over the data directory (recovering what is there), with the HTTP side
  // on a loopback port when `with_http_`.
  void StartServer();
  // Stops it and waits for Run to return; returns Run's status.
  base::Status StopServer();
  // Connects as `name` (a certificate made in SetUpTestSuite; "" for none).
  base::Result<std::unique_ptr<Client>> Connect(const std::string& name);
  // Sends one command and waits for its answer.
  static Answer Call(Client& client, uint64_t id, const engine::Input& input);
  // SHA-256 state hash of the stopped server's engine.
  ledger::Hash StoppedStateHash() const;
  // A market, accounts 1..4 (alice has 1 and 2, bob 3 and 4) with deposits, sent by ops,
  // alice and bob.
  void SetUpVenue();

  static std::string certs_;  // Folder of the certificates.
  std::string root_;
  replay::DataDir data_;
  ledger::PrivateKey key_;
  std::unique_ptr<Server> server_;
  std::thread runner_;
  base::Status run_status_;
  uint16_t port_ = 0;
  bool with_http_ = false;
  std::string backup_dir_;  // ServerOptions::backup_dir (empty: none).
  uint16_t http_port_ = 0;
  std::vector<std::string> log_lines_;
  std::mutex log_mutex_;
};

// An HTTP/1.0 GET of `target` on 127.0.0.1:`port`: the status code and the body (status 0
// if the connection failed).
struct HttpResult {
  int status = 0;
  std::string body;
};
HttpResult HttpGet(uint16_t port, const std::string& target);

// Inputs of the test venue.
engine::ListMarket TestMarket();

}  // namespace server::testing
