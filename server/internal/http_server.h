// The auditors' HTTP side of `backstop serve` (docs/PROTOCOL.md, "HTTP"): the newest signed
// checkpoint, the Merkle tree as C2SP tlog-tiles (hash tiles and entry bundles), inclusion and
// consistency proofs, /healthz and Prometheus /metrics. Plain HTTP/1.1 over Boost.Beast on its
// own thread; every answer is public, read-only data. Thread-safe: Stop from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "ledger/event_log.h"
#include "server/internal/metrics.h"

namespace server::internal {

struct HttpSources {
  const ledger::EventLog* log = nullptr;  // Must outlive the server.
  const Metrics* metrics = nullptr;       // Must outlive the server.
  // "" when healthy; otherwise why not (GET /healthz answers 503 with it).
  std::function<std::string()> health;
};

// One parsed tile path: tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>].
struct TilePath {
  bool entries = false;
  int level = 0;         // Hash tiles: the tile level (tree level 8 * level).
  uint64_t index = 0;    // N.
  uint32_t width = 256;  // W: 256 for a full tile, 1..255 for a partial one.
};
// Parses the part after "/tile/"; false unless it is a canonical C2SP tlog-tiles path.
bool ParseTilePath(std::string_view path, TilePath* tile);

// The body of a tile: W hashes of 32 bytes, or for entries W times (2-byte big-endian length,
// the record's 32-byte hash). NotFound if any of it is not complete at the log's head.
base::Result<std::string> ReadTile(const ledger::EventLog& log, const TilePath& tile);

struct HttpReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};
// The answer to `method` `target` (path and query): what the transport sends. Pure routing;
// thread-safe as its sources are.
HttpReply Route(const HttpSources& sources, std::string_view method, std::string_view target);

class HttpServer {
 public:
  // Binds `listen` (HOST:PORT; port 0: any) and starts serving on a thread of its own.
  static base::Result<std::unique_ptr<HttpServer>> Start(const std::string& listen,
                                                         HttpSources sources);
  ~HttpServer();  // Stop.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;
  // Closes the listener and every connection, and joins the thread.
  void Stop();

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace server::internal
