// `backstop backup create|list|verify` and `backstop restore`.

#include "cli/backup_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "backup/archive.h"
#include "backup/backup.h"
#include "base/strong_type_fmt.h"
#include "base/strong_type_json.h"
#include "cli/common.h"
#include "cli/trust.h"
#include "replay/auditor.h"
#include "server/client.h"

namespace cli {

namespace {

std::string Time(int64_t seconds) { return text::FormatTimeSeconds(seconds * 1'000'000'000); }

nlohmann::json InfoJson(const backup::BackupInfo& info) {
  return {{"id", info.id},
          {"complete", info.complete},
          {"head_seq", info.head_seq},
          {"head_hash", ledger::ToHex(info.head_hash)},
          {"time", Time(info.time_s) + "Z"},
          {"size_bytes", info.size_bytes},
          {"rocksdb_files", info.rocks_files},
          {"snapshots", info.snapshots},
          {"chain_id", ledger::ToHex(info.chain_id)},
          {"source", info.source},
          {"problem", info.problem}};
}

// The newest backup's id when `id` is 0.
base::Result<uint32_t> ResolveId(const std::string& backup_dir, uint32_t id) {
  if (id != 0) return id;
  BACKSTOP_ASSIGN_OR_RETURN(auto list, backup::ListBackups(backup_dir));
  if (list.empty()) return base::Status::NotFound("backup", "no backup in " + backup_dir);
  return list.back().id;
}

// Audits the restored directory as `audit --data NEW_DIR` does; prints one line per finding.
int AuditRestored(const RestoreCommandOptions& options, nlohmann::json* json) {
  auto trust = LoadTrust(options.trust, options.new_dir);
  if (!trust.ok()) return Fail(trust.status());
  WarnIfUnpinned(*trust);
  auto log = OpenReadOnly(options.new_dir);
  if (!log.ok()) return Fail(log.status());
  replay::AuditReport report;
  if (std::string finding = CheckChain(*trust, **log); !finding.empty()) {
    report.findings.push_back({ledger::SequenceNumber{1}, finding, "", ""});
  } else {
    ProgressLine progress("audited");
    replay::AuditOptions audit_options;
    audit_options.engine_options.verify_invariants = false;  // As `audit` without its flag.
    if (!options.json) {
      audit_options.progress = [&progress](uint64_t done, uint64_t total) {
        progress.Update(done, total);
      };
    }
    auto audited =
        replay::Audit(**log, replay::DataDir::At(options.new_dir), trust->keyring, audit_options);
    if (!audited.ok()) return Fail(audited.status());
    report = std::move(audited).value();
  }
  (*json)["audit"] = {{"ok", report.ok()},
                      {"records_replayed", report.records_replayed},
                      {"snapshots_checked", report.snapshots_checked},
                      {"indexes_checked", report.indexes_checked},
                      {"trust", TrustJson(*trust)}};
  if (!options.json && report.ok()) {
    fmt::print(
        "audit      OK: {} records re-derived byte for byte, chain, signatures, "
        "checkpoints, {} snapshots and every index checked (as backstop audit --data {})\n",
        report.records_replayed, report.snapshots_checked, options.new_dir);
  }
  for (const auto& f : report.findings) {
    (*json)["audit"]["findings"].push_back({{"seq", f.seq}, {"what", f.what}});
    if (!options.json) {
      fmt::print("audit      FINDING{}  {}\n",
                 f.seq != ledger::SequenceNumber{0} ? fmt::format(" at seq {}", f.seq) : "",
                 f.what);
    }
  }
  return report.ok() ? kExitOk : kExitFinding;
}

void PrintRestored(const RestoreCommandOptions& options, const backup::RestoreResult& result) {
  fmt::print("restored   backup {} of {} (taken {}Z, head seq {}) into {}\n", result.backup.id,
             result.backup.source, Time(result.backup.time_s), result.backup.head_seq,
             options.new_dir);
  if (options.to_seq) {
    fmt::print("cut        seq {} is in the group ending at seq {}; ", *options.to_seq,
               result.group_end);
    if (result.signed_head) {
      fmt::print(
          "it ends inside a group commit, so the restored head's checkpoint was signed "
          "now with --key (the records and every earlier checkpoint are the originals)\n");
    } else if (result.head_seq == result.group_end) {
      fmt::print("its group commit ends there too: restored up to it\n");
    } else {
      fmt::print(
          "that group was committed (and its checkpoint signed) with others up to "
          "seq {}, so the log is restored to seq {}\n",
          result.head_seq, result.head_seq);
    }
  }
  fmt::print("head       seq {} hash {}; {} snapshots, keyring{}\n", result.head_seq,
             ledger::ToHex(result.head_hash), result.snapshots,
             result.backup.format_version >= 2 ? ", " + options.new_dir + "/checkpoint" : "");
  if (result.original_head) {
    fmt::print(
        "original   {} is at seq {}: the restored log is {} records behind it\n",
        result.backup.source, *result.original_head,
        *result.original_head > result.head_seq ? *result.original_head - result.head_seq : 0);
  } else {
    fmt::print("original   {} does not open: how far behind it is unknown\n", result.backup.source);
  }
}

}  // namespace

namespace {

// What `backup create` prints, locally or for a server's backup into `backup_dir`.
int PrintCreated(const BackupCreateOptions& options, const backup::CreateResult& result,
                 const std::string& backup_dir, uint32_t keep) {
  if (options.json) {
    nlohmann::json out = InfoJson(result.info);
    out["added_bytes"] = result.added_bytes;
    out["deleted"] = result.deleted;
    fmt::print("{}\n", out.dump());
    return kExitOk;
  }
  const backup::BackupInfo& info = result.info;
  fmt::print("backup {} of {}: head seq {} hash {}\n", info.id, info.source, info.head_seq,
             ledger::ToHex(info.head_hash));
  fmt::print("{} bytes in {} RocksDB files and {} snapshots; {} bytes new in {}\n",
             text::FormatCount(info.size_bytes), info.rocks_files, info.snapshots,
             text::FormatCount(result.added_bytes), backup_dir);
  for (uint32_t id : result.deleted) fmt::print("deleted backup {} (--keep {})\n", id, keep);
  return kExitOk;
}

// `bytes` from the wire into a hash or chain id; false if the size is wrong.
template <size_t N>
bool CopyHash(const std::string& bytes, std::array<uint8_t, N>* out) {
  if (bytes.size() != out->size()) return false;
  std::copy(bytes.begin(), bytes.end(), out->begin());
  return true;
}

// The network form: the server backs up its live log into its --backup-dir.
int RunBackupCreateRemote(const BackupCreateOptions& options) {
  if (options.cert_file.empty() || options.key_file.empty()) {
    return Fail("--connect needs --cert and --key (an operator's certificate)");
  }
  auto client = server::Client::Connect(
      {options.connect, options.cert_file, options.key_file, options.ca_file});
  if (!client.ok()) return Fail(client.status());
  base::Status sent = (*client)->SendBackupRequest(1, options.keep);
  if (!sent.ok()) return Fail(sent);
  auto answer = (*client)->Receive();
  if (!answer.ok()) return Fail(answer.status());
  if (answer->kind == server::Answer::Kind::kRefused) {
    return Fail(
        fmt::format("the server refused the backup: {}: {}", answer->reason, answer->detail));
  }
  if (answer->kind != server::Answer::Kind::kBackup || answer->id != 1) {
    return Fail(
        fmt::format("unexpected answer from the server: {}", server::AnswerKindName(answer->kind)));
  }
  const server::BackupDone& done = answer->backup;
  backup::CreateResult result;
  result.info.id = done.id;
  result.info.head_seq = ledger::SequenceNumber{done.head_seq};
  result.info.time_s = done.time_s;
  result.info.size_bytes = done.size_bytes;
  result.info.rocks_files = done.rocks_files;
  result.info.snapshots = done.snapshots;
  result.info.source = done.source;
  result.info.complete = true;
  if (!CopyHash(done.head_hash, &result.info.head_hash) ||
      !CopyHash(done.chain_id, &result.info.chain_id)) {
    return Fail("the server's backup answer has a hash or chain id of the wrong size");
  }
  result.added_bytes = done.added_bytes;
  result.deleted = done.deleted;
  return PrintCreated(options, result, done.backup_dir, done.keep);
}

}  // namespace

int RunBackupCreate(const BackupCreateOptions& options) {
  if (!options.connect.empty()) {
    if (!options.data_dir.empty() || !options.backup_dir.empty()) {
      return Fail(
          "give either --data DIR --to BACKUP_DIR (a log no other process holds) or --connect "
          "ADDR (a running server's live log, into its --backup-dir), not both");
    }
    return RunBackupCreateRemote(options);
  }
  if (options.data_dir.empty() || options.backup_dir.empty()) {
    return Fail("give --data DIR --to BACKUP_DIR, or --connect ADDR --cert F --key F");
  }
  if (!options.cert_file.empty() || !options.key_file.empty() || !options.ca_file.empty()) {
    return Fail("--cert, --key and --ca go with --connect");
  }
  // A table damaged now would be backed up with a matching checksum: refuse it here.
  if (base::Status tables = CheckTablesBeforeOpen(options.data_dir); !tables.ok()) {
    return Fail(tables);
  }
  auto log = ledger::EventLog::Open(LogDir(options.data_dir), ledger::LogOptions());
  if (!log.ok()) {
    if (log.status().IsBusy()) {
      return Fail(log.status().message() +
                  " (another process holds the log: stop it, or if it is `backstop serve` "
                  "started with --backup-dir, use backup create --connect)");
    }
    return Fail(log.status());
  }
  backup::CreateOptions create;
  create.keep = options.keep;
  auto result = backup::CreateBackup(**log, replay::DataDir::At(options.data_dir),
                                     options.backup_dir, create);
  if (!result.ok()) return Fail(result.status());
  return PrintCreated(options, *result, options.backup_dir, options.keep);
}

int RunBackupList(const BackupListOptions& options) {
  auto list = backup::ListBackups(options.backup_dir);
  if (!list.ok()) return Fail(list.status());
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& info : *list) out.push_back(InfoJson(info));
    fmt::print("{}\n", out.dump());
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& info : *list) {
    rows.push_back({std::to_string(info.id),
                    info.complete ? std::to_string(info.head_seq.value()) : "?",
                    info.complete ? ledger::ToHex(info.head_hash) : "incomplete: " + info.problem,
                    Time(info.time_s), text::FormatCount(info.size_bytes)});
  }
  fmt::print("{}", text::FormatTable({"id", "head seq", "head hash", "time (UTC)", "bytes"},
                                     {false, false, true, true, false}, rows));
  return kExitOk;
}

int RunBackupVerify(const BackupVerifyOptions& options) {
  auto id = ResolveId(options.backup_dir, options.id);
  if (!id.ok()) return Fail(id.status());
  std::optional<Trust> trust;
  auto keys = [&](const std::string& files_dir) -> base::Result<ledger::Keyring> {
    auto loaded = LoadTrust(options.trust, files_dir);
    if (!loaded.ok()) return loaded.status();
    WarnIfUnpinned(*loaded);
    trust = std::move(loaded).value();
    return trust->keyring;
  };
  ProgressLine progress("verified");
  backup::Progress on_progress;
  if (!options.json) {
    on_progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
  }
  auto report = backup::VerifyBackup(options.backup_dir, *id, keys, on_progress, CheckLogTables);
  progress.Clear();
  if (!report.ok()) return Fail(report.status());
  if (options.json) {
    fmt::print("{}\n", nlohmann::json({{"id", report->id},
                                       {"ok", report->ok},
                                       {"bad_file", report->bad_file},
                                       {"message", report->message},
                                       {"records_checked", report->chain.records_checked},
                                       {"checkpoints_checked", report->chain.checkpoints_checked},
                                       {"trust", trust ? TrustJson(*trust) : nullptr}})
                           .dump());
  } else if (report->ok) {
    fmt::print(
        "OK  backup {}: every file's CRC32c and SHA-256; {} records chained to head seq "
        "{}, {} signatures and {} checkpoints valid (as verify)\n",
        report->id, report->chain.records_checked, report->chain.head_seq,
        report->chain.signatures_checked, report->chain.checkpoints_checked);
  } else {
    fmt::print("FAILED  backup {}: {}\n", report->id, report->message);
    if (!report->bad_file.empty()) fmt::print("  damaged file  {}\n", report->bad_file);
  }
  return report->ok ? kExitOk : kExitFinding;
}

int RunRestore(const RestoreCommandOptions& options) {
  backup::RestoreOptions restore;
  restore.id = options.id;
  restore.check_tables = CheckLogTables;
  restore.to_seq = base::OptionalOf<ledger::SequenceNumber>(options.to_seq);
  if (!options.key_file.empty()) {
    auto key = ledger::PrivateKey::LoadPem(options.key_file);
    if (!key.ok()) return Fail(key.status());
    restore.sign_head = *key;
  }
  ProgressLine progress("copied");
  if (!options.json) {
    restore.progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
  }
  auto result = backup::Restore(options.backup_dir, options.new_dir, restore);
  progress.Clear();
  if (!result.ok()) {
    if (result.status().IsCorruption()) {
      fmt::print("FAILED  the backup is damaged; nothing was restored: {}\n",
                 result.status().message());
      return kExitFinding;
    }
    return Fail(result.status());
  }
  nlohmann::json out = {{"backup", InfoJson(result->backup)},
                        {"head_seq", result->head_seq},
                        {"head_hash", ledger::ToHex(result->head_hash)},
                        {"snapshots", result->snapshots},
                        {"group_end", result->group_end},
                        {"signed_head", result->signed_head},
                        {"original_head", nullptr}};
  if (result->original_head) out["original_head"] = *result->original_head;
  if (!options.json) PrintRestored(options, *result);
  const int code = AuditRestored(options, &out);
  if (options.json) fmt::print("{}\n", out.dump());
  return code;
}

int RunArchiveCreate(const ArchiveCreateOptions& options) {
  auto log = OpenReadOnly(options.data_dir);
  if (!log.ok()) return Fail(log.status());
  backup::ArchiveOptions archive;
  archive.to_seq = base::OptionalOf<ledger::SequenceNumber>(options.to_seq);
  archive.from_seq = base::OptionalOf<ledger::SequenceNumber>(options.from_seq);
  ProgressLine progress("archived");
  if (!options.json) {
    archive.progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
  }
  auto summary =
      backup::CreateArchive(**log, replay::DataDir::At(options.data_dir), options.out, archive);
  progress.Clear();
  if (!summary.ok()) return Fail(summary.status());
  for (const std::string& warning : summary->warnings) fmt::print(stderr, "warning: {}\n", warning);
  if (options.from_seq && *options.from_seq > 1 &&
      summary->first_seq == ledger::SequenceNumber{1}) {
    fmt::print(stderr, "no snapshot before seq {} verifies: the archive starts at seq 1\n",
               *options.from_seq);
  }
  if (options.json) {
    fmt::print("{}\n", nlohmann::json({{"out", options.out},
                                       {"first_seq", summary->first_seq},
                                       {"last_seq", summary->last_seq},
                                       {"checkpoints", summary->checkpoints},
                                       {"snapshots", summary->snapshots},
                                       {"bytes", summary->bytes},
                                       {"chain_id", ledger::ToHex((*log)->chain_id())}})
                           .dump());
    return kExitOk;
  }
  fmt::print(
      "archive {}: records {}..{} of chain {}, {} signed checkpoints, {} snapshots, the "
      "keyring; {} bytes\n",
      options.out, summary->first_seq, summary->last_seq, ledger::ToHex((*log)->chain_id()),
      summary->checkpoints, summary->snapshots, text::FormatCount(summary->bytes));
  if (summary->first_seq > ledger::SequenceNumber{1}) {
    fmt::print(
        "it starts after record {} (its anchor), the seq of the snapshot the audit replays "
        "from\n",
        summary->first_seq - 1);
  }
  fmt::print(
      "check it with: backstop verify --archive {0} and backstop audit --archive {0} "
      "(with --trusted-keys and --chain-id)\n",
      options.out);
  return kExitOk;
}

base::Result<std::string> DataDirOrArchive(const std::string& data_dir, const std::string& archive,
                                           std::unique_ptr<backup::UnpackedArchive>* keep,
                                           bool indexes) {
  if (archive.empty() && data_dir.empty()) {
    return base::Status::InvalidArgument("usage", "give --data DIR or --archive FILE");
  }
  if (archive.empty()) return data_dir;
  ProgressLine progress("unpacked");
  backup::UnpackOptions options;
  options.progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
  options.indexes = indexes;
  auto unpacked = backup::UnpackArchive(archive, options);
  progress.Clear();
  if (!unpacked.ok()) return unpacked.status();
  *keep = std::move(unpacked).value();
  fmt::print(stderr, "archive {}: records {}..{} unpacked into a temporary data directory\n",
             archive, (*keep)->summary().first_seq, (*keep)->summary().last_seq);
  return (*keep)->data_dir();
}

}  // namespace cli
