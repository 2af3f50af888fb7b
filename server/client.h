// A client of `backstop serve` (docs/PROTOCOL.md): one TLS 1.3 connection with a client
// certificate, requests out and answers back as frames. Synchronous; used by `backstop submit`,
// `follow` and `backup create --connect`, and the tests (`backstop load` drives many
// connections from one thread with its own asynchronous client). Thread-compatible: one thread
// uses a Client at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/events.h"

namespace server {

struct ClientOptions {
  std::string address;    // HOST:PORT of the server. Required.
  std::string cert_file;  // PEM client certificate; empty: connect without one (refused).
  std::string key_file;   // Its PEM private key.
  std::string ca_file;    // PEM CA that signed the server's certificate; empty: the system's.
  // Check that the server's certificate names the host of `address`. Default: false (the CA
  // file pins the venue's own CA).
  bool verify_host = false;
};

// A backup the server took (the protocol's BackupDone, decoded).
struct BackupDone {
  uint32_t id = 0;
  uint64_t head_seq = 0;
  std::string head_hash;  // 32 bytes.
  int64_t time_s = 0;     // Unix seconds.
  uint64_t size_bytes = 0;
  uint64_t added_bytes = 0;
  uint32_t rocks_files = 0;
  uint32_t snapshots = 0;
  std::string chain_id;    // 16 bytes.
  std::string source;      // The server's data directory.
  std::string backup_dir;  // The server's --backup-dir.
  std::vector<uint32_t> deleted;
  uint32_t keep = 0;
};

// One answer from the server (the protocol's Answer, decoded).
struct Answer {
  enum class Kind { kAccepted, kRejected, kRefused, kSnapshot, kCheckpoint, kRecords, kBackup };
  uint64_t id = 0;
  Kind kind = Kind::kRefused;
  uint64_t first_seq = 0;             // kAccepted, kRejected, kRecords: the first seq.
  uint64_t last_seq = 0;              //
  std::vector<std::string> records;   // kAccepted, kRejected, kRecords: stored Records.
  uint16_t rejection = 0;             // kRejected: the engine's reason code.
  std::string reason;                 // kRefused: the protocol Reason's name ("busy", ...).
  std::string detail;                 // kRefused: for people.
  uint64_t snapshot_seq = 0;          // kSnapshot.
  std::string checkpoint;             // kCheckpoint, kRecords: a signed note, or "".
  std::vector<std::string> frontier;  // kRecords: the first frame's subtree hashes.
  BackupDone backup;                  // kBackup.
};
// "accepted", "rejected", "refused", "snapshot", "checkpoint", "records", "backup".
const char* AnswerKindName(Answer::Kind kind);

// One command of a batch (Client::SendCommands).
struct CommandRequest {
  uint64_t id = 0;
  std::string client_id;
  uint64_t client_seq = 0;
  engine::Input input;
};

class Client {
 public:
  // Connects and completes the TLS handshake. IOError naming the address on failure (a server
  // that refuses the certificate may only be noticed at the first Receive).
  static base::Result<std::unique_ptr<Client>> Connect(const ClientOptions& options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Send one request; the answer comes later through Receive, in order for commands.
  base::Status SendCommand(uint64_t id, std::string_view client_id, uint64_t client_seq,
                           const engine::Input& input);
  // Several commands in one write (one TLS record and one system call while they fit in
  // 16 KiB); each is answered as if it had been sent alone (docs/PROTOCOL.md, Order).
  base::Status SendCommands(std::span<const CommandRequest> commands);
  base::Status SendSnapshotRequest(uint64_t id);
  base::Status SendCheckpointRequest(uint64_t id);
  // Records from `from_seq` on, as `kRecords` answers, for as long as the connection lives.
  base::Status SendStreamRequest(uint64_t id, uint64_t from_seq);
  // A backup of the live log into the server's --backup-dir (operators), keeping the newest
  // `keep` (0: the server's --backup-keep); answered `kBackup` once it is complete.
  base::Status SendBackupRequest(uint64_t id, uint32_t keep);
  // Sends `bytes` as they are (a frame, or anything else): for tests of malformed input.
  base::Status SendRaw(std::span<const uint8_t> bytes);
  // Waits for the next answer. IOError when the connection closes or fails; Corruption if
  // the server's frame cannot be read.
  base::Result<Answer> Receive();

  class Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace server
