// `backstop serve` and `backstop submit`: the network gateway in front of the sequencer and
// its client, the network twin of `ingest`.

#include "cli/serve_commands.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/input_json.h"
#include "engine/rejection.h"
#include "ledger/keys.h"
#include "replay/sequencer.h"
#include "server/client.h"
#include "server/server.h"

namespace cli {
namespace {

constexpr size_t kMaxLineBytes = 1 << 20;

void LogLine(std::string_view line) {
  const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  fmt::print(stderr, "{:%Y-%m-%dT%H:%M:%S}Z serve: {}\n", now, line);
  std::fflush(stderr);
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
  ledger::Status stopped = (*server)->Run();
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

// Waits for the answer to the oldest command in flight. A "busy" refusal sends it again.
ledger::Status ReceiveOne(server::Client& client, const SubmitOptions& options,
                          const std::string& client_id, std::deque<Pending>* in_flight,
                          SubmitTally* tally) {
  auto answer = client.Receive();
  if (!answer.ok()) return answer.status();
  if (in_flight->empty() || answer->id != in_flight->front().line) {
    return ledger::Status::Corruption("submit",
                                      fmt::format("answer for line {} out of order", answer->id));
  }
  Pending pending = std::move(in_flight->front());
  in_flight->pop_front();
  if (answer->kind == server::Answer::Kind::kRefused && answer->reason == "busy") {
    LEDGER_RETURN_IF_ERROR(
        client.SendCommand(pending.line, client_id, pending.line, pending.input));
    in_flight->push_back(std::move(pending));
    return ledger::Status::OK();
  }
  tally->accepted += answer->kind == server::Answer::Kind::kAccepted ? 1 : 0;
  tally->rejected += answer->kind == server::Answer::Kind::kRejected ? 1 : 0;
  tally->refused += answer->kind == server::Answer::Kind::kRefused ? 1 : 0;
  PrintAnswer(*answer, options.json);
  return ledger::Status::OK();
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
    auto input = line.size() > kMaxLineBytes
                     ? ledger::Result<engine::Input>(
                           ledger::Status::InvalidArgument("input", "line too long"))
                     : ParseInputJson(line);
    if (!input.ok()) {
      fmt::print(stderr, "line {}: not sent: {}\n", number, input.status().detail());
      ++tally.bad_lines;
      continue;
    }
    ledger::Status sent = (*client)->SendCommand(number, client_id, number, *input);
    if (!sent.ok()) return Fail(sent);
    in_flight.push_back({number, std::move(*input)});
    while (in_flight.size() >= window) {
      ledger::Status received = ReceiveOne(**client, options, client_id, &in_flight, &tally);
      if (!received.ok()) return Fail(received);
    }
  }
  while (!in_flight.empty()) {
    ledger::Status received = ReceiveOne(**client, options, client_id, &in_flight, &tally);
    if (!received.ok()) return Fail(received);
  }
  fmt::print(stderr, "submit: {} accepted, {} rejected by the engine, {} refused, {} bad lines\n",
             tally.accepted, tally.rejected, tally.refused, tally.bad_lines);
  return tally.refused == 0 && tally.bad_lines == 0 ? kExitOk : kExitFinding;
}

}  // namespace cli
