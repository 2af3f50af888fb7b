// The load generator (load.h): Boost.Asio over OpenSSL, every connection on one io_context run
// by the calling thread. Every call uses its error_code form, so nothing here throws.

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <utility>

#include "server/internal/client_tls.h"
#include "server/internal/frame.h"
#include "server/load.h"

namespace server {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using base::Status;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

// How long a finished connection waits for the server's TLS goodbye before it just closes.
constexpr auto kGoodbyeTimeout = std::chrono::seconds(1);

// What all connections share.
struct Run {
  explicit Run(const LoadPlan& load_plan)
      : plan(load_plan),
        tls(ssl::context::tls_client),
        start(Clock::now()),
        end(start + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(load_plan.duration_s))),
        last_end(start) {}

  // Records the first failure and stops the loop.
  void Fail(Status status) {
    if (failure.ok()) failure = std::move(status);
    io.stop();
  }

  const LoadPlan& plan;
  asio::io_context io;
  ssl::context tls;
  std::string host;
  const Clock::time_point start;
  const Clock::time_point end;  // No command is sent after it.
  Clock::time_point last_end;   // When the last connection to finish had all its answers.
  Status failure;
};

// One trader connection: connects, sends its first command and waits for its answer, then keeps
// its window full until the end, and says goodbye once every command is answered. Commands due
// and fitting the window go out in one write; every answer that arrived in one read is taken
// before the next write, as a trading client would.
class Connection {
 public:
  Connection(Run* run, size_t index)
      : run_(run),
        index_(index),
        client_id_(run->plan.client_id(index)),
        stream_(run->io, run->tls),
        timer_(run->io) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start(const tcp::resolver::results_type& endpoints);
  const LoadResult& tally() const { return tally_; }

 private:
  void OnConnected(const ErrorCode& ec);
  void OnHandshake(const ErrorCode& ec);
  void Read();
  void OnRead(const ErrorCode& ec, size_t bytes);
  Status OnAnswer(const Answer& answer);
  // Sends what is due and fits the window, or arms the timer for the next paced command; ends
  // the connection once the run is over and nothing is in flight.
  void Fill();
  void Send(std::string frames);
  void End();
  void Goodbye();  // TLS close_notify, then close.
  Clock::time_point Due(uint64_t k) const;
  Status Failure(std::string_view what, const ErrorCode& ec) const {
    return Status::IOError("load",
                           fmt::format("connection {}: {}: {}", index_, what, ec.message()));
  }

  Run* const run_;
  const size_t index_;
  const std::string client_id_;
  ssl::stream<tcp::socket> stream_;
  asio::steady_timer timer_;  // The next paced command; then the goodbye's deadline.
  internal::FrameReader answers_{internal::kMaxAnswerBytes, internal::kClientReadBytes};
  std::string out_;  // The frames being written.
  bool writing_ = false;
  bool reading_ = false;
  bool started_ = false;  // The first command was answered.
  bool ended_ = false;
  Clock::time_point start_;  // Of the timed commands: when the first command was answered.
  uint64_t k_ = 0;           // Timed commands sent.
  // In flight: request id and send time, in the order sent. Answers come in that order, except
  // that a refusal (busy) may overtake: each is timed against its own send.
  std::deque<std::pair<uint64_t, Clock::time_point>> sent_;
  LoadResult tally_;
};

void Connection::Start(const tcp::resolver::results_type& endpoints) {
  ErrorCode ec;
  stream_.set_verify_mode(ssl::verify_peer, ec);
  if (run_->plan.client.verify_host) {
    stream_.set_verify_callback(ssl::host_name_verification(run_->host), ec);
  }
  asio::async_connect(stream_.lowest_layer(), endpoints,
                      [this](const ErrorCode& ec, const tcp::endpoint&) { OnConnected(ec); });
}

void Connection::OnConnected(const ErrorCode& ec) {
  if (ec) return run_->Fail(Failure("cannot connect", ec));
  ErrorCode ignored;
  stream_.lowest_layer().set_option(tcp::no_delay(true), ignored);
  stream_.async_handshake(ssl::stream_base::client,
                          [this](const ErrorCode& ec) { OnHandshake(ec); });
}

void Connection::OnHandshake(const ErrorCode& ec) {
  if (ec) return run_->Fail(Failure("TLS handshake failed", ec));
  sent_.emplace_back(0, Clock::now());
  Send(internal::CommandFrame(0, client_id_, 1, run_->plan.first_command(index_)));
  Read();
}

void Connection::Read() {
  const std::span<uint8_t> room = answers_.Room();
  reading_ = true;
  stream_.async_read_some(asio::buffer(room.data(), room.size()),
                          [this](const ErrorCode& ec, size_t bytes) { OnRead(ec, bytes); });
}

void Connection::OnRead(const ErrorCode& ec, size_t bytes) {
  reading_ = false;
  if (ended_) return Goodbye();  // End cancelled this read.
  if (ec) {
    return run_->Fail(Failure(
        answers_.buffered() == 0 ? "connection closed" : "connection closed mid-frame", ec));
  }
  answers_.Filled(bytes);
  while (true) {
    auto body = answers_.Next();
    if (!body.ok()) return run_->Fail(body.status());
    if (body->empty()) break;
    auto answer = internal::DecodeAnswer(*body);
    if (!answer.ok()) return run_->Fail(answer.status());
    Status handled = OnAnswer(*answer);
    if (!handled.ok()) return run_->Fail(std::move(handled));
  }
  Fill();
  if (!ended_) Read();
}

Status Connection::OnAnswer(const Answer& answer) {
  auto it = std::find_if(sent_.begin(), sent_.end(),
                         [&](const auto& entry) { return entry.first == answer.id; });
  if (it == sent_.end()) {
    return Status::Corruption(
        "load", fmt::format("connection {}: an answer to request {}, which is not in flight",
                            index_, answer.id));
  }
  const Clock::time_point now = Clock::now();
  if (!started_) {  // The first command, alone in flight.
    if (answer.kind == Answer::Kind::kRefused) {
      return Status::InvalidArgument(
          "load", fmt::format("connection {}: its first command was refused ({}: {})", index_,
                              answer.reason, answer.detail));
    }
    sent_.erase(it);
    started_ = true;
    start_ = now;
    return Status::OK();
  }
  tally_.latency_us.push_back(
      std::chrono::duration_cast<std::chrono::microseconds>(now - it->second).count());
  sent_.erase(it);
  ++tally_.answered;
  if (answer.kind == Answer::Kind::kRefused) {
    ++tally_.refused;
    tally_.busy += answer.reason == "busy" ? 1 : 0;
  }
  tally_.rejected += answer.kind == Answer::Kind::kRejected ? 1 : 0;
  return Status::OK();
}

Clock::time_point Connection::Due(uint64_t k) const {
  const double per_connection = run_->plan.rate / static_cast<double>(run_->plan.connections);
  return start_ + std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double>(static_cast<double>(k) / per_connection));
}

void Connection::Fill() {
  if (!started_ || ended_ || writing_) return;
  const Clock::time_point now = Clock::now();
  if (now >= run_->end) {
    if (sent_.empty()) End();
    return;
  }
  const bool paced = run_->plan.rate > 0;
  std::string frames;
  while (sent_.size() < run_->plan.window && (!paced || Due(k_) <= now)) {
    frames += internal::CommandFrame(k_ + 1, client_id_, k_ + 2, run_->plan.command(index_, k_));
    sent_.emplace_back(k_ + 1, now);
    ++k_;
  }
  if (!frames.empty()) return Send(std::move(frames));
  if (paced && sent_.size() < run_->plan.window) {  // The next command is not due yet.
    timer_.expires_at(std::min(Due(k_), run_->end));
    timer_.async_wait([this](const ErrorCode& ec) {
      if (!ec) Fill();
    });
  }
}

void Connection::Send(std::string frames) {
  out_ = std::move(frames);
  writing_ = true;
  asio::async_write(stream_, asio::buffer(out_), [this](const ErrorCode& ec, size_t) {
    writing_ = false;
    if (ec) return run_->Fail(Failure("send failed", ec));
    Fill();
  });
}

void Connection::End() {
  ended_ = true;
  run_->last_end = std::max(run_->last_end, Clock::now());
  timer_.cancel();
  if (!reading_) return Goodbye();
  ErrorCode ignored;
  stream_.lowest_layer().cancel(ignored);  // OnRead says goodbye.
}

void Connection::Goodbye() {
  timer_.expires_after(kGoodbyeTimeout);
  timer_.async_wait([this](const ErrorCode& ec) {
    ErrorCode ignored;
    if (!ec) stream_.lowest_layer().close(ignored);
  });
  stream_.async_shutdown([this](const ErrorCode&) {
    ErrorCode ignored;
    timer_.cancel();
    stream_.lowest_layer().close(ignored);
  });
}

}  // namespace

base::Result<LoadResult> RunLoad(const LoadPlan& plan) {
  if (plan.connections == 0 || plan.window == 0 || !(plan.duration_s > 0)) {
    return Status::InvalidArgument("load", "connections, window and duration must be > 0");
  }
  Run run(plan);
  BACKSTOP_RETURN_IF_ERROR(internal::ConfigureClientTls(plan.client, &run.tls));
  std::string port;
  BACKSTOP_RETURN_IF_ERROR(internal::SplitAddress(plan.client.address, &run.host, &port));
  tcp::resolver resolver(run.io);
  ErrorCode ec;
  const auto endpoints = resolver.resolve(run.host, port, ec);
  if (ec) return Status::IOError("load", "cannot resolve " + plan.client.address);
  std::vector<std::unique_ptr<Connection>> connections;
  for (size_t i = 0; i < plan.connections; ++i) {
    connections.push_back(std::make_unique<Connection>(&run, i));
    connections.back()->Start(endpoints);
  }
  run.io.run();
  if (!run.failure.ok()) return run.failure;
  LoadResult total;
  total.seconds = std::chrono::duration<double>(run.last_end - run.start).count();
  for (const auto& connection : connections) {
    const LoadResult& tally = connection->tally();
    total.answered += tally.answered;
    total.refused += tally.refused;
    total.busy += tally.busy;
    total.rejected += tally.rejected;
    total.latency_us.insert(total.latency_us.end(), tally.latency_us.begin(),
                            tally.latency_us.end());
  }
  std::sort(total.latency_us.begin(), total.latency_us.end());
  return total;
}

}  // namespace server
