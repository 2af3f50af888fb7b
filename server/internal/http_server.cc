// The HTTP transport (see http_server.h): Boost.Beast on one thread of its own. The Beast
// adapter: every call uses its error_code form, so nothing here throws.

#include "server/internal/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <map>
#include <thread>

#include "base/thread_name.h"

namespace server::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using base::Status;

// Limits: a request is a GET line and a few headers; an idle keep-alive connection is closed.
constexpr size_t kMaxRequestHeaderBytes = 8 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr size_t kMaxHttpConnections = 256;

class HttpSession;

class HttpServer::Impl {
 public:
  explicit Impl(HttpSources sources) : sources_(std::move(sources)), acceptor_(io_) {}
  Status Listen(const std::string& listen);
  void Accept();

  HttpSources sources_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::map<uint64_t, std::weak_ptr<HttpSession>> sessions_;  // I/O thread only.
  uint64_t next_session_ = 1;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(HttpServer::Impl* server, uint64_t id, tcp::socket socket)
      : server_(server), id_(id), stream_(std::move(socket)) {}

  void Read() {
    parser_.emplace();
    parser_->header_limit(kMaxRequestHeaderBytes);
    parser_->body_limit(0);
    stream_.expires_after(kIdleTimeout);
    auto self = shared_from_this();
    http::async_read(stream_, buffer_, *parser_,
                     [self](const beast::error_code& ec, size_t) { self->OnRead(ec); });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    server_->sessions_.erase(id_);
  }

 private:
  void OnRead(const beast::error_code& ec) {
    if (ec) return Close();
    const auto& request = parser_->get();
    const beast::string_view method = request.method_string();
    const beast::string_view target = request.target();
    HttpReply reply = Route(server_->sources_, std::string_view(method.data(), method.size()),
                            std::string_view(target.data(), target.size()));
    response_.emplace(static_cast<http::status>(reply.status), request.version());
    response_->set(http::field::server, "backstop");
    response_->set(http::field::content_type, reply.content_type);
    response_->keep_alive(request.keep_alive());
    if (request.method() == http::verb::head) {
      response_->content_length(reply.body.size());
    } else {
      response_->body() = std::move(reply.body);
      response_->prepare_payload();
    }
    auto self = shared_from_this();
    http::async_write(stream_, *response_, [self](const beast::error_code& error, size_t) {
      if (error || !self->response_->keep_alive()) return self->Close();
      self->Read();
    });
  }

  HttpServer::Impl* const server_;
  const uint64_t id_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
};

Status HttpServer::Impl::Listen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos)
    return Status::InvalidArgument("http", "not HOST:PORT: " + listen);
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  uint16_t port = 0;
  const std::string port_text = listen.substr(colon + 1);
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size()) {
    return Status::InvalidArgument("http", "bad port in " + listen);
  }
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument("http", "bad host in " + listen);
  const tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("http", "cannot listen on " + listen + ": " + ec.message());
  return Status::OK();
}

void HttpServer::Impl::Accept() {
  acceptor_.async_accept([this](const beast::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      if (sessions_.size() >= kMaxHttpConnections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        const uint64_t id = next_session_++;
        auto session = std::make_shared<HttpSession>(this, id, std::move(socket));
        sessions_[id] = session;
        session->Read();
      }
    }
    Accept();
  });
}

base::Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& listen,
                                                            HttpSources sources) {
  if (sources.log == nullptr || sources.metrics == nullptr) {
    return Status::InvalidArgument("http", "no log or metrics");
  }
  auto impl = std::make_unique<Impl>(std::move(sources));
  BACKSTOP_RETURN_IF_ERROR(impl->Listen(listen));
  impl->Accept();
  Impl* raw = impl.get();
  impl->thread_ = std::thread([raw] {
    base::NameThisThread("http");
    raw->io_.run();
  });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(); }

uint16_t HttpServer::port() const {
  beast::error_code ec;
  const tcp::endpoint endpoint = impl_->acceptor_.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void HttpServer::Stop() {
  if (!impl_->thread_.joinable()) return;
  asio::post(impl_->io_, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor_.close(ignored);
    std::vector<std::shared_ptr<HttpSession>> open;
    for (auto& [id, weak] : impl->sessions_) {
      if (auto session = weak.lock()) open.push_back(session);
    }
    for (auto& session : open) session->Close();
  });
  impl_->thread_.join();
}

}  // namespace server::internal
