// The gateway (see server.h): Boost.Asio over OpenSSL, one I/O thread. This file is the
// server's Asio adapter: every Asio call uses its error_code form, so nothing here throws.

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <charconv>
#include <csignal>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "base/strong_type_fmt.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
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
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kLingerTimeout = std::chrono::seconds(2);
// The most bytes of queued answers put into one write.
constexpr size_t kMaxWriteBytes = 256 * 1024;
// What one read asks for (a larger frame grows the buffer to fit it).
constexpr size_t kReadBufferBytes = 16 * 1024;

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

namespace {

std::string PeerSubject(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string subject(data, size > 0 ? static_cast<size_t>(size) : 0);
  BIO_free(bio);
  return subject;
}

std::string PeerFingerprint(X509* cert) {
  std::array<uint8_t, 32> digest{};
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest.data(), &length) != 1 || length != 32) return "";
  return ledger::ToHex(digest);
}

}  // namespace

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
  std::vector<uint8_t> in_;  // Received bytes [0, in_size_) not yet handled: part of a frame.
  size_t in_size_ = 0;
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

void Session::OnHandshake(const boost::system::error_code& ec) {
  if (ec) {
    server_->metrics_.handshake_failures.fetch_add(1, std::memory_order_relaxed);
    server_->Log(
        fmt::format("connection {} from {}: TLS handshake refused: {}", id_, peer_, ec.message()));
    Close();
    return;
  }
  Identify();
}

void Session::Identify() {
  X509* cert = SSL_get1_peer_certificate(stream_.native_handle());
  std::string subject;
  std::string fingerprint;
  if (cert != nullptr) {
    subject = PeerSubject(cert);
    fingerprint = PeerFingerprint(cert);
    X509_free(cert);
  }
  const std::shared_ptr<const Roles> roles = server_->roles();
  const ClientEntry* entry = roles->Find(subject, fingerprint);
  identified_ = true;
  timer_.cancel();
  if (entry == nullptr) {
    server_->Log(
        fmt::format("connection {} from {}: refused: certificate '{}' sha256 {} is not "
                    "in the roles file",
                    id_, peer_, subject, fingerprint));
    Refuse(0, RefusalReason::kUnknownClient, "this certificate is not in the roles file", true);
    return;
  }
  client_ = *entry;
  counted_ = true;
  server_->metrics_.connections[static_cast<size_t>(client_.role)].fetch_add(1);
  server_->Log(fmt::format("connection {} from {}: {} ({})", id_, peer_, client_.name,
                           RoleName(client_.role)));
  Read();
}

void Session::Read() {
  if (draining_) return MaybeFinish();
  if (in_.size() < kReadBufferBytes) in_.resize(kReadBufferBytes);
  auto self = shared_from_this();
  reading_ = true;
  stream_.async_read_some(asio::buffer(in_.data() + in_size_, in_.size() - in_size_),
                          [self](const boost::system::error_code& ec, size_t bytes) {
                            self->reading_ = false;
                            if (self->finishing_) return ec ? self->Close() : self->Discard();
                            if (ec) {
                              if (!self->draining_) {
                                self->server_->Log(fmt::format(
                                    "connection {}: closed{}", self->id_,
                                    ec == asio::error::eof ? "" : " (" + ec.message() + ")"));
                              }
                              self->draining_ = true;
                              self->MaybeFinish();
                              return;
                            }
                            self->in_size_ += bytes;
                            self->OnData();
                          });
}

void Session::OnData() {
  size_t at = 0;
  server_->HoldWrites();
  while (!draining_ && in_size_ - at >= internal::kFrameHeaderBytes) {
    const uint32_t length = internal::FrameLength(
        std::span<const uint8_t, internal::kFrameHeaderBytes>(in_.data() + at, 4));
    if (length == 0 || length > internal::kMaxRequestBytes) {
      Refuse(0, RefusalReason::kMalformed,
             fmt::format("frame length {} is outside 1..{}", length, internal::kMaxRequestBytes),
             true);
      break;
    }
    const size_t frame = internal::kFrameHeaderBytes + length;
    if (in_size_ - at < frame) {
      // Room for the whole frame once the bytes before it are dropped.
      if (in_.size() < frame) in_.resize(frame);
      break;
    }
    OnFrame(std::span<const uint8_t>(in_.data() + at + internal::kFrameHeaderBytes, length));
    at += frame;
  }
  std::memmove(in_.data(), in_.data() + at, in_size_ - at);
  in_size_ -= at;
  server_->ReleaseWrites();
  Read();
}

void Session::OnFrame(std::span<const uint8_t> body) {
  internal::DecodeFailure failure = internal::DecodeFailure::kMalformed;
  uint64_t request_id = 0;
  auto request = internal::DecodeRequest(body, &failure, &request_id);
  if (!request.ok()) {
    const bool malformed = failure == internal::DecodeFailure::kMalformed;
    Refuse(request_id, malformed ? RefusalReason::kMalformed : RefusalReason::kBadCommand,
           request.status().detail(), malformed);
    return;
  }
  Handle(std::move(*request));
}

void Session::Handle(internal::DecodedRequest&& request) {
  if (server_->stopping_) {
    Refuse(request.id, RefusalReason::kUnavailable, "the server is shutting down", false);
    return;
  }
  if (inflight_ >= server_->options_.max_inflight_per_connection) {
    Refuse(request.id, RefusalReason::kBusy, "too many requests in flight on this connection",
           false);
    return;
  }
  switch (request.kind) {
    case internal::RequestKind::kCheckpoint: {
      auto note = server_->sequencer_->log().LatestCheckpoint();
      Send(internal::CheckpointAnswerFrame(request.id, note.ok() ? *note : std::string()));
      return;
    }
    case internal::RequestKind::kSnapshot:
      return HandleSnapshot(request.id);
    case internal::RequestKind::kStream:
      return HandleStream(request.id, request.stream_from);
    case internal::RequestKind::kBackup:
      return HandleBackup(request.id, request.backup_keep);
    case internal::RequestKind::kCommand:
      return HandleCommand(std::move(request));
  }
}

void Session::HandleCommand(internal::DecodedRequest&& request) {
  bool account_refusal = false;
  const std::string why = Authorize(client_, request.input, &account_refusal);
  if (!why.empty()) {
    Refuse(request.id, account_refusal ? RefusalReason::kNotYourAccount : RefusalReason::kWrongRole,
           why, false);
    return;
  }
  internal::Job job;
  job.kind = internal::Job::Kind::kCommand;
  job.input = std::move(request.input);
  job.origin =
      ledger::CommandOrigin{client_.name, std::move(request.client_id), request.client_seq};
  job.done = [server = server_, weak = weak_from_this(),
              request_id = request.id](const internal::JobResult& result) {
    server->Complete({weak, request_id, result, false});
  };
  server_->QueueJob(std::move(job), weak_from_this(), request.id);
  ++inflight_;
}

void Session::HandleSnapshot(uint64_t request_id) {
  if (client_.role != Role::kOperator) {
    Refuse(request_id, RefusalReason::kWrongRole, "only an operator takes snapshots", false);
    return;
  }
  internal::Job job;
  job.kind = internal::Job::Kind::kSnapshot;
  job.done = [server = server_, weak = weak_from_this(),
              request_id](const internal::JobResult& result) {
    server->Complete({weak, request_id, result, true});
  };
  server_->QueueJob(std::move(job), weak_from_this(), request_id);
  ++inflight_;
}

void Session::HandleBackup(uint64_t request_id, uint32_t keep) {
  if (client_.role != Role::kOperator) {
    Refuse(request_id, RefusalReason::kWrongRole, "only an operator takes backups", false);
    return;
  }
  if (server_->backups_ == nullptr) {
    Refuse(request_id, RefusalReason::kNotEnabled, "this server was started without --backup-dir",
           false);
    return;
  }
  // The backup runs on its own thread; Run keeps going (and the log open) until it is
  // answered, even if a stop begins meanwhile.
  auto guard = std::make_shared<asio::executor_work_guard<asio::io_context::executor_type>>(
      server_->io_.get_executor());
  std::weak_ptr<Session> weak = weak_from_this();
  asio::io_context* io = &server_->io_;
  const auto started = std::chrono::steady_clock::now();
  auto done = [weak, io, request_id, guard, started](const base::Result<BackupDone>& result) {
    asio::post(*io, [weak, request_id, guard, started, result] {
      guard->reset();
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - started);
      if (auto self = weak.lock()) {
        self->server_->Log(fmt::format(
            "connection {} ({}): backup {} in {} ms", self->id_, self->client_.name,
            result.ok() ? fmt::format("{} of head seq {} written", result->id, result->head_seq)
                        : "failed: " + result.status().ToString(),
            ms.count()));
        self->OnBackupDone(request_id, result);
      }
    });
  };
  if (!server_->backups_->TryStart(keep, std::move(done))) {
    Refuse(request_id, RefusalReason::kBusy, "a backup is already running; ask again once it ends",
           false);
    return;
  }
  server_->Log(fmt::format("connection {} ({}): backup started into {}", id_, client_.name,
                           server_->backups_->dir()));
  ++inflight_;
}

void Session::OnBackupDone(uint64_t request_id, const base::Result<BackupDone>& result) {
  --inflight_;
  if (result.ok()) {
    Send(internal::BackupAnswerFrame(request_id, *result));
  } else {
    Refuse(request_id, RefusalReason::kFailed, result.status().ToString(), false);
  }
  MaybeFinish();
}

// How often a caught-up stream looks for new records, and the most records in one frame.
constexpr auto kStreamPollInterval = std::chrono::milliseconds(20);
constexpr uint64_t kStreamFrameRecords = 256;

void Session::HandleStream(uint64_t request_id, uint64_t from_seq) {
  if (client_.role == Role::kTrader) {
    Refuse(request_id, RefusalReason::kWrongRole, "only auditors and operators stream the log",
           false);
    return;
  }
  if (streaming_) {
    Refuse(request_id, RefusalReason::kBadCommand, "this connection streams already", false);
    return;
  }
  streaming_ = true;
  stream_id_ = request_id;
  stream_next_ = from_seq;
  server_->Log(
      fmt::format("connection {} ({}): streaming from seq {}", id_, client_.name, from_seq));
  Pump();
}

void Session::Pump() {
  if (closed_ || draining_ || writing_ || !outbox_.empty() || stream_waiting_) return;
  const uint64_t head = server_->sequencer_->log().head_seq().value();
  if (stream_next_ > head) {
    stream_waiting_ = true;
    stream_timer_.expires_after(kStreamPollInterval);
    auto self = shared_from_this();
    stream_timer_.async_wait([self](const boost::system::error_code& ec) {
      self->stream_waiting_ = false;
      if (!ec) self->Pump();
    });
    return;
  }
  Status sent = SendStreamFrame(head);
  if (!sent.ok()) {
    streaming_ = false;
    Refuse(stream_id_, RefusalReason::kUnavailable, sent.ToString(), false);
  }
}

Status Session::SendStreamFrame(uint64_t head) {
  const ledger::EventLog& log = server_->sequencer_->log();
  uint64_t last = std::min(head, stream_next_ + kStreamFrameRecords - 1);
  std::string checkpoint;
  if (log.has_tree()) {
    // End the frame at a group commit's end when one falls in it, with that checkpoint.
    BACKSTOP_ASSIGN_OR_RETURN(auto sizes, log.CheckpointSizes(stream_next_, last));
    if (!sizes.empty()) {
      last = sizes.back();
      BACKSTOP_ASSIGN_OR_RETURN(checkpoint, log.ReadCheckpoint(last));
    }
  }
  std::vector<std::string> records;
  auto it = log.NewIterator(ledger::SequenceNumber{stream_next_}, ledger::SequenceNumber{last});
  for (; it->Valid(); it->Next()) {
    const auto value = it->value();
    records.emplace_back(reinterpret_cast<const char*>(value.data()), value.size());
  }
  BACKSTOP_RETURN_IF_ERROR(it->status());
  if (records.size() != last - stream_next_ + 1) {
    return Status::Corruption("stream", fmt::format("records {}..{} missing", stream_next_, last));
  }
  std::vector<std::string> frontier;
  if (stream_next_ > 1 && stream_first_frame_ && log.has_tree()) {
    for (const ledger::TreeNode& node : ledger::CompleteSubtrees(stream_next_ - 1)) {
      BACKSTOP_ASSIGN_OR_RETURN(ledger::Hash hash, log.TreeNodeHash(node.level, node.index));
      frontier.emplace_back(reinterpret_cast<const char*>(hash.data()), hash.size());
    }
  }
  stream_first_frame_ = false;
  Send(internal::RecordsFrame(stream_id_, stream_next_, records, checkpoint, frontier));
  stream_next_ = last + 1;
  return Status::OK();
}

namespace {

// The stored records of one group, read for its answer.
struct GroupRead {
  ledger::GroupRange range;  // last 0: a resend's, read to the group's end.
  std::vector<std::string> records;
  std::optional<uint16_t> rejection;  // The engine's, if the group holds one.
  uint64_t liquidations = 0;
  uint64_t adl_reductions = 0;
};

// Adds the record to `*read` (its bytes, the engine's rejection code, what it counts).
void TakeRecord(const ledger::LogRecord& record, GroupRead* read) {
  const auto bytes = record.record_bytes();
  read->records.emplace_back(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const auto event = record.event();
  if (event.isOrderRejected()) read->rejection = event.getOrderRejected().getReason();
  if (event.isInputRejected()) read->rejection = event.getInputRejected().getReason();
  read->liquidations += event.isLiquidation() ? 1 : 0;
  read->adl_reductions += event.isAdlReduction() ? 1 : 0;
}

Status CheckWhole(const GroupRead& read) {
  if (read.records.empty() || read.records.size() != read.range.last - read.range.first + 1) {
    return Status::Corruption("server", fmt::format("group {}..{} is not all in the log",
                                                    read.range.first, read.range.last));
  }
  return Status::OK();
}

// The stored records of read->range into `*read`. range.last == 0 (a resend, found by its
// input's seq): read to the group's end and set it.
Status ReadGroup(const ledger::EventLog& log, GroupRead* read) {
  // A known range is read with point lookups (cheaper than an iterator for a few records);
  // a resend's (last 0) is scanned to the group's end.
  ledger::GroupRange& range = read->range;
  std::unique_ptr<ledger::RecordIterator> it;
  if (range.last == ledger::SequenceNumber{0}) {
    it = log.NewIterator(range.first, ledger::SequenceNumber{0});
  }
  for (ledger::SequenceNumber seq = range.first;; ++seq) {
    ledger::LogRecord record;
    if (it != nullptr) {
      if (!it->Valid()) break;
      BACKSTOP_RETURN_IF_ERROR(ledger::DecodeRecordInto(it->value(), &record));
      if (record.group() != range.first) break;  // The next group.
      it->Next();
    } else {
      if (seq > range.last) break;
      BACKSTOP_ASSIGN_OR_RETURN(record, log.Read(seq));
    }
    TakeRecord(record, read);
  }
  if (it != nullptr) BACKSTOP_RETURN_IF_ERROR(it->status());
  if (range.last == ledger::SequenceNumber{0}) range.last = range.first + read->records.size() - 1;
  return CheckWhole(*read);
}

}  // namespace

void Session::OnDurable(uint64_t request_id, const internal::JobResult& result, bool snapshot) {
  --inflight_;
  if (!result.status.ok()) {
    Refuse(request_id, RefusalReason::kUnavailable, result.status.ToString(), false);
  } else if (result.reused) {
    Refuse(request_id, RefusalReason::kClientSeqReused,
           "the log holds a different command under this clientId and clientSeq", false);
  } else if (snapshot) {
    Send(internal::SnapshotAnswerFrame(request_id, result.snapshot_seq));
  } else {
    GroupRead group;
    group.range = result.range;
    GroupRead* read = &group;
    const Status status = ReadGroup(server_->sequencer_->log(), read);
    internal::Metrics& metrics = server_->metrics_;
    if (!status.ok()) {
      Refuse(request_id, RefusalReason::kUnavailable, status.ToString(), false);
    } else {
      if (!result.resent) {
        metrics.liquidations.fetch_add(read->liquidations);
        metrics.adl_reductions.fetch_add(read->adl_reductions);
      }
      (result.resent     ? metrics.resent
       : read->rejection ? metrics.rejected
                         : metrics.accepted)
          .fetch_add(1);
      Send(internal::GroupAnswerFrame(request_id, read->rejection.has_value(),
                                      read->rejection.value_or(0), read->range.first.value(),
                                      read->range.last.value(), read->records));
    }
  }
  MaybeFinish();
}

void Server::Impl::DrainCompletions() {
  std::vector<Completion> batch;
  {
    std::lock_guard<std::mutex> lock(completions_mutex_);
    batch.swap(completions_);
  }
  // Each answer reads its group with point lookups: the records are in the memtable, where a
  // Get stops, whereas one iterator over the batch would also seek every table file.
  HoldWrites();
  for (const Completion& completion : batch) {
    if (auto session = completion.session.lock()) {
      session->OnDurable(completion.request_id, completion.result, completion.snapshot);
    }
  }
  ReleaseWrites();
}

void Server::Impl::PushJobs() {
  std::vector<internal::Job> jobs;
  std::vector<QueuedFrom> from;
  jobs.swap(queued_jobs_);
  from.swap(queued_from_);
  const size_t pushed = dispatcher_->TryPushAll(jobs);
  HoldWrites();
  for (size_t i = pushed; i < from.size(); ++i) {
    if (auto session = from[i].session.lock()) session->OnNotQueued(from[i].request_id);
  }
  ReleaseWrites();
}

void Server::Impl::ReleaseWrites() {
  if (--hold_writes_ > 0) return;
  std::vector<std::shared_ptr<Session>> held;
  held.swap(held_);
  for (const std::shared_ptr<Session>& session : held) session->Flush();
}

void Session::Refuse(uint64_t request_id, RefusalReason reason, std::string_view detail,
                     bool close) {
  server_->CountRefusal(reason);
  if (reason != RefusalReason::kBusy) {
    server_->Log(fmt::format(
        "connection {} ({}): refused {}: {}{}", id_, client_.name.empty() ? peer_ : client_.name,
        internal::RefusalReasonName(reason), detail, close ? " (closing)" : ""));
  }
  Send(internal::RefusalFrame(request_id, reason, detail));
  if (close) Drain();
}

void Session::Send(std::string frame) {
  if (closed_) return;
  outbox_.push_back(std::move(frame));
  if (writing_) return;  // The write in progress goes on with it.
  if (server_->hold_writes_ > 0) {
    if (!held_) {
      held_ = true;
      server_->held_.push_back(shared_from_this());
    }
    return;
  }
  Write();
}

void Session::Write() {
  // Everything queued goes out in one TLS write (up to kMaxWriteBytes): under load many
  // answers are waiting, and one record and one syscall for all of them is much cheaper.
  writing_ = true;
  writing_buffer_.clear();
  while (!outbox_.empty() && (writing_buffer_.empty() ||
                              writing_buffer_.size() + outbox_.front().size() <= kMaxWriteBytes)) {
    writing_buffer_ += outbox_.front();
    outbox_.pop_front();
  }
  auto self = shared_from_this();
  asio::async_write(stream_, asio::buffer(writing_buffer_),
                    [self](const boost::system::error_code& ec, size_t) {
                      self->writing_ = false;
                      if (ec) {
                        self->outbox_.clear();
                        self->draining_ = true;
                        self->Close();
                        return;
                      }
                      if (!self->outbox_.empty()) return self->Write();
                      if (self->streaming_) self->Pump();
                      self->MaybeFinish();
                    });
}

void Session::MaybeFinish() {
  if (!draining_ || finishing_ || closed_ || writing_ || !outbox_.empty() || inflight_ > 0) {
    return;
  }
  finishing_ = true;
  // Half-close, so that the peer reads the last answer before it sees the connection end,
  // then close for good after a grace period.
  boost::system::error_code ignored;
  stream_.lowest_layer().shutdown(tcp::socket::shutdown_send, ignored);
  auto self = shared_from_this();
  timer_.expires_after(kLingerTimeout);
  timer_.async_wait([self](const boost::system::error_code&) { self->Close(); });
  if (!reading_) Discard();  // Else the pending read discards when it completes.
}

void Session::Discard() {
  if (closed_) return;
  if (in_.empty()) in_.resize(kReadBufferBytes);
  auto self = shared_from_this();
  reading_ = true;
  stream_.async_read_some(asio::buffer(in_), [self](const boost::system::error_code& ec, size_t) {
    self->reading_ = false;
    if (ec) return self->Close();
    self->Discard();
  });
}

void Session::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  timer_.cancel();
  stream_timer_.cancel();
  stream_.lowest_layer().close(ignored);
  if (counted_) server_->metrics_.connections[static_cast<size_t>(client_.role)].fetch_sub(1);
  server_->Forget(id_);
}

namespace {

Status ParseAddress(const std::string& text, tcp::endpoint* endpoint) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("server", "address must be HOST:PORT: " + text);
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  uint16_t port = 0;
  const std::string port_text = text.substr(colon + 1);
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size()) {
    return Status::InvalidArgument("server", "bad port in " + text);
  }
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument("server", "bad host in " + text + ": " + ec.message());
  *endpoint = tcp::endpoint(address, port);
  return Status::OK();
}

Status TlsError(const std::string& what, const boost::system::error_code& ec) {
  return Status::InvalidArgument("server", what + ": " + ec.message());
}

}  // namespace

Status Server::Impl::Setup() {
  auto roles = Roles::Load(options_.roles_file);
  if (!roles.ok()) return roles.status();
  roles_ = std::make_shared<const Roles>(std::move(*roles));
  SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_3_VERSION);
  boost::system::error_code ec;
  tls_.use_certificate_chain_file(options_.tls_cert, ec);
  if (ec) return TlsError("cannot use --tls-cert " + options_.tls_cert, ec);
  tls_.use_private_key_file(options_.tls_key, ssl::context::pem, ec);
  if (ec) return TlsError("cannot use --tls-key " + options_.tls_key, ec);
  tls_.load_verify_file(options_.client_ca, ec);
  if (ec) return TlsError("cannot use --client-ca " + options_.client_ca, ec);
  tls_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  if (ec) return TlsError("cannot require client certificates", ec);
  tcp::endpoint endpoint;
  BACKSTOP_RETURN_IF_ERROR(ParseAddress(options_.listen, &endpoint));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::IOError("server", "cannot listen on " + options_.listen + ": " + ec.message());
  // A failed append (a write or sync the disk refused) is never retried: the server stops
  // acknowledging, drains (everything queued is refused `unavailable`) and Run returns the
  // failure, so the process exits non-zero; a restart recovers from the log (docs/FAULTS.md).
  auto on_failure = [this](const Status& failure) {
    Log("the log failed, stopping: " + failure.ToString());
    Stop();
  };
  dispatcher_ = std::make_unique<internal::Dispatcher>(
      sequencer_.get(), options_.max_queued_commands, &metrics_, std::move(on_failure));
  if (!options_.http_listen.empty()) {
    internal::HttpSources sources;
    sources.log = &sequencer_->log();
    sources.metrics = &metrics_;
    sources.health = [this] { return Health(); };
    auto http = internal::HttpServer::Start(options_.http_listen, std::move(sources));
    if (!http.ok()) return http.status();
    http_ = std::move(*http);
  }
  if (!options_.backup_dir.empty()) {
    backups_ = std::make_unique<internal::BackupRunner>(&sequencer_->log(), sequencer_->data(),
                                                        options_.backup_dir, options_.backup_keep);
  }
  return Status::OK();
}

void Server::Impl::Accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (stopping_) return;
    if (ec) {
      Log(fmt::format("accept failed: {}", ec.message()));
    } else if (sessions_.size() >= options_.max_connections) {
      CountRefusal(RefusalReason::kBusy);
      Log(fmt::format("connection refused: {} connections open", sessions_.size()));
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);  // Answers are small; never wait.
      const uint64_t id = next_session_++;
      auto session = std::make_shared<Session>(this, id, std::move(socket));
      sessions_[id] = session;
      session->Start();
    }
    Accept();
  });
}

void Server::Impl::WaitForSignal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      Status reloaded = ReloadRoles();
      Log(reloaded.ok() ? "SIGHUP: roles file reloaded"
                        : "SIGHUP: roles file NOT reloaded: " + reloaded.ToString());
      WaitForSignal();
      return;
    }
    Log(fmt::format("signal {}: stopping", signal));
    BeginStop();
  });
}

void Server::Impl::BeginStop() {
  if (stopping_) return;
  stopping_ = true;
  stopping_flag_.store(true);
  drain_guard_.emplace(io_.get_executor());
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  signals_.cancel(ignored);
  for (auto& [id, weak] : sessions_) {
    if (auto session = weak.lock()) session->Drain();
  }
  // Draining the sequencer blocks until every queued group is durable: not on this thread,
  // which must keep writing the answers meanwhile.
  stopper_ = std::thread([this] {
    dispatcher_->Stop();
    asio::post(io_, [this] { FinishStop(); });
  });
}

void Server::Impl::FinishStop() {
  // Every durable answer has been posted before this; each session closes once its outbox is
  // empty and its peer has closed (or kLingerTimeout), and then Run returns.
  drain_guard_.reset();
}

Status Server::Impl::Run() {
  if (options_.handle_signals) {
    boost::system::error_code ignored;
    signals_.add(SIGTERM, ignored);
    signals_.add(SIGINT, ignored);
    signals_.add(SIGHUP, ignored);
    WaitForSignal();
  }
  Accept();
  io_.run();
  if (stopper_.joinable()) stopper_.join();
  if (backups_) backups_->Join();
  if (http_) http_->Stop();
  Status failure = dispatcher_->failure();
  if (!failure.ok()) return failure;
  if (options_.snapshot_on_stop && sequencer_->log().head_seq() > ledger::SequenceNumber{0}) {
    auto snapshot = sequencer_->TakeSnapshot();
    if (!snapshot.ok()) return snapshot.status();
    Log(fmt::format("snapshot of seq {} written", *snapshot));
  }
  return Status::OK();
}

Status Server::Impl::ReloadRoles() {
  auto roles = Roles::Load(options_.roles_file);
  if (!roles.ok()) return roles.status();
  std::lock_guard<std::mutex> lock(roles_mutex_);
  roles_ = std::make_shared<const Roles>(std::move(*roles));
  return Status::OK();
}

base::Result<std::unique_ptr<Server>> Server::Start(ServerOptions options,
                                                    std::unique_ptr<replay::Sequencer> sequencer) {
  if (sequencer == nullptr) return Status::InvalidArgument("server", "no sequencer");
  auto impl = std::make_unique<Impl>(std::move(options), std::move(sequencer));
  BACKSTOP_RETURN_IF_ERROR(impl->Setup());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() {
  if (impl_->stopper_.joinable()) impl_->stopper_.join();
}
uint16_t Server::http_port() const { return impl_->http_ ? impl_->http_->port() : 0; }
uint16_t Server::port() const {
  boost::system::error_code ec;
  const tcp::endpoint endpoint = impl_->acceptor_.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}
Status Server::Run() { return impl_->Run(); }
void Server::Stop() { impl_->Stop(); }
Status Server::ReloadRoles() { return impl_->ReloadRoles(); }
const replay::Sequencer& Server::sequencer() const { return *impl_->sequencer_; }

}  // namespace server
