// `backstop serve` and its client `backstop submit` (docs/PROTOCOL.md).
#pragma once

#include <cstdint>
#include <string>

#include "cli/commands.h"

namespace cli {

struct ServeOptions {
  std::string data_dir;
  std::string key_file;     // Private key that signs (the log's current key).
  std::string listen;       // HOST:PORT.
  std::string tls_cert;     // Server certificate chain (PEM).
  std::string tls_key;      // Its private key (PEM).
  std::string client_ca;    // CA(s) client certificates must chain to (PEM).
  std::string roles_file;   // Certificate -> role and accounts (JSON).
  std::string http_listen;  // HOST:PORT of the HTTP side; empty: none.
  std::string checkpoint_file;
  uint64_t snapshot_every = 0;
  size_t keep_snapshots = 3;
  std::string backup_dir;    // Where operators' backup requests write; empty: refused.
  uint32_t backup_keep = 0;  // Backups kept when a request gives keep 0; 0: all.
  size_t max_connections = 1024;
  size_t max_inflight = 1024;
  size_t max_queue = 16384;
  int signers = 1;  // SequencerOptions::signer_threads.
};
int RunServe(const ServeOptions& options);

struct SubmitOptions {
  std::string connect;    // HOST:PORT.
  std::string cert_file;  // Client certificate (PEM).
  std::string key_file;   // Its private key (PEM).
  std::string ca_file;    // CA of the server's certificate (PEM); empty: the system's.
  std::string input = "-";
  std::string client_id;  // Empty: the input file's name ("stdin" for -).
  size_t window = 64;     // Commands sent ahead of their answers.
  bool json = false;      // One JSON object per answer, with the records in hex.
};
int RunSubmit(const SubmitOptions& options);

// `backstop load`: order flow from N trader connections, throughput and ack latency.
struct LoadOptions {
  std::string connect;
  std::string cert_file;
  std::string key_file;
  std::string ca_file;
  double rate = 0;             // Commands per second over all connections; 0: as fast as possible.
  double duration = 10;        // Seconds of load, connecting and the deposits included.
  size_t traders = 1;          // Connections, each acting for its own account.
  uint64_t first_account = 1;  // Connection i acts for account first_account + i.
  uint32_t market = 1;
  int64_t price = 30000000;  // Limit price of the (resting, then cancelled) buy orders.
  int64_t quantity = 1;
  int64_t deposit = 1000000000000;  // Each account's deposit before the load.
  size_t window = 32;               // Commands in flight per connection.
  bool json = false;
};
int RunLoad(const LoadOptions& options);

// `backstop follow`: stream the log from a seq and check it as it arrives.
struct FollowOptions {
  std::string connect;
  std::string cert_file;
  std::string key_file;
  std::string ca_file;
  uint64_t from = 1;
  uint64_t until = 0;  // Stop after this seq (0: follow for ever).
  TrustOptions trust;  // --trusted-keys (required) and --chain-id (required).
  bool json = false;   // One JSON object per record (log show --json's form).
};
int RunFollow(const FollowOptions& options);

}  // namespace cli
