// The load generator behind `backstop load` (docs/PROTOCOL.md): many trader connections to a
// running server, all driven by one event loop on the calling thread, each keeping a window of
// commands in flight and timing every answer against its own command's send.
// One thread for any number of connections: the generator takes the machine's cores as one
// thread would (a thread per connection woke by the dozen at each group commit and crowded
// the server it shares the cores with) and keeps no thread per connection at 256 of them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/events.h"
#include "server/client.h"

namespace server {

struct LoadPlan {
  ClientOptions client;  // The server and the certificate every connection uses.
  size_t connections = 1;
  size_t window = 32;      // Commands in flight per connection (> 0).
  double rate = 0;         // Commands per second over all connections; 0: as fast as answered.
  double duration_s = 10;  // From the call: no command is sent after it.
  // Connection i's client id (docs/PROTOCOL.md, Idempotency); its first command (request id 0,
  // client seq 1), sent and answered before it starts its timed ones; and its k-th timed command
  // (k from 0; request id k + 1, client seq k + 2).
  std::function<std::string(size_t connection)> client_id;
  std::function<engine::Input(size_t connection)> first_command;
  std::function<engine::Input(size_t connection, uint64_t k)> command;
};

// What the timed commands of all connections got (the first commands are not counted).
struct LoadResult {
  double seconds = 0;  // From the call until the last connection had all its answers.
  uint64_t answered = 0;
  uint64_t refused = 0;  // By the server (busy included); never sent again.
  uint64_t busy = 0;
  uint64_t rejected = 0;            // By the engine.
  std::vector<int64_t> latency_us;  // Per answered command, from its send; ascending.
};

// Runs `plan` on the calling thread. The first failure ends the run: a connection that cannot be
// made, a failed send or read (the server closed the connection), an answer that cannot be
// decoded or that answers no command in flight.
base::Result<LoadResult> RunLoad(const LoadPlan& plan);

}  // namespace server
