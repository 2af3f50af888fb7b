// The gateway (see server.h): Boost.Asio over OpenSSL, one I/O thread. This file sets the
// server up (listener, TLS context, signals, HTTP), runs and stops it; session.cc holds the
// connections. Every Asio call uses its error_code form, so nothing here throws.

#include <openssl/ssl.h>

#include <charconv>
#include <csignal>

#include "base/strong_type_fmt.h"
#include "server/internal/server_impl.h"

namespace server {

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
