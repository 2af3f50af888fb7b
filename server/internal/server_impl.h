// The gateway's two halves (server.h): Server::Impl, which owns the listener, the sequencer's
// dispatcher and the I/O thread, and Session, one client connection on that thread.
// Internal to server/: tls_server.cc defines Server::Impl's setup and stop, session.cc the
// connections and the answers. Every Asio call uses its error_code form: nothing throws.
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "server/internal/backup_runner.h"
#include "server/internal/dispatcher.h"
#include "server/internal/frame.h"
#include "server/internal/http_server.h"
#include "server/internal/metrics.h"
#include "server/server.h"

namespace server {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using base::Status;
using internal::RefusalReason;

// How long a new connection has to complete its TLS handshake, and how long a connection being
// closed waits for its peer to read the last answer.
inline constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
inline constexpr auto kLingerTimeout = std::chrono::seconds(2);
// The most bytes of queued answers put into one write.
inline constexpr size_t kMaxWriteBytes = 256 * 1024;
// What one read asks for (a larger frame grows the buffer to fit it).
inline constexpr size_t kReadBufferBytes = 16 * 1024;

class Session;

class Server::Impl {
 public:
  Impl(ServerOptions options, std::unique_ptr<replay::Sequencer> sequencer)
      : options_(std::move(options)),
        sequencer_(std::move(sequencer)),
        tls_(ssl::context::tls_server),
        acceptor_(io_),
        signals_(io_) {}
  // The sequencer thread posts to io_: it stops before io_ goes.
  ~Impl() {
    if (stopper_.joinable()) stopper_.join();
    if (http_) http_->Stop();
    if (dispatcher_) dispatcher_->Stop();
  }

  Status Setup();
  Status Run();
  void Stop() {
    asio::post(io_, [this] { BeginStop(); });
  }
  Status ReloadRoles();

  void Log(std::string_view line) {
    if (options_.log) options_.log(line);
  }
  std::shared_ptr<const Roles> roles() {
    std::lock_guard<std::mutex> lock(roles_mutex_);
    return roles_;
  }
  void CountRefusal(RefusalReason reason) {
    metrics_.refusals[static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  // "" while the server can append; otherwise why not.
  std::string Health() const {
    if (stopping_flag_.load()) return "stopping";
    const Status failure = dispatcher_->failure();
    return failure.ok() ? "" : failure.ToString();
  }
  void Forget(uint64_t id) { sessions_.erase(id); }

  // A finished job, from the sequencer's or the log's writer thread: queued, and the I/O thread
  // is woken once per burst (not once per command) to answer all of them.
  struct Completion {
    std::weak_ptr<Session> session;
    uint64_t request_id = 0;
    internal::JobResult result;
    bool snapshot = false;
  };
  void Complete(Completion completion) {
    bool first = false;
    {
      std::lock_guard<std::mutex> lock(completions_mutex_);
      first = completions_.empty();
      completions_.push_back(std::move(completion));
    }
    if (first) asio::post(io_, [this] { DrainCompletions(); });
  }
  // Jobs from the connections (I/O thread): the commands of one burst of reads go to the
  // sequencer together, once the burst's other handlers have run (one lock, one wakeup).
  void QueueJob(internal::Job&& job, std::weak_ptr<Session> session, uint64_t request_id) {
    if (queued_jobs_.empty()) asio::post(io_, [this] { PushJobs(); });
    queued_jobs_.push_back(std::move(job));
    queued_from_.push_back({std::move(session), request_id});
  }
  // While held (I/O thread), answers are queued, and each session that got any writes them all
  // in one TLS write when the last hold is released.
  void HoldWrites() { ++hold_writes_; }
  void ReleaseWrites();

  ServerOptions options_;
  std::unique_ptr<replay::Sequencer> sequencer_;
  std::unique_ptr<internal::Dispatcher> dispatcher_;
  asio::io_context io_;
  ssl::context tls_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  bool stopping_ = false;                                // I/O thread only.
  std::map<uint64_t, std::weak_ptr<Session>> sessions_;  // I/O thread only.
  uint64_t next_session_ = 1;
  internal::Metrics metrics_;
  std::unique_ptr<internal::HttpServer> http_;
  // Null without options_.backup_dir. Declared after sequencer_: destroyed (joined) first.
  std::unique_ptr<internal::BackupRunner> backups_;
  std::atomic<bool> stopping_flag_{false};  // stopping_, for other threads.
  std::thread stopper_;
  // Keeps Run going while the sequencer drains and its answers are still to be posted.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> drain_guard_;
  struct QueuedFrom {
    std::weak_ptr<Session> session;
    uint64_t request_id = 0;
  };
  std::vector<internal::Job> queued_jobs_;      // I/O thread only; not yet pushed.
  std::vector<QueuedFrom> queued_from_;         // I/O thread only: who sent each queued job.
  int hold_writes_ = 0;                         // I/O thread only.
  std::vector<std::shared_ptr<Session>> held_;  // I/O thread only: sessions with held answers.

 private:
  void PushJobs();
  void DrainCompletions();
  void Accept();
  void WaitForSignal();
  void BeginStop();
  void FinishStop();

  std::mutex roles_mutex_;
  std::shared_ptr<const Roles> roles_;  // Guarded by roles_mutex_.
  std::mutex completions_mutex_;
  std::vector<Completion> completions_;  // Guarded by completions_mutex_.
};

// One client connection. Lives on the I/O thread; kept alive by its pending operations.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl* server, uint64_t id, tcp::socket socket)
      : server_(server),
        id_(id),
        stream_(std::move(socket), server->tls_),
        timer_(server->io_),
        stream_timer_(server->io_) {
    boost::system::error_code ec;
    const tcp::endpoint peer = stream_.lowest_layer().remote_endpoint(ec);
    peer_ = ec ? "unknown" : fmt::format("{}:{}", peer.address().to_string(), peer.port());
  }

  void Start() {
    auto self = shared_from_this();
    timer_.expires_after(kHandshakeTimeout);
    timer_.async_wait([self](const boost::system::error_code& ec) {
      if (!ec && !self->identified_) self->Close();
    });
    stream_.async_handshake(ssl::stream_base::server,
                            [self](const boost::system::error_code& ec) { self->OnHandshake(ec); });
  }

  // Stop reading; close once every answer owed has been written.
  void Drain() {
    draining_ = true;
    MaybeFinish();
  }

  void OnDurable(uint64_t request_id, const internal::JobResult& result, bool snapshot);
  // A queued job the sequencer's queue had no room for (or that came as the server stopped).
  void OnNotQueued(uint64_t request_id) {
    --inflight_;
    if (server_->stopping_) {
      Refuse(request_id, RefusalReason::kUnavailable, "the server is shutting down", false);
    } else {
      Refuse(request_id, RefusalReason::kBusy, "the sequencer's queue is full", false);
    }
    MaybeFinish();
  }
  // Writes the answers queued while the server held writes.
  void Flush() {
    held_ = false;
    if (!closed_ && !writing_ && !outbox_.empty()) Write();
  }

 private:
  void OnHandshake(const boost::system::error_code& ec);
  void Identify();
  // Reads whatever the peer sent (many frames at once under load) and handles every whole
  // frame, answers held until all are handled.
  void Read();
  void OnData();
  void OnFrame(std::span<const uint8_t> body);
  void Handle(internal::DecodedRequest&& request);
  void HandleCommand(internal::DecodedRequest&& request);
  void HandleSnapshot(uint64_t request_id);
  void HandleStream(uint64_t request_id, uint64_t from_seq);
  void HandleBackup(uint64_t request_id, uint32_t keep);
  void OnBackupDone(uint64_t request_id, const base::Result<BackupDone>& result);
  // Sends the next frame of the stream when the connection has nothing else to write, or
  // waits for the log to grow.
  void Pump();
  base::Status SendStreamFrame(uint64_t head);
  void Refuse(uint64_t request_id, RefusalReason reason, std::string_view detail, bool close);
  void Send(std::string frame);
  void Write();
  void MaybeFinish();
  void Discard();  // Reads and drops until the peer closes, then closes.
  void Close();

  Server::Impl* const server_;
  const uint64_t id_;
  ssl::stream<tcp::socket> stream_;
  asio::steady_timer timer_;
  asio::steady_timer stream_timer_;
  std::string peer_;
  ClientEntry client_;
  bool identified_ = false;
  internal::FrameReader in_{internal::kMaxRequestBytes, kReadBufferBytes};  // Received.
  std::deque<std::string> outbox_;
  std::string writing_buffer_;  // The frames of the write in progress.
  bool writing_ = false;
  bool held_ = false;       // In server_->held_.
  bool draining_ = false;   // No more reads; close when nothing is owed.
  bool finishing_ = false;  // Half-closed; reading only to see the peer close.
  bool reading_ = false;    // A read is pending.
  bool closed_ = false;
  bool counted_ = false;  // In metrics_.connections under client_.role.
  bool streaming_ = false;
  uint64_t stream_id_ = 0;
  uint64_t stream_next_ = 0;     // The next seq to send.
  bool stream_waiting_ = false;  // stream_timer_ is armed.
  bool stream_first_frame_ = true;
  size_t inflight_ = 0;
};

}  // namespace server
