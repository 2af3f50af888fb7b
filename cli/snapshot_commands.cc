// The read-only snapshot subcommands: `snapshot list` and `snapshot verify`.

#include "cli/snapshot_commands.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/strong_type_fmt.h"
#include "base/strong_type_json.h"
#include "cli/common.h"
#include "cli/event_json.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "snapshots/snapshot_store.h"
#include "text/text.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

constexpr size_t kHexPrefixChars = 16;  // Hash and key id prefixes shown in the table.

// The snapshot folder opened read-only, or nullptr (with OK) if it does not exist yet.
base::Result<std::unique_ptr<snapshots::SnapshotStore>> OpenStore(const std::string& data_dir) {
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) {
    return base::Status::NotFound(data_dir, "data directory does not exist");
  }
  const std::string dir = SnapshotDir(data_dir);
  if (!fs::exists(dir, ec)) return std::unique_ptr<snapshots::SnapshotStore>();
  snapshots::SnapshotStoreOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  return snapshots::SnapshotStore::Open(dir, options);
}

std::string Prefix(const std::string& hex) { return hex.substr(0, kHexPrefixChars); }

nlohmann::json InfoJson(const snapshots::SnapshotInfo& info) {
  nlohmann::json out = {{"seq", info.seq},
                        {"path", info.path},
                        {"size_bytes", info.size_bytes},
                        {"readable", info.readable}};
  if (info.readable) {
    out["time_ns"] = info.time_ns;
    out["time"] = FormatTimeNs(info.time_ns);
    out["state_hash"] = ledger::ToHex(info.state_hash);
    out["key_id"] = ledger::ToHex(info.key_id);
  } else {
    out["problem"] = info.problem;
  }
  return out;
}

void PrintTable(const std::vector<snapshots::SnapshotInfo>& infos) {
  std::vector<std::vector<std::string>> rows;
  for (const snapshots::SnapshotInfo& info : infos) {
    const std::string file = fs::path(info.path).filename().string();
    if (!info.readable) {
      rows.push_back({std::to_string(info.seq.value()), "-", "-", "-",
                      std::to_string(info.size_bytes),
                      file + "  (unreadable: " + info.problem + ")"});
      continue;
    }
    rows.push_back({std::to_string(info.seq.value()), FormatTimeNs(info.time_ns),
                    Prefix(ledger::ToHex(info.state_hash)), Prefix(ledger::ToHex(info.key_id)),
                    std::to_string(info.size_bytes), file});
  }
  fmt::print("{}", text::FormatTable({"SEQ", "TIME", "STATE HASH", "KEY ID", "SIZE", "FILE"},
                                     {false, true, true, true, false, true}, rows));
}

base::Status LoadKeyring(const SnapshotVerifyOptions& options, ledger::Keyring* keyring) {
  const std::string dir =
      options.keyring_dir.empty() ? KeyringDir(options.data_dir) : options.keyring_dir;
  std::error_code ec;
  if (fs::exists(dir, ec) || !options.keyring_dir.empty()) {
    BACKSTOP_RETURN_IF_ERROR(keyring->AddPemDirectory(dir));
  }
  for (const std::string& file : options.keys) BACKSTOP_RETURN_IF_ERROR(keyring->AddPemFile(file));
  if (keyring->size() == 0) {
    return base::Status::NotFound("keyring", "no public keys in " + dir + " and no --key");
  }
  return base::Status::OK();
}

// The outcome of verifying one snapshot.
struct Verdict {
  uint64_t seq = 0;
  std::string path;
  bool ok = false;
  std::string message;   // Why it failed; a summary of what was checked when it passed.
  bool decoded = false;  // The fields below are set (the snapshot passed Load's checks).
  ledger::Hash state_hash{};
  ledger::KeyId key_id{};
  ledger::Hash log_head_hash{};
  int64_t time_ns = 0;
};

// Load's checks, then the snapshot against the log: seq within the log, same head hash/time.
Verdict VerifyOne(const snapshots::SnapshotStore& store, uint64_t seq,
                  const ledger::Keyring& keyring, const ledger::EventLog& log) {
  Verdict verdict;
  verdict.seq = seq;
  verdict.path = store.PathFor(ledger::SequenceNumber{seq});
  auto loaded = store.Load(ledger::SequenceNumber{seq}, keyring, log.chain_id());
  if (!loaded.ok()) {
    verdict.message = loaded.status().message();
    return verdict;
  }
  const snapshots::SnapshotMeta& meta = loaded->meta;
  verdict.decoded = true;
  verdict.state_hash = loaded->state_hash;
  verdict.key_id = loaded->key_id;
  verdict.log_head_hash = meta.log_head_hash;
  verdict.time_ns = meta.time_ns;
  if (meta.seq > log.head_seq()) {
    verdict.message =
        fmt::format("snapshot {}: beyond the head of the log (seq {})", seq, log.head_seq());
    return verdict;
  }
  auto record = log.Read(meta.seq);
  if (!record.ok()) {
    verdict.message =
        fmt::format("snapshot {}: log record unreadable: {}", seq, record.status().message());
    return verdict;
  }
  if (record->hash() != meta.log_head_hash) {
    verdict.message =
        fmt::format("snapshot {}: log head hash {} differs from record {}'s {}", seq,
                    ledger::ToHex(meta.log_head_hash), meta.seq, ledger::ToHex(record->hash()));
    return verdict;
  }
  if (record->time_ns() != meta.time_ns) {
    verdict.message = fmt::format("snapshot {}: time {} differs from record {}'s {}", seq,
                                  meta.time_ns, meta.seq, record->time_ns());
    return verdict;
  }
  verdict.ok = true;
  verdict.message = fmt::format("snapshot {}: signature, state hash {}, chain and log hash ok", seq,
                                Prefix(ledger::ToHex(loaded->state_hash)));
  return verdict;
}

void PrintVerdicts(const std::vector<Verdict>& verdicts, size_t failed, bool json) {
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const Verdict& verdict : verdicts) {
      nlohmann::json entry = {{"seq", verdict.seq},
                              {"path", verdict.path},
                              {"ok", verdict.ok},
                              {"message", verdict.message}};
      if (verdict.decoded) {
        entry["state_hash"] = ledger::ToHex(verdict.state_hash);
        entry["key_id"] = ledger::ToHex(verdict.key_id);
        entry["log_head_hash"] = ledger::ToHex(verdict.log_head_hash);
        entry["time_ns"] = verdict.time_ns;
      }
      list.push_back(std::move(entry));
    }
    const nlohmann::json out = {{"ok", failed == 0},
                                {"checked", verdicts.size()},
                                {"failed", failed},
                                {"snapshots", std::move(list)}};
    fmt::print("{}\n", out.dump());
    return;
  }
  for (const Verdict& verdict : verdicts) {
    fmt::print("{:<6}  {}\n", verdict.ok ? "OK" : "FAILED", verdict.message);
  }
  fmt::print("{} snapshot(s) checked, {} failed\n", verdicts.size(), failed);
}

}  // namespace

std::string SnapshotDir(const std::string& data_dir) { return data_dir + "/snapshots"; }

int RunSnapshotList(const SnapshotListOptions& options) {
  auto store = OpenStore(options.data_dir);
  if (!store.ok()) return Fail(store.status());
  std::vector<snapshots::SnapshotInfo> infos;
  if (*store != nullptr) {
    auto listed = (*store)->List();
    if (!listed.ok()) return Fail(listed.status());
    infos = std::move(*listed);
  }
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const snapshots::SnapshotInfo& info : infos) out.push_back(InfoJson(info));
    fmt::print("{}\n", out.dump());
    return kExitOk;
  }
  if (infos.empty()) {
    fmt::print("no snapshots in {}\n", SnapshotDir(options.data_dir));
    return kExitOk;
  }
  PrintTable(infos);
  return kExitOk;
}

int RunSnapshotVerify(const SnapshotVerifyOptions& options) {
  ledger::Keyring keyring;
  if (base::Status status = LoadKeyring(options, &keyring); !status.ok()) return Fail(status);
  auto store = OpenStore(options.data_dir);
  if (!store.ok()) return Fail(store.status());
  auto log = OpenReadOnly(options.data_dir);
  if (!log.ok()) return Fail(log.status());
  std::vector<uint64_t> seqs;
  if (*store != nullptr) {
    auto listed = (*store)->List();
    if (!listed.ok()) return Fail(listed.status());
    for (const snapshots::SnapshotInfo& info : *listed) {
      if (options.seq == 0 || info.seq == ledger::SequenceNumber{options.seq})
        seqs.push_back(info.seq.value());
    }
  }
  if (options.seq != 0 && seqs.empty()) {
    return Fail(
        fmt::format("no snapshot of seq {} in {}", options.seq, SnapshotDir(options.data_dir)));
  }
  std::vector<Verdict> verdicts;
  size_t failed = 0;
  for (const uint64_t seq : seqs) {
    verdicts.push_back(VerifyOne(**store, seq, keyring, **log));
    if (!verdicts.back().ok) ++failed;
  }
  PrintVerdicts(verdicts, failed, options.json);
  return failed == 0 ? kExitOk : kExitFinding;
}

}  // namespace cli
