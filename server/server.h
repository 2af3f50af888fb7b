// `backstop serve`: the network gateway in front of the one sequencer (docs/PROTOCOL.md).
// Clients connect over TLS 1.3 with a certificate, which the roles file maps to a role; every
// command of every connection is checked against that role, then goes through the sequencer in
// arrival order, and is answered only once its group is synced. Bounded everywhere: frame size,
// Cap'n Proto traversal and nesting, connections, in-flight requests per connection, and the
// sequencer's queue; a full queue is answered "busy".
// Threads: one I/O thread (Asio) and one sequencer thread; Run blocks, Stop and ReloadRoles
// may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "replay/sequencer.h"
#include "server/roles.h"

namespace server {

struct ServerOptions {
  // Where to listen, HOST:PORT (PORT 0: any free port; see Server::port). Required.
  std::string listen;
  // PEM certificate chain and private key of the server. Required.
  std::string tls_cert;
  std::string tls_key;
  // PEM CA certificates that client certificates must chain to. Required.
  std::string client_ca;
  // The roles file (server/roles.h). Required.
  std::string roles_file;
  // Where the auditors' HTTP side listens, HOST:PORT (checkpoint, tiles, proofs, /healthz,
  // /metrics); empty: none. Default: none.
  std::string http_listen;
  // Connections open at once; more are closed at accept. Default: 1024.
  size_t max_connections = 1024;
  // Requests of one connection awaiting their answer; more are answered "busy". Default: 1024.
  size_t max_inflight_per_connection = 1024;
  // Commands queued for the sequencer thread; more are answered "busy". Default: 16384.
  size_t max_queued_commands = 16384;
  // Where an operator's `backup` request writes backups of the live log (backup/backup.h); a
  // request names no path, so a client cannot make the server write anywhere else. Empty:
  // `backup` requests are refused (notEnabled). Default: none.
  std::string backup_dir;
  // The `keep` of a `backup` request that gives 0: keep the newest N backups; 0 keeps every
  // one. Default: 0.
  uint32_t backup_keep = 0;
  // Write a snapshot when SIGTERM stops the server. Default: true.
  bool snapshot_on_stop = true;
  // Handle SIGTERM and SIGINT (Stop) and SIGHUP (ReloadRoles) in Run. Default: false.
  bool handle_signals = false;
  // One line per connection event, refusal and reload (never per accepted command).
  // Default: none.
  std::function<void(std::string_view)> log;
};

class Server {
 public:
  // Loads the roles file and the TLS material, and binds the listening socket. The server
  // owns `sequencer` from here on. InvalidArgument/IOError naming the file or address.
  static base::Result<std::unique_ptr<Server>> Start(ServerOptions options,
                                                     std::unique_ptr<replay::Sequencer> sequencer);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The port listened on (the actual one when options.listen asked for port 0).
  uint16_t port() const;
  // The HTTP port (0 without http_listen).
  uint16_t http_port() const;
  // Serves until Stop: then stops accepting, answers every command already queued once it is
  // durable, closes the connections, flushes the log and (snapshot_on_stop) writes a snapshot.
  // The error that stopped it, if any (a failed append, a failed snapshot).
  base::Status Run();
  // Asks Run to stop and return. Thread-safe; safe from a signal-handling context of Asio.
  void Stop();
  // Re-reads the roles file; on error the old roles stay. Thread-safe. Connections keep the
  // role they were given at the handshake.
  base::Status ReloadRoles();

  // The sequencer's engine and log, for tests once Run has returned.
  const replay::Sequencer& sequencer() const;

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace server
