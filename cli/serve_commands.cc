// `backstop serve` and `backstop submit`: the network gateway in front of the sequencer and
// its client, the network twin of `ingest`.

#include "cli/serve_commands.h"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/strong_type_fmt.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/input_json.h"
#include "engine/rejection.h"
#include "ledger/keys.h"
#include "replay/sequencer.h"
#include "server/client.h"
#include "server/load.h"
#include "server/server.h"
#include "text/text.h"

namespace cli {
namespace {

constexpr size_t kMaxLineBytes = 1 << 20;

// serve's log: one line per connection event, refusal, reload and stop (never one per
// command), on stderr, stamped in UTC.
void LogLine(std::string_view line) {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto made = spdlog::stderr_logger_mt("serve");
    made->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ serve: %v", spdlog::pattern_time_type::utc);
    made->flush_on(spdlog::level::info);
    return made;
  }();
  logger->info("{}", line);
}

}  // namespace

int RunServe(const ServeOptions& options) {
  auto key = ledger::PrivateKey::LoadPem(options.key_file);
  if (!key.ok()) return Fail(key.status());
  replay::SequencerOptions sequencer_options;
  sequencer_options.signing_key = *key;
  sequencer_options.clock = ledger::RealTimeNs;
  sequencer_options.engine_options.verify_invariants = false;
  sequencer_options.snapshot_every_records = options.snapshot_every;
  sequencer_options.keep_snapshots = options.keep_snapshots;
  sequencer_options.checkpoint_file = options.checkpoint_file;
  sequencer_options.signer_threads = options.signers;
  // A daemon's stderr is its log: recovery of a long tail says how far it is, one line about
  // every 5 s, instead of a terminal progress line.
  auto last_logged = std::chrono::steady_clock::now();
  sequencer_options.recovery_progress = [&last_logged](uint64_t done, uint64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_logged < std::chrono::seconds(5)) return;
    last_logged = now;
    LogLine(fmt::format("recovering: {} / {} records replayed", text::FormatCount(done),
                        text::FormatCount(total)));
  };
  // Before any thread starts (it forks): a damaged table file is a finding, not an abort.
  if (base::Status tables = CheckTablesBeforeOpen(options.data_dir); !tables.ok()) {
    return Fail(tables);
  }
  std::vector<std::string> warnings;
  auto sequencer = replay::Sequencer::Open(replay::DataDir::At(options.data_dir),
                                           std::move(sequencer_options), &warnings);
  for (const std::string& warning : warnings) LogLine("warning: " + warning);
  if (!sequencer.ok()) return Fail(sequencer.status());
  LogLine(fmt::format("recovered: head seq {} ({} records replayed after snapshot {})",
                      (*sequencer)->log().head_seq(), (*sequencer)->recovered_records(),
                      (*sequencer)->recovered_from_snapshot()));
  server::ServerOptions server_options;
  server_options.listen = options.listen;
  server_options.tls_cert = options.tls_cert;
  server_options.tls_key = options.tls_key;
  server_options.client_ca = options.client_ca;
  server_options.roles_file = options.roles_file;
  server_options.http_listen = options.http_listen;
  server_options.backup_dir = options.backup_dir;
  server_options.backup_keep = options.backup_keep;
  server_options.max_connections = options.max_connections;
  server_options.max_inflight_per_connection = options.max_inflight;
  server_options.max_queued_commands = options.max_queue;
  server_options.handle_signals = true;
  server_options.log = LogLine;
  auto server = server::Server::Start(std::move(server_options), std::move(*sequencer));
  if (!server.ok()) return Fail(server.status());
  const size_t colon = options.listen.rfind(':');
  LogLine(fmt::format("listening on {}:{}", options.listen.substr(0, colon), (*server)->port()));
  if (!options.http_listen.empty()) {
    const size_t http_colon = options.http_listen.rfind(':');
    LogLine(fmt::format("http on {}:{}", options.http_listen.substr(0, http_colon),
                        (*server)->http_port()));
  }
  base::Status stopped = (*server)->Run();
  if (!stopped.ok()) return Fail(stopped);
  LogLine(fmt::format("stopped at head seq {}", (*server)->sequencer().log().head_seq()));
  return kExitOk;
}

namespace {

struct Pending {
  uint64_t line = 0;
  engine::Input input;
};

struct SubmitTally {
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t refused = 0;
  uint64_t bad_lines = 0;
};

void PrintAnswer(const server::Answer& answer, bool json) {
  if (json) {
    nlohmann::json row = {{"line", answer.id}, {"answer", server::AnswerKindName(answer.kind)}};
    if (answer.kind == server::Answer::Kind::kRefused) {
      row["reason"] = answer.reason;
      row["detail"] = answer.detail;
    } else {
      row["first_seq"] = answer.first_seq;
      row["last_seq"] = answer.last_seq;
      if (answer.kind == server::Answer::Kind::kRejected) row["rejection"] = answer.rejection;
      nlohmann::json records = nlohmann::json::array();
      for (const std::string& record : answer.records) {
        records.push_back(ledger::ToHex(std::span<const uint8_t>(
            reinterpret_cast<const uint8_t*>(record.data()), record.size())));
      }
      row["records"] = std::move(records);
    }
    fmt::print("{}\n", row.dump());
  } else if (answer.kind == server::Answer::Kind::kRefused) {
    fmt::print("refused {} {}: {}\n", answer.id, answer.reason, answer.detail);
  } else {
    fmt::print("{} {} {} {}", answer.kind == server::Answer::Kind::kAccepted ? "ack" : "rejected",
               answer.id, answer.first_seq, answer.last_seq);
    if (answer.kind == server::Answer::Kind::kRejected) {
      fmt::print(" {} ({})",
                 engine::RejectionName(static_cast<engine::Rejection>(answer.rejection)),
                 answer.rejection);
    }
    fmt::print("\n");
  }
  std::fflush(stdout);
}

// Waits for the next answer and matches it to its command in flight by id (a refusal can
// overtake the answers still waiting for their sync). A "busy" refusal sends it again.
base::Status ReceiveOne(server::Client& client, const SubmitOptions& options,
                        const std::string& client_id, std::deque<Pending>* in_flight,
                        SubmitTally* tally) {
  auto answer = client.Receive();
  if (!answer.ok()) return answer.status();
  if (answer->kind == server::Answer::Kind::kRefused && answer->id == 0) {
    // The connection itself is refused (unknownClient, malformed): the server closes it.
    return base::Status::InvalidArgument(
        "submit",
        fmt::format("the server refused the connection: {}: {}", answer->reason, answer->detail));
  }
  auto it = std::find_if(in_flight->begin(), in_flight->end(),
                         [&](const Pending& pending) { return pending.line == answer->id; });
  if (it == in_flight->end()) {
    return base::Status::Corruption(
        "submit", fmt::format("an answer for line {}, which is not in flight", answer->id));
  }
  Pending pending = std::move(*it);
  in_flight->erase(it);
  if (answer->kind == server::Answer::Kind::kRefused && answer->reason == "busy") {
    BACKSTOP_RETURN_IF_ERROR(
        client.SendCommand(pending.line, client_id, pending.line, pending.input));
    in_flight->push_back(std::move(pending));
    return base::Status::OK();
  }
  tally->accepted += answer->kind == server::Answer::Kind::kAccepted ? 1 : 0;
  tally->rejected += answer->kind == server::Answer::Kind::kRejected ? 1 : 0;
  tally->refused += answer->kind == server::Answer::Kind::kRefused ? 1 : 0;
  PrintAnswer(*answer, options.json);
  return base::Status::OK();
}

}  // namespace

int RunSubmit(const SubmitOptions& options) {
  std::ifstream file;
  if (options.input != "-") {
    file.open(options.input);
    if (!file) return Fail("cannot read " + options.input);
  }
  std::istream& in = options.input == "-" ? std::cin : file;
  std::string client_id = options.client_id;
  if (client_id.empty()) {
    client_id =
        options.input == "-" ? "stdin" : std::filesystem::path(options.input).filename().string();
  }
  if (client_id.size() > 64) return Fail("--client-id is longer than 64 bytes");
  server::ClientOptions client_options{options.connect, options.cert_file, options.key_file,
                                       options.ca_file};
  auto client = server::Client::Connect(client_options);
  if (!client.ok()) return Fail(client.status());
  const size_t window = std::max<size_t>(options.window, 1);
  std::deque<Pending> in_flight;
  SubmitTally tally;
  std::string line;
  for (uint64_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto input =
        line.size() > kMaxLineBytes
            ? base::Result<engine::Input>(base::Status::InvalidArgument("input", "line too long"))
            : ParseInputJson(line);
    if (!input.ok()) {
      fmt::print(stderr, "line {}: not sent: {}\n", number, input.status().detail());
      ++tally.bad_lines;
      continue;
    }
    base::Status sent = (*client)->SendCommand(number, client_id, number, *input);
    if (!sent.ok()) return Fail(sent);
    in_flight.push_back({number, std::move(*input)});
    while (in_flight.size() >= window) {
      base::Status received = ReceiveOne(**client, options, client_id, &in_flight, &tally);
      if (!received.ok()) return Fail(received);
    }
  }
  while (!in_flight.empty()) {
    base::Status received = ReceiveOne(**client, options, client_id, &in_flight, &tally);
    if (!received.ok()) return Fail(received);
  }
  fmt::print(stderr, "submit: {} accepted, {} rejected by the engine, {} refused, {} bad lines\n",
             tally.accepted, tally.rejected, tally.refused, tally.bad_lines);
  return tally.refused == 0 && tally.bad_lines == 0 ? kExitOk : kExitFinding;
}

namespace {

// The connection's k-th command (k from 0): a resting limit buy, then its cancel.
engine::Input LoadCommand(const LoadOptions& options, engine::AccountId account, uint64_t k) {
  const uint64_t order_id = k / 2 + 1;
  if (k % 2 == 1) return engine::CancelOrder{account, engine::OrderId{order_id}};
  return engine::PlaceOrder{account,
                            engine::MarketId{options.market},
                            engine::OrderId{order_id},
                            engine::Side::kBuy,
                            engine::OrderType::kLimit,
                            engine::TimeInForce::kGtc,
                            false,
                            engine::Price{options.price},
                            engine::Quantity{options.quantity}};
}

int64_t Percentile(const std::vector<int64_t>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const size_t at = std::min(sorted.size() - 1, static_cast<size_t>(fraction * sorted.size()));
  return sorted[at];
}

}  // namespace

int RunLoad(const LoadOptions& options) {
  if (options.traders == 0 || options.duration <= 0 || options.window == 0) {
    return Fail("--traders, --duration and --window must be > 0");
  }
  const auto account = [&](size_t connection) {
    return static_cast<engine::AccountId>(options.first_account + connection);
  };
  server::LoadPlan plan;
  plan.client = {options.connect, options.cert_file, options.key_file, options.ca_file};
  plan.connections = options.traders;
  plan.window = options.window;
  plan.rate = options.rate;
  plan.duration_s = options.duration;
  plan.client_id = [](size_t connection) {
    return fmt::format("load-{}-{}", getpid(), connection);
  };
  plan.first_command = [&](size_t connection) -> engine::Input {
    return engine::Deposit{account(connection), engine::AssetId{1}, engine::Money{options.deposit}};
  };
  plan.command = [&](size_t connection, uint64_t k) {
    return LoadCommand(options, account(connection), k);
  };
  auto result = server::RunLoad(plan);
  if (!result.ok()) return Fail("load: " + result.status().ToString());
  const server::LoadResult& total = *result;
  const double seconds = total.seconds;
  const double rate = static_cast<double>(total.answered) / seconds;
  const int64_t p50 = Percentile(total.latency_us, 0.50);
  const int64_t p99 = Percentile(total.latency_us, 0.99);
  const int64_t p999 = Percentile(total.latency_us, 0.999);
  if (options.json) {
    nlohmann::json out = {{"connections", options.traders},
                          {"seconds", seconds},
                          {"answered", total.answered},
                          {"per_second", rate},
                          {"refused", total.refused},
                          {"busy", total.busy},
                          {"rejected", total.rejected},
                          {"p50_us", p50},
                          {"p99_us", p99},
                          {"p999_us", p999}};
    fmt::print("{}\n", out.dump());
  } else {
    fmt::print(
        "{} connections, {:.1f} s: {} answered, {:.0f}/s ({} refused, {} busy, {} "
        "rejected by the engine); ack latency p50 {} us, p99 {} us, p999 {} us\n",
        options.traders, seconds, total.answered, rate, total.refused, total.busy, total.rejected,
        p50, p99, p999);
  }
  return kExitOk;
}

}  // namespace cli
