// The subcommands that run the engine over the log: ingest, snapshot create, audit, replay.

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "base/strong_type_fmt.h"
#include "base/strong_type_json.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/event_json.h"
#include "cli/input_json.h"
#include "ledger/schema/event.capnp.h"
#include "replay/auditor.h"
#include "replay/recovery.h"
#include "replay/sequencer.h"

namespace cli {
namespace {

using ledger::SequenceNumber;

constexpr size_t kMaxLineBytes = 1 << 20;

base::Result<std::unique_ptr<replay::Sequencer>> OpenSequencer(const std::string& data_dir,
                                                               const std::string& key_file,
                                                               replay::SequencerOptions options) {
  auto key = ledger::PrivateKey::LoadPem(key_file);
  if (!key.ok()) return key.status();
  BACKSTOP_RETURN_IF_ERROR(CheckTablesBeforeOpen(data_dir));
  options.signing_key = *key;
  options.clock = ledger::RealTimeNs;
  options.engine_options.verify_invariants = false;
  std::vector<std::string> warnings;
  auto sequencer = [&] {
    text::ProgressLine line("recovering:", "records replayed (snapshot + the log after it)");
    options.recovery_progress = [&line](uint64_t done, uint64_t total) {
      line.Update(done, total);
    };
    return replay::Sequencer::Open(replay::DataDir::At(data_dir), options, &warnings);
  }();
  for (const std::string& warning : warnings) fmt::print(stderr, "warning: {}\n", warning);
  if (sequencer.ok() && (*sequencer)->log().head_seq() > ledger::SequenceNumber{0}) {
    const SequenceNumber snapshot = (*sequencer)->recovered_from_snapshot();
    fmt::print(
        stderr, "recovered: {} + {} records replayed and checked\n",
        snapshot == ledger::SequenceNumber{0} ? "genesis" : fmt::format("snapshot {}", snapshot),
        (*sequencer)->recovered_records());
  }
  return sequencer;
}

struct IngestSummary {
  uint64_t lines = 0;
  uint64_t commands = 0;
  uint64_t effects = 0;
  uint64_t refusals = 0;  // Commands the engine refused (business rejections).
  uint64_t bad_lines = 0;
  uint64_t first_bad_line = 0;
  double seconds = 0;  // Wall time, for the throughput line only (never hashed).
};

// Commands the engine refused whose groups are not yet durable (so not yet readable).
struct PendingRefusal {
  uint64_t line = 0;
  ledger::GroupRange range;
};

// Prints "line N: refused by the engine: <reason> (<code>)" on stderr for each pending refusal
// whose group is durable (all of them once the log is flushed), reading the reason from the
// logged orderRejected or inputRejected effect.
base::Status ReportRefusals(const ledger::EventLog& log, std::deque<PendingRefusal>* pending) {
  while (!pending->empty() && pending->front().range.last <= log.head_seq()) {
    const PendingRefusal refusal = pending->front();
    pending->pop_front();
    for (SequenceNumber seq = refusal.range.first + 1; seq <= refusal.range.last; ++seq) {
      BACKSTOP_ASSIGN_OR_RETURN(ledger::LogRecord record, log.Read(seq));
      const auto event = record.event();
      std::optional<uint16_t> code;
      if (event.which() == ledger::schema::Event::ORDER_REJECTED) {
        code = event.getOrderRejected().getReason();
      } else if (event.which() == ledger::schema::Event::INPUT_REJECTED) {
        code = event.getInputRejected().getReason();
      }
      if (!code) continue;
      fmt::print(stderr, "line {}: refused by the engine: {} ({})\n", refusal.line,
                 RejectionReasonName(*code), *code);
      break;
    }
  }
  return base::Status::OK();
}

void PrintIngestSummary(const IngestSummary& s, const ledger::EventLog& log, bool json) {
  const std::string head_hash = ledger::ToHex(log.head_hash());
  const double rate = s.seconds > 0 ? static_cast<double>(s.commands) / s.seconds : 0;
  if (json) {
    nlohmann::json out = {{"lines", s.lines},         {"commands", s.commands},
                          {"effects", s.effects},     {"refusals", s.refusals},
                          {"bad_lines", s.bad_lines}, {"head_seq", log.head_seq()},
                          {"head_hash", head_hash},   {"seconds", s.seconds}};
    fmt::print("{}\n", out.dump());
    return;
  }
  fmt::print("commands   {:>12}   (from {} lines)\n", s.commands, s.lines);
  fmt::print("effects    {:>12}\n", s.effects);
  fmt::print("refusals   {:>12}   (commands the engine refused; each named above)\n", s.refusals);
  fmt::print("bad lines  {:>12}{}\n", s.bad_lines,
             s.bad_lines ? fmt::format("   (first at line {})", s.first_bad_line) : "");
  fmt::print("head       seq {} hash {}\n", log.head_seq(), head_hash);
  fmt::print("durable    all {} commands synced ({:.0f} commands/s)\n", s.commands, rate);
}

}  // namespace

int RunIngest(const IngestOptions& options) {
  std::ifstream file;
  if (options.input != "-") {
    file.open(options.input);
    if (!file) return Fail("cannot read " + options.input);
  }
  std::istream& in = options.input == "-" ? std::cin : file;
  replay::SequencerOptions sequencer_options;
  sequencer_options.snapshot_every_records = options.snapshot_every;
  sequencer_options.keep_snapshots = options.keep_snapshots;
  sequencer_options.checkpoint_file = options.checkpoint_file;
  auto sequencer = OpenSequencer(options.data_dir, options.key_file, sequencer_options);
  if (!sequencer.ok()) return Fail(sequencer.status());
  std::mutex ack_mutex;  // Acks print from the writer thread.
  IngestSummary summary;
  std::deque<PendingRefusal> refusals;
  const auto start = std::chrono::steady_clock::now();
  std::string line;
  while (std::getline(in, line)) {
    ++summary.lines;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto input =
        line.size() > kMaxLineBytes
            ? base::Result<engine::Input>(base::Status::InvalidArgument("input", "line too long"))
            : ParseInputJson(line);
    if (!input.ok()) {
      fmt::print(stderr, "line {}: refused: {}\n", summary.lines, input.status().detail());
      if (summary.bad_lines++ == 0) summary.first_bad_line = summary.lines;
      if (options.skip_bad_lines) continue;
      break;
    }
    ledger::AppendCallback ack;
    if (options.acks) {
      ack = [&ack_mutex, line_number = summary.lines](
                const base::Status& status, ledger::GroupRange range, ledger::GroupValues) {
        if (!status.ok()) return;
        std::lock_guard<std::mutex> lock(ack_mutex);
        fmt::print("ack {} {} {}\n", line_number, range.first, range.last);
        std::fflush(stdout);
      };
    }
    auto submitted = (*sequencer)->Submit(*input, std::move(ack));
    if (!submitted.ok()) return Fail(submitted.status());
    ++summary.commands;
    summary.effects += submitted->effects;
    summary.refusals += submitted->refused ? 1 : 0;
    if (submitted->refused) refusals.push_back({summary.lines, submitted->range});
    base::Status reported = ReportRefusals((*sequencer)->log(), &refusals);
    if (!reported.ok()) return Fail(reported);
  }
  base::Status flushed = (*sequencer)->Flush();
  if (!flushed.ok()) return Fail(flushed);
  flushed = ReportRefusals((*sequencer)->log(), &refusals);
  if (!flushed.ok()) return Fail(flushed);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::lock_guard<std::mutex> lock(ack_mutex);
  PrintIngestSummary(summary, (*sequencer)->log(), options.json);
  return summary.bad_lines == 0 ? kExitOk : kExitFinding;
}

int RunSnapshotCreate(const SnapshotCreateOptions& options) {
  replay::SequencerOptions sequencer_options;
  sequencer_options.keep_snapshots = options.keep_snapshots;
  auto sequencer = OpenSequencer(options.data_dir, options.key_file, sequencer_options);
  if (!sequencer.ok()) return Fail(sequencer.status());
  auto seq = (*sequencer)->TakeSnapshot();
  if (!seq.ok()) return Fail(seq.status());
  fmt::print("snapshot of seq {} written to {}\n", *seq,
             replay::DataDir::At(options.data_dir).snapshots);
  return kExitOk;
}

}  // namespace cli
