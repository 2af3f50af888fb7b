// The log and key subcommands: keygen, init, log show/tail, verify, export --raw.

#include "cli/commands.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "backup/archive.h"
#include "base/strong_type_fmt.h"
#include "base/strong_type_json.h"
#include "cli/backup_commands.h"
#include "cli/common.h"
#include "cli/event_json.h"
#include "cli/trust.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "ledger/record.h"
#include "ledger/verifier.h"
#include "replay/data_dir.h"
#include "text/text.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

std::string EventType(ledger::schema::Event::Reader event) {
  capnp::DynamicStruct::Reader dynamic = event;
  KJ_IF_MAYBE (field, dynamic.which()) {
    return SnakeCase(field->getProto().getName().cStr());
  }
  return "unknown";
}

// The union member's fields, or nothing for an unknown member.
std::string EventFields(ledger::schema::Event::Reader event) {
  capnp::DynamicStruct::Reader dynamic = event;
  KJ_IF_MAYBE (field, dynamic.which()) {
    auto value = dynamic.get(*field);
    if (value.getType() == capnp::DynamicValue::STRUCT) {
      return StructToText(value.as<capnp::DynamicStruct>());
    }
  }
  return "";
}

std::string RecordLine(const ledger::LogRecord& record) {
  return fmt::format("{:>9}  {}  {:<22} {}", record.seq(), FormatTimeNs(record.time_ns()),
                     EventType(record.event()), EventFields(record.event()));
}

nlohmann::json RecordJson(const ledger::LogRecord& record) {
  nlohmann::json out = StructToJson(capnp::DynamicStruct::Reader(record.event()));
  out["seq"] = record.seq();
  out["time_ns"] = record.time_ns();
  out["time"] = FormatTimeNs(record.time_ns());
  out["group"] = record.group();
  out["key_id"] = ledger::ToHex(record.key_id());
  out["hash"] = ledger::ToHex(record.hash());
  out["prev_hash"] = ledger::ToHex(record.prev_hash());
  return out;
}

// Prints the records of [first, last] (last 0: to the head). Returns the last seq printed, or
// the Status that stopped it.
base::Result<ledger::SequenceNumber> PrintRange(const ledger::EventLog& log,
                                                ledger::SequenceNumber first,
                                                ledger::SequenceNumber last, bool json) {
  ledger::SequenceNumber printed{0};
  auto it = log.NewIterator(first, last);
  for (; it->Valid(); it->Next()) {
    auto record = ledger::DecodeRecord(it->value());
    if (!record.ok()) {
      return base::Status::Corruption(
          "log", fmt::format("seq {}: {}", it->key_seq(), record.status().message()));
    }
    if (json) {
      fmt::print("{}\n", RecordJson(*record).dump());
    } else {
      fmt::print("{}\n", RecordLine(*record));
    }
    printed = record->seq();
  }
  if (!it->status().ok()) return it->status();
  return printed;
}

base::Status WriteFile(const std::string& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return base::Status::IOError("export", "cannot write " + path);
  return base::Status::OK();
}

}  // namespace

std::string LogDir(const std::string& data_dir) { return replay::DataDir::At(data_dir).log; }

std::string KeyringDir(const std::string& data_dir) {
  return replay::DataDir::At(data_dir).keyring;
}

int RunKeygen(const KeygenOptions& options) {
  auto key = ledger::PrivateKey::Generate();
  if (!key.ok()) return Fail(key.status());
  const std::string private_path = options.out + ".key.pem";
  const std::string public_path = options.out + ".pub.pem";
  base::Status status = key->SavePem(private_path);
  if (!status.ok()) return Fail(status);
  status = key->public_key().SavePem(public_path);
  if (!status.ok()) return Fail(status);
  fmt::print("key id       {}\nprivate key  {} (mode 0600: keep it secret)\npublic key   {}\n",
             ledger::ToHex(key->key_id()), private_path, public_path);
  return kExitOk;
}

int RunInit(const InitOptions& options) {
  auto key = ledger::PrivateKey::LoadPem(options.key_file);
  if (!key.ok()) return Fail(key.status());
  std::error_code error;
  fs::create_directories(options.data_dir, error);
  if (error) return Fail("cannot create " + options.data_dir + ": " + error.message());
  if (fs::exists(LogDir(options.data_dir))) {
    // An init that was interrupted left a folder that says so when opened.
    auto existing = OpenReadOnlyChecked(options.data_dir);
    if (!existing.ok()) return Fail(existing.status());
    return Fail("a log already exists in " + options.data_dir);
  }
  ledger::LogOptions log_options;
  log_options.signing_key = *key;
  log_options.clock = ledger::RealTimeNs;
  log_options.signing = options.signing;
  auto log = ledger::EventLog::Create(LogDir(options.data_dir), std::move(log_options));
  if (!log.ok()) return Fail(log.status());
  fs::create_directories(KeyringDir(options.data_dir), error);
  if (error) return Fail("cannot create the keyring: " + error.message());
  const std::string key_id = ledger::ToHex(key->key_id());
  const std::string public_path = (fs::path(KeyringDir(options.data_dir)) / (key_id + ".pem"));
  base::Status status = key->public_key().SavePem(public_path);
  if (!status.ok()) return Fail(status);
  fmt::print(
      "created log  {}\nchain id     {}\norigin       {} (names its checkpoints)\nsigning      {}\n"
      "signing key  {} (public key {})\n",
      LogDir(options.data_dir), ledger::ToHex((*log)->chain_id()), (*log)->origin(),
      options.signing == ledger::SigningMode::kCheckpoint
          ? "checkpoint (one signed checkpoint per group commit; records unsigned)"
          : "every (every record signed, and a checkpoint per group commit)",
      key_id, public_path);
  return kExitOk;
}

int RunLogShow(const LogShowOptions& options) {
  auto range = text::ParseSeqRange(options.range);
  if (!range.ok()) return Fail(range.status());
  const uint64_t first = range->first;
  const uint64_t last = range->last;
  auto log = OpenReadOnly(options.data_dir);
  if (!log.ok()) return Fail(log.status());
  const uint64_t head = (*log)->head_seq().value();
  if (first > head) {
    return Fail(fmt::format("seq {} is beyond the head of the log (seq {})", first, head));
  }
  auto printed =
      PrintRange(**log, ledger::SequenceNumber{first}, ledger::SequenceNumber{last}, options.json);
  if (!printed.ok()) return Fail(printed.status());
  return kExitOk;
}

int RunLogTail(const LogTailOptions& options) {
  ledger::SequenceNumber next{0};
  while (true) {
    auto log = OpenReadOnly(options.data_dir);
    if (!log.ok()) return Fail(log.status());
    const ledger::SequenceNumber head = (*log)->head_seq();
    if (next == ledger::SequenceNumber{0}) {
      next = head.value() > options.count ? head - options.count + 1 : ledger::SequenceNumber{1};
    }
    if (head >= next) {
      auto printed = PrintRange(**log, next, head, options.json);
      if (!printed.ok()) return Fail(printed.status());
      next = head + 1;
    }
    if (!options.follow) return kExitOk;
    std::fflush(stdout);
    log->reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

namespace {

// What the default mode checks, for the report.
std::string SignatureScope(const ledger::EventLog& log, bool all_signatures) {
  if (!log.has_tree()) {
    return all_signatures ? "every record" : "last record of every group commit, and the head";
  }
  if (log.signing_mode() == ledger::SigningMode::kCheckpoint) {
    return "the checkpoint of every group commit; records carry none";
  }
  return all_signatures ? "every record, and every checkpoint"
                        : "every checkpoint, and the last record of every group commit";
}

// `first_seq`: the first seq checked (above 1 for an archive of a range).
void PrintVerifyReport(const ledger::EventLog& log, const ledger::VerifyReport& report,
                       bool all_signatures, const Trust& trust, bool json,
                       ledger::SequenceNumber first_seq = ledger::SequenceNumber{1}) {
  if (json) {
    nlohmann::json out = {{"ok", report.ok},
                          {"format_version", log.format_version()},
                          {"signing", ledger::SigningModeName(log.signing_mode())},
                          {"records_checked", report.records_checked},
                          {"signatures_checked", report.signatures_checked},
                          {"checkpoints_checked", report.checkpoints_checked},
                          {"all_signatures", all_signatures},
                          {"first_seq", first_seq},
                          {"head_seq", report.head_seq},
                          {"head_hash", ledger::ToHex(report.head_hash)},
                          {"chain_id", ledger::ToHex(log.chain_id())},
                          {"trust", TrustJson(trust)}};
    if (!report.ok) {
      out["first_bad_seq"] = report.first_bad_seq;
      out["message"] = report.message;
    }
    fmt::print("{}\n", out.dump());
    return;
  }
  if (!report.ok) {
    fmt::print("FAILED  {}\n", report.message);
    if (report.first_bad_seq != ledger::SequenceNumber{0})
      fmt::print("first bad seq  {}\n", report.first_bad_seq);
    fmt::print("records checked before it  {}\n", report.records_checked);
    return;
  }
  fmt::print("OK  {} records: seqs dense, records canonical, hash chain intact\n",
             report.records_checked);
  fmt::print("    {} signatures valid ({})\n", report.signatures_checked,
             SignatureScope(log, all_signatures));
  if (log.has_tree()) {
    fmt::print(
        "    {} checkpoints match the Merkle tree recomputed from the records; every "
        "stored tree node checked\n",
        report.checkpoints_checked);
  }
  fmt::print("    head seq {} hash {}\n", report.head_seq, ledger::ToHex(report.head_hash));
  fmt::print("    log {} (format {}, signed by {})\n", log.origin(), log.format_version(),
             log.has_tree() ? ledger::SigningModeName(log.signing_mode()) : "every record");
}

}  // namespace

int RunVerify(const VerifyCommandOptions& given) {
  VerifyCommandOptions options = given;
  std::unique_ptr<backup::UnpackedArchive> archive;
  auto data_dir = DataDirOrArchive(given.data_dir, given.archive, &archive, /*indexes=*/false);
  if (!data_dir.ok()) return Fail(data_dir.status());
  options.data_dir = *data_dir;
  auto trust = LoadTrust(options.trust, options.data_dir);
  if (!trust.ok()) return Fail(trust.status());
  WarnIfUnpinned(*trust);
  auto log = OpenReadOnlyChecked(options.data_dir);
  if (!log.ok()) {
    if (log.status().IsNotFound()) return Fail(log.status());
    fmt::print("FAILED  the log does not open: {}\n", log.status().message());
    return kExitFinding;
  }
  if (std::string finding = CheckChain(*trust, **log); !finding.empty()) {
    ledger::VerifyReport report;
    report.first_bad_seq = ledger::SequenceNumber{1};
    report.message = finding;
    PrintVerifyReport(**log, report, options.all_signatures, *trust, options.json);
    return kExitFinding;
  }
  ledger::VerifyOptions verify_options;
  verify_options.all_signatures = options.all_signatures;
  // A range's anchor (record first - 1) is trusted as the chain's start, as for a segment.
  if (archive) verify_options.first = archive->summary().first_seq;
  ProgressLine progress("verified");
  if (!options.json) {
    verify_options.progress = [&progress](uint64_t done, uint64_t total) {
      progress.Update(done, total);
    };
  }
  const ledger::VerifyReport report = ledger::Verify(**log, trust->keyring, verify_options);
  PrintVerifyReport(**log, report, options.all_signatures, *trust, options.json,
                    verify_options.first);
  if (archive && verify_options.first > ledger::SequenceNumber{1} && report.ok && !options.json) {
    fmt::print(
        "    archive of records {}..{}: its anchor, record {}, starts the chain{}; the records "
        "after it and {} vouch for it\n",
        verify_options.first, report.head_seq, verify_options.first - 1,
        (*log)->has_tree() ? " and the tree" : "",
        (*log)->has_tree() ? "the signed checkpoints" : "their signatures");
  }
  return report.ok ? kExitOk : kExitFinding;
}

int RunExportRaw(const ExportRawOptions& options) {
  auto log = OpenReadOnly(options.data_dir);
  if (!log.ok()) return Fail(log.status());
  auto record = (*log)->Read(ledger::SequenceNumber{options.seq});
  if (!record.ok()) return Fail(record.status());
  const ledger::DomainTag tag = (*log)->domain_tag();
  std::vector<std::pair<std::string, std::span<const uint8_t>>> files = {
      {".record.bin", record->record_bytes()},
      {".envelope.bin", record->envelope_bytes()},
      {".prev.bin", record->prev_hash()},
      {".hash.bin", record->hash()},
      {".tag.bin", tag}};
  // A log signed by checkpoints has none: `backstop proof` exports what vouches for the record.
  if (record->has_signature()) files.emplace_back(".sig.bin", record->signature());
  for (const auto& [suffix, bytes] : files) {
    base::Status status = WriteFile(options.out + suffix, bytes);
    if (!status.ok()) return Fail(status);
  }
  nlohmann::json manifest = RecordJson(*record);
  manifest["chain_id"] = ledger::ToHex((*log)->chain_id());
  manifest["public_key"] =
      (fs::path(KeyringDir(options.data_dir)) / (ledger::ToHex(record->key_id()) + ".pem"));
  std::ofstream(options.out + ".json") << manifest.dump(2) << "\n";
  for (const auto& [suffix, bytes] : files) {
    fmt::print("{:<40} {:>6} bytes\n", options.out + suffix, bytes.size());
  }
  fmt::print(
      "{:<40} record metadata (JSON)\nsee docs/AUDIT.md to check it with capnp and "
      "openssl\n",
      options.out + ".json");
  if (!record->has_signature()) {
    fmt::print(
        "this log is signed by checkpoints: `backstop proof {} --out {}` exports the "
        "inclusion proof and signed checkpoint that vouch for it\n",
        options.seq, options.out);
  }
  return kExitOk;
}

}  // namespace cli
