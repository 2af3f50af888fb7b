// `backstop proof` and `backstop checkpoint`: transparency-log proofs that anyone can check with
// the venue's public key alone (docs/AUDIT.md, docs/formats/checkpoint.md).
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/strong_type_fmt.h"
#include "base/strong_type_json.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/event_json.h"
#include "cli/trust.h"
#include "ledger/checkpoint.h"

namespace cli {
namespace {

base::Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::Status::NotFound(path, "cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > 4 * ledger::kMaxNoteBytes + 4 * ledger::kMaxRecordBytes) {
    return base::Status::InvalidArgument(path, "too large for a proof");
  }
  return text.str();
}

base::Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return base::Status::IOError(path, "cannot write");
  return base::Status::OK();
}

// The checkpoint of tree size `size`, or the newest when 0.
base::Result<std::pair<uint64_t, std::string>> FindCheckpoint(const ledger::EventLog& log,
                                                              uint64_t size) {
  std::string note;
  if (size == 0) {
    BACKSTOP_ASSIGN_OR_RETURN(note, log.LatestCheckpoint());
  } else {
    BACKSTOP_ASSIGN_OR_RETURN(note, log.ReadCheckpoint(size));
  }
  BACKSTOP_ASSIGN_OR_RETURN(ledger::SignedNote signed_note, ledger::ParseSignedNote(note));
  BACKSTOP_ASSIGN_OR_RETURN(ledger::Checkpoint checkpoint,
                            ledger::ParseCheckpointBody(signed_note.body));
  return std::make_pair(checkpoint.size, note);
}

int ProofFinding(bool json, const std::string& message) {
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"ok", false}, {"message", message}}.dump());
  } else {
    fmt::print("FAILED  {}\n", message);
  }
  return kExitFinding;
}

int VerifyInclusionFile(const std::string& text, const Trust& trust, bool json) {
  auto proven = ledger::CheckInclusionProofFile(text, trust.keyring, trust.chain_id);
  if (!proven.ok()) return ProofFinding(json, proven.status().message());
  const ledger::Checkpoint& checkpoint = proven->checkpoint;
  const ledger::LogRecord& record = proven->record;
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"ok", true},
                                      {"kind", "inclusion"},
                                      {"origin", checkpoint.origin},
                                      {"seq", record.seq()},
                                      {"tree_size", checkpoint.size},
                                      {"record_hash", ledger::ToHex(record.hash())},
                                      {"time_ns", record.time_ns()},
                                      {"trust", TrustJson(trust)}}
                           .dump());
  } else {
    fmt::print("OK  seq {} ({}) is in log {} at tree size {}\n", record.seq(),
               FormatTimeNs(record.time_ns()), checkpoint.origin, checkpoint.size);
    fmt::print("    record hash {}; checkpoint signed by a trusted key\n",
               ledger::ToHex(record.hash()));
  }
  return kExitOk;
}

int VerifyConsistencyFile(const std::string& text, const ProofVerifyOptions& options,
                          const Trust& trust) {
  if (options.old_checkpoint.empty() || options.new_checkpoint.empty()) {
    return Fail("a consistency proof is checked between two checkpoints: give --old and --new");
  }
  auto old_text = ReadText(options.old_checkpoint);
  if (!old_text.ok()) return Fail(old_text.status());
  auto new_text = ReadText(options.new_checkpoint);
  if (!new_text.ok()) return Fail(new_text.status());
  auto linked =
      ledger::CheckConsistencyProofFile(text, *old_text, *new_text, trust.keyring, trust.chain_id);
  if (!linked.ok()) return ProofFinding(options.json, linked.status().message());
  const auto& [older, newer] = *linked;
  if (options.json) {
    fmt::print("{}\n", nlohmann::json{{"ok", true},
                                      {"kind", "consistency"},
                                      {"origin", older.origin},
                                      {"old_size", older.size},
                                      {"new_size", newer.size},
                                      {"trust", TrustJson(trust)}}
                           .dump());
  } else {
    fmt::print("OK  log {}: the tree at size {} extends the tree at size {} (append-only)\n",
               older.origin, newer.size, older.size);
  }
  return kExitOk;
}

}  // namespace

int RunProof(const ProofOptions& options) {
  if (options.seq == 0 || options.data_dir.empty() || options.out.empty()) {
    return Fail(
        "usage: backstop proof SEQ --data DIR --out PREFIX, or proof consistency|verify "
        "(see backstop proof --help)");
  }
  auto log = OpenReadOnly(options.data_dir);
  if (!log.ok()) return Fail(log.status());
  auto found = FindCheckpoint(**log, options.checkpoint);
  if (!found.ok()) return Fail(found.status());
  const auto& [size, note] = *found;
  if (options.seq == 0 || options.seq > size) {
    return Fail(
        fmt::format("seq {} is not covered by the checkpoint at tree size {}", options.seq, size));
  }
  auto record = (*log)->Read(ledger::SequenceNumber{options.seq});
  if (!record.ok()) return Fail(record.status());
  auto proof = (*log)->InclusionProof(ledger::SequenceNumber{options.seq}, size);
  if (!proof.ok()) return Fail(proof.status());
  ledger::InclusionProofFile file;
  const auto bytes = record->record_bytes();
  file.extra.assign(bytes.begin(), bytes.end());
  file.index = options.seq - 1;
  file.proof = *proof;
  file.checkpoint = note;
  const std::string path = options.out + ".tlog-proof";
  base::Status status = WriteText(path, ledger::FormatInclusionProofFile(file));
  if (!status.ok()) return Fail(status);
  fmt::print("{}  seq {} (index {}) in the tree of {} records, {} proof hashes\n", path,
             options.seq, file.index, size, proof->size());
  fmt::print("record hash  {}\n", ledger::ToHex(record->hash()));
  fmt::print("check it     backstop proof verify {} --trusted-keys VENUE.pub.pem --chain-id {}\n",
             path, (*log)->origin());
  return kExitOk;
}

int RunConsistencyProof(const ConsistencyProofOptions& options) {
  auto log = OpenReadOnly(options.data_dir);
  if (!log.ok()) return Fail(log.status());
  auto older = FindCheckpoint(**log, options.old_size);
  if (!older.ok()) return Fail(older.status());
  auto newer = FindCheckpoint(**log, options.new_size);
  if (!newer.ok()) return Fail(newer.status());
  auto proof = (*log)->ConsistencyProof(older->first, newer->first);
  if (!proof.ok()) return Fail(proof.status());
  const std::vector<std::pair<std::string, std::string>> files = {
      {options.out + ".consistency",
       ledger::FormatConsistencyProofFile({older->first, newer->first, *proof})},
      {options.out + ".old.checkpoint", older->second},
      {options.out + ".new.checkpoint", newer->second}};
  for (const auto& [path, text] : files) {
    base::Status status = WriteText(path, text);
    if (!status.ok()) return Fail(status);
  }
  fmt::print("{}  tree size {} -> {}, {} proof hashes\n", files[0].first, older->first,
             newer->first, proof->size());
  fmt::print("{}  {}  the two signed checkpoints\n", files[1].first, files[2].first);
  fmt::print(
      "check it     backstop proof verify {} --old {} --new {} --trusted-keys "
      "VENUE.pub.pem\n",
      files[0].first, files[1].first, files[2].first);
  return kExitOk;
}

int RunProofVerify(const ProofVerifyOptions& options) {
  // No data directory: without --trusted-keys (which the parser requires) nothing is trusted.
  auto trust = LoadTrust(options.trust, "");
  if (!trust.ok()) return Fail(trust.status());
  WarnIfUnpinned(*trust);
  auto text = ReadText(options.file);
  if (!text.ok()) return Fail(text.status());
  if (text->rfind("c2sp.org/tlog-proof@v1\n", 0) == 0) {
    return VerifyInclusionFile(*text, *trust, options.json);
  }
  return VerifyConsistencyFile(*text, options, *trust);
}

int RunCheckpointShow(const CheckpointShowOptions& options) {
  auto log = OpenReadOnly(options.data_dir);
  if (!log.ok()) return Fail(log.status());
  auto found = FindCheckpoint(**log, options.size);
  if (!found.ok()) return Fail(found.status());
  const std::string& note = found->second;
  if (options.vkey) {
    auto key_hash = ledger::CheckpointKeyHash(note);
    if (!key_hash.ok()) return Fail(key_hash.status());
    auto trust = LoadTrust({}, options.data_dir);
    if (!trust.ok()) return Fail(trust.status());
    for (const auto& [id, key] : trust->keyring.keys()) {
      if (ledger::MakeNoteKeyHash((*log)->origin(), key.raw()) == *key_hash) {
        fmt::print("{}\n", ledger::NoteVerifierKey((*log)->origin(), key.raw()));
        return kExitOk;
      }
    }
    return Fail("the key that signed this checkpoint is not in " + KeyringDir(options.data_dir));
  }
  if (!options.out.empty()) {
    base::Status status = WriteText(options.out, note);
    if (!status.ok()) return Fail(status);
    fmt::print("checkpoint at tree size {} written to {}\n", found->first, options.out);
    return kExitOk;
  }
  fmt::print("{}", note);
  return kExitOk;
}

}  // namespace cli
