// The client (see client.h): blocking Boost.Asio over OpenSSL. The client's Asio adapter:
// every call uses its error_code form, so nothing here throws.

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <cstring>
#include <optional>

#include "server/client.h"
#include "server/internal/client_tls.h"
#include "server/internal/frame.h"

namespace server {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using base::Status;

const char* AnswerKindName(Answer::Kind kind) {
  switch (kind) {
    case Answer::Kind::kAccepted:
      return "accepted";
    case Answer::Kind::kRejected:
      return "rejected";
    case Answer::Kind::kRefused:
      return "refused";
    case Answer::Kind::kSnapshot:
      return "snapshot";
    case Answer::Kind::kCheckpoint:
      return "checkpoint";
    case Answer::Kind::kRecords:
      return "records";
    case Answer::Kind::kBackup:
      return "backup";
  }
  return "unknown";
}

namespace internal {

Status ConfigureClientTls(const ClientOptions& options, ssl::context* tls) {
  SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_3_VERSION);
  boost::system::error_code ec;
  if (!options.cert_file.empty()) {
    tls->use_certificate_chain_file(options.cert_file, ec);
    if (ec) return Status::InvalidArgument("client", options.cert_file + ": " + ec.message());
    tls->use_private_key_file(options.key_file, ssl::context::pem, ec);
    if (ec) return Status::InvalidArgument("client", options.key_file + ": " + ec.message());
  }
  if (options.ca_file.empty()) {
    tls->set_default_verify_paths(ec);
  } else {
    tls->load_verify_file(options.ca_file, ec);
  }
  if (ec) return Status::InvalidArgument("client", "CA: " + ec.message());
  return Status::OK();
}

Status SplitAddress(const std::string& address, std::string* host, std::string* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return Status::InvalidArgument("client", "address must be HOST:PORT: " + address);
  }
  *host = address.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  *port = address.substr(colon + 1);
  return Status::OK();
}

}  // namespace internal

class Client::Impl {
 public:
  Impl() : tls_(ssl::context::tls_client) {}
  // Says goodbye (TLS close_notify), so the server sees a clean end rather than a truncation.
  ~Impl() {
    if (!stream_ || !connected_) return;
    boost::system::error_code ignored;
    stream_->shutdown(ignored);
    stream_->lowest_layer().close(ignored);
  }

  Status Connect(const ClientOptions& options);
  Status Write(std::span<const uint8_t> bytes) {
    boost::system::error_code ec;
    asio::write(*stream_, asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec) return Status::IOError("client", "send failed: " + ec.message());
    return Status::OK();
  }
  base::Result<Answer> Receive();

 private:
  asio::io_context io_;
  ssl::context tls_;
  // Made once the context is complete: an SSL object copies its context's settings.
  std::optional<ssl::stream<tcp::socket>> stream_;
  // Answers read but not yet decoded. One read takes whatever the server sent (often several
  // answers of one synced batch).
  internal::FrameReader answers_{internal::kMaxAnswerBytes, internal::kClientReadBytes};
  bool connected_ = false;
};

Status Client::Impl::Connect(const ClientOptions& options) {
  BACKSTOP_RETURN_IF_ERROR(internal::ConfigureClientTls(options, &tls_));
  boost::system::error_code ec;
  stream_.emplace(io_, tls_);
  stream_->set_verify_mode(ssl::verify_peer, ec);
  std::string host;
  std::string port;
  BACKSTOP_RETURN_IF_ERROR(internal::SplitAddress(options.address, &host, &port));
  if (options.verify_host) stream_->set_verify_callback(ssl::host_name_verification(host), ec);
  tcp::resolver resolver(io_);
  const auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return Status::IOError("client", "cannot resolve " + options.address);
  asio::connect(stream_->lowest_layer(), endpoints, ec);
  if (ec)
    return Status::IOError("client", "cannot connect to " + options.address + ": " + ec.message());
  stream_->lowest_layer().set_option(tcp::no_delay(true), ec);
  stream_->handshake(ssl::stream_base::client, ec);
  if (ec)
    return Status::IOError("client",
                           "TLS handshake with " + options.address + " failed: " + ec.message());
  connected_ = true;
  return Status::OK();
}

base::Result<Answer> Client::Impl::Receive() {
  while (true) {
    BACKSTOP_ASSIGN_OR_RETURN(const std::span<const uint8_t> body, answers_.Next());
    if (!body.empty()) return internal::DecodeAnswer(body);
    const std::span<uint8_t> room = answers_.Room();
    boost::system::error_code ec;
    const size_t read = stream_->read_some(asio::buffer(room.data(), room.size()), ec);
    if (ec) {
      return Status::IOError(
          "client", fmt::format("connection closed{}: {}",
                                answers_.buffered() == 0 ? "" : " mid-frame", ec.message()));
    }
    answers_.Filled(read);
  }
}

base::Result<std::unique_ptr<Client>> Client::Connect(const ClientOptions& options) {
  auto impl = std::make_unique<Impl>();
  BACKSTOP_RETURN_IF_ERROR(impl->Connect(options));
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

namespace {

std::span<const uint8_t> Bytes(const std::string& frame) {
  return {reinterpret_cast<const uint8_t*>(frame.data()), frame.size()};
}

}  // namespace

Status Client::SendCommand(uint64_t id, std::string_view client_id, uint64_t client_seq,
                           const engine::Input& input) {
  return impl_->Write(Bytes(internal::CommandFrame(id, client_id, client_seq, input)));
}
Status Client::SendCommands(std::span<const CommandRequest> commands) {
  std::string frames;
  for (const CommandRequest& command : commands) {
    frames +=
        internal::CommandFrame(command.id, command.client_id, command.client_seq, command.input);
  }
  return impl_->Write(Bytes(frames));
}
Status Client::SendSnapshotRequest(uint64_t id) {
  return impl_->Write(Bytes(internal::SnapshotRequestFrame(id)));
}
Status Client::SendCheckpointRequest(uint64_t id) {
  return impl_->Write(Bytes(internal::CheckpointRequestFrame(id)));
}
Status Client::SendStreamRequest(uint64_t id, uint64_t from_seq) {
  return impl_->Write(Bytes(internal::StreamRequestFrame(id, from_seq)));
}
Status Client::SendBackupRequest(uint64_t id, uint32_t keep) {
  return impl_->Write(Bytes(internal::BackupRequestFrame(id, keep)));
}
Status Client::SendRaw(std::span<const uint8_t> bytes) { return impl_->Write(bytes); }
base::Result<Answer> Client::Receive() { return impl_->Receive(); }

}  // namespace server
