// One client connection (server_impl.h): TLS handshake, identity, frames in, commands to the
// sequencer, answers after durability, the auditors' log stream and operators' backups.

#include <openssl/x509.h>

#include <array>
#include <cstring>

#include "base/strong_type_fmt.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "server/internal/server_impl.h"

namespace server {

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
  const std::span<uint8_t> room = in_.Room();
  auto self = shared_from_this();
  reading_ = true;
  stream_.async_read_some(asio::buffer(room.data(), room.size()),
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
                            self->in_.Filled(bytes);
                            self->OnData();
                          });
}

void Session::OnData() {
  server_->HoldWrites();
  while (!draining_) {
    auto body = in_.Next();
    if (!body.ok()) {
      Refuse(0, RefusalReason::kMalformed, body.status().detail(), true);
      break;
    }
    if (body->empty()) break;
    OnFrame(*body);
  }
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

// The group's records as the log handed them to its callback (no read back), if they are all
// of read->range; else false.
bool TakeHandedOver(const std::shared_ptr<const ledger::GroupValues>& values, GroupRead* read) {
  if (values == nullptr || values->size() != read->range.last - read->range.first + 1) {
    return false;
  }
  ledger::LogRecord record;
  for (const std::vector<uint8_t>& value : *values) {
    // The log encoded these bytes in this process: their envelopes need no canonical check.
    if (!ledger::DecodeRecordInto(value, &record, ledger::EnvelopeCheck::kNone).ok()) {
      return false;
    }
    TakeRecord(record, read);
  }
  return true;
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
    Status status;
    if (!TakeHandedOver(result.values, read)) {
      *read = GroupRead{};
      read->range = result.range;
      status = ReadGroup(server_->sequencer_->log(), read);
    }
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
  // Each answer takes its group's records as the log handed them over; a resend's (and a
  // group logged in several submissions) are read back with point lookups: they are in the
  // memtable, where a Get stops, whereas one iterator would also seek every table file.
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
  const std::span<uint8_t> room = in_.Room();  // Read into, never Filled: dropped.
  auto self = shared_from_this();
  reading_ = true;
  stream_.async_read_some(asio::buffer(room.data(), room.size()),
                          [self](const boost::system::error_code& ec, size_t) {
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

}  // namespace server
