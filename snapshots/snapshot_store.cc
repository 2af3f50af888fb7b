// The snapshot store: naming, publication, listing, verification and retention of snapshot
// files. Framing lives in internal/snapshot_format.cc and the capnp body in state_codec.cc.

#include "snapshots/snapshot_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <utility>

#include "base/strong_type_fmt.h"
#include "snapshots/internal/file_io.h"
#include "snapshots/internal/snapshot_format.h"
#include "snapshots/internal/state_codec.h"
#include "snapshots/state_hash.h"

namespace snapshots {
namespace {

using base::Result;
using base::Status;
using ledger::SequenceNumber;

std::string Context(SequenceNumber seq) { return fmt::format("snapshot {}", seq); }

// Re-labels a lower layer's Status with the snapshot it concerns, keeping its code.
Status Relabel(const Status& status, const std::string& context) {
  BACKSTOP_ASSERT(!status.ok());
  const std::string detail = status.message();
  switch (status.code()) {
    case Status::Code::kNotFound:
      return Status::NotFound(context, detail);
    case Status::Code::kCorruption:
      return Status::Corruption(context, detail);
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(context, detail);
    case Status::Code::kBusy:
      return Status::Busy(context, detail);
    case Status::Code::kIOError:
    case Status::Code::kOk:
      break;
  }
  return Status::IOError(context, detail, status.retryable());
}

// Snapshot seqs named in `dir`, newest first.
Result<std::vector<SequenceNumber>> ListSeqs(const std::string& dir) {
  BACKSTOP_ASSIGN_OR_RETURN(std::vector<std::string> names,
                            internal::ListFileNames(dir, kMaxSnapshotFiles));
  std::vector<SequenceNumber> seqs;
  for (const std::string& name : names) {
    if (const auto seq = internal::ParseFileName(name)) seqs.push_back(*seq);
  }
  std::sort(seqs.begin(), seqs.end(), std::greater<>());
  return seqs;
}

// Every check of Load over a file's bytes, in the documented order. `expected_seq` is the seq
// of the file name, when there is one. Errors carry no context; the caller adds it.
Result<LoadedSnapshot> VerifyFileBytes(std::span<const uint8_t> file,
                                       const ledger::Keyring& keyring,
                                       const ledger::ChainId& expected_chain,
                                       std::optional<SequenceNumber> expected_seq) {
  BACKSTOP_ASSIGN_OR_RETURN(const internal::FileView view, internal::ParseFile(file));
  BACKSTOP_ASSIGN_OR_RETURN(const internal::BodyFields fields,
                            internal::DecodeBody(view.body, nullptr));
  if (fields.meta.seq == ledger::SequenceNumber{0})
    return Status::Corruption("", "seq 0 in the body");
  if (expected_seq.has_value() && fields.meta.seq != *expected_seq) {
    return Status::Corruption(
        "", fmt::format("seq {} in the body differs from the file name's", fields.meta.seq));
  }
  if (fields.meta.chain_id != expected_chain) {
    return Status::Corruption(
        "", fmt::format("chain id {} differs from the log's {}",
                        ledger::ToHex(fields.meta.chain_id), ledger::ToHex(expected_chain)));
  }
  const ledger::PublicKey* key = keyring.Find(fields.key_id);
  if (key == nullptr) {
    return Status::Corruption(
        "", fmt::format("signed by unknown key {}", ledger::ToHex(fields.key_id)));
  }
  base::Sha256 sha;
  const ledger::Hash signing_hash = internal::SigningHash(sha, expected_chain, view.body);
  if (!ledger::VerifySignature(*key, signing_hash, view.signature)) {
    return Status::Corruption("", "signature invalid");
  }
  LoadedSnapshot loaded;
  BACKSTOP_ASSIGN_OR_RETURN(const internal::BodyFields again,
                            internal::DecodeBody(view.body, &loaded.state));
  BACKSTOP_ASSERT(again.meta == fields.meta && again.state_hash == fields.state_hash);
  if (StateHash(sha, loaded.state) != fields.state_hash) {
    return Status::Corruption("", "state hash mismatch");
  }
  loaded.meta = fields.meta;
  loaded.state_hash = fields.state_hash;
  loaded.key_id = fields.key_id;
  return loaded;
}

// Listing fields of one file, without verification (see SnapshotInfo).
SnapshotInfo Describe(SequenceNumber seq, const std::string& path) {
  SnapshotInfo info;
  info.seq = seq;
  info.path = path;
  Result<std::vector<uint8_t>> file = internal::ReadWholeFile(path, kMaxSnapshotBytes);
  if (!file.ok()) {
    info.problem = file.status().message();
    return info;
  }
  info.size_bytes = file->size();
  Result<internal::FileView> view = internal::ParseFile(*file);
  if (!view.ok()) {
    info.problem = view.status().message();
    return info;
  }
  Result<internal::BodyFields> fields = internal::DecodeBody(view->body, nullptr);
  if (!fields.ok()) {
    info.problem = fields.status().message();
    return info;
  }
  info.readable = true;
  info.time_ns = fields->meta.time_ns;
  info.state_hash = fields->state_hash;
  info.key_id = fields->key_id;
  return info;
}

}  // namespace

SnapshotStore::SnapshotStore(std::string dir, const SnapshotStoreOptions& options)
    : dir_(std::move(dir)), options_(options) {}

SnapshotStore::~SnapshotStore() = default;

Result<std::unique_ptr<SnapshotStore>> SnapshotStore::Open(const std::string& dir,
                                                           const SnapshotStoreOptions& options) {
  if (dir.empty()) return Status::InvalidArgument("snapshots", "empty folder name");
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    if (!options.create_if_missing || options.read_only) {
      return Status::NotFound(dir, "snapshot folder does not exist");
    }
    BACKSTOP_RETURN_IF_ERROR(internal::CreateDirectory(dir));
  }
  BACKSTOP_ASSIGN_OR_RETURN(std::vector<std::string> names,
                            internal::ListFileNames(dir, kMaxSnapshotFiles));
  if (!options.read_only) {
    size_t removed = 0;
    for (const std::string& name : names) {
      if (!internal::IsPartialFileName(name)) continue;
      BACKSTOP_RETURN_IF_ERROR(internal::RemoveFile(dir + "/" + name));
      ++removed;
    }
    if (removed > 0) BACKSTOP_RETURN_IF_ERROR(internal::SyncDirectory(dir));
  }
  return std::unique_ptr<SnapshotStore>(new SnapshotStore(dir, options));
}

std::string SnapshotStore::PathFor(SequenceNumber seq) const {
  return dir_ + "/" + internal::FileNameFor(seq);
}

Result<SnapshotInfo> SnapshotStore::Write(const engine::EngineState& state,
                                          const SnapshotMeta& meta,
                                          const ledger::PrivateKey& key) const {
  if (options_.read_only) return Status::InvalidArgument(dir_, "snapshot store is read-only");
  if (meta.seq == ledger::SequenceNumber{0})
    return Status::InvalidArgument("snapshot", "seq must be >= 1");
  const std::string context = Context(meta.seq);
  base::Sha256 sha;
  internal::BodyFields fields;
  fields.format_version = internal::kBodyVersion;
  fields.meta = meta;
  fields.state_hash = StateHash(sha, state);
  fields.key_id = key.key_id();
  Result<std::vector<uint8_t>> body =
      internal::EncodeBody(fields, state, kMaxSnapshotBytes - internal::kFramingBytes);
  if (!body.ok()) return Relabel(body.status(), context);
  const ledger::Hash signing_hash = internal::SigningHash(sha, meta.chain_id, *body);
  ledger::Signer signer(key);
  Result<ledger::Signature> signature = signer.Sign(signing_hash);
  if (!signature.ok()) return Relabel(signature.status(), context);
  const std::vector<uint8_t> file = internal::EncodeFile(*body, *signature);

  // STYLE.md A3: what is written must pass the very checks Load will make.
  ledger::Keyring own_key;
  own_key.Add(key.public_key());
  Result<LoadedSnapshot> check = VerifyFileBytes(file, own_key, meta.chain_id, meta.seq);
  BACKSTOP_ASSERT(check.ok(), check.status().ToString());
  BACKSTOP_ASSERT(check->state == state, meta.seq);

  const std::string path = PathFor(meta.seq);
  Status published =
      internal::PublishFileDurably(dir_, path + std::string(internal::kPartialSuffix), path, file);
  if (!published.ok()) return Relabel(published, context);
  SnapshotInfo info;
  info.seq = meta.seq;
  info.path = path;
  info.size_bytes = file.size();
  info.readable = true;
  info.time_ns = meta.time_ns;
  info.state_hash = fields.state_hash;
  info.key_id = fields.key_id;
  return info;
}

Result<std::vector<SnapshotInfo>> SnapshotStore::List() const {
  BACKSTOP_ASSIGN_OR_RETURN(const std::vector<SequenceNumber> seqs, ListSeqs(dir_));
  std::vector<SnapshotInfo> infos;
  infos.reserve(seqs.size());
  for (const SequenceNumber seq : seqs) infos.push_back(Describe(seq, PathFor(seq)));
  return infos;
}

Result<LoadedSnapshot> SnapshotStore::Load(SequenceNumber seq, const ledger::Keyring& keyring,
                                           const ledger::ChainId& expected_chain) const {
  return LoadFile(PathFor(seq), keyring, expected_chain);
}

Result<LoadedSnapshot> SnapshotStore::LoadFile(const std::string& path,
                                               const ledger::Keyring& keyring,
                                               const ledger::ChainId& expected_chain) const {
  const std::optional<SequenceNumber> named_seq =
      internal::ParseFileName(std::filesystem::path(path).filename().string());
  const std::string context =
      named_seq.has_value() ? Context(*named_seq) : fmt::format("snapshot {}", path);
  Result<std::vector<uint8_t>> file = internal::ReadWholeFile(path, kMaxSnapshotBytes);
  if (!file.ok()) return Relabel(file.status(), context);
  Result<LoadedSnapshot> loaded = VerifyFileBytes(*file, keyring, expected_chain, named_seq);
  if (!loaded.ok()) return Relabel(loaded.status(), context);
  loaded->path = path;
  BACKSTOP_ASSERT(loaded->meta.chain_id == expected_chain);
  return loaded;
}

Result<LoadedSnapshot> SnapshotStore::LoadNewestValid(const ledger::Keyring& keyring,
                                                      const ledger::ChainId& expected_chain,
                                                      SequenceNumber max_seq,
                                                      std::vector<std::string>* warnings) const {
  BACKSTOP_ASSIGN_OR_RETURN(const std::vector<SequenceNumber> seqs, ListSeqs(dir_));
  for (const SequenceNumber seq : seqs) {
    if (seq > max_seq) continue;
    Result<LoadedSnapshot> loaded = Load(seq, keyring, expected_chain);
    if (loaded.ok()) {
      BACKSTOP_ASSERT(loaded->meta.seq == seq && seq <= max_seq, seq, max_seq);
      return loaded;
    }
    if (warnings != nullptr) {
      warnings->push_back(
          fmt::format("skipped snapshot {} ({}): {}", seq, PathFor(seq), loaded.status().detail()));
    }
  }
  return Status::NotFound("snapshots",
                          fmt::format("no snapshot with seq <= {} verifies in {}", max_seq, dir_));
}

Status SnapshotStore::Retain(size_t keep_newest) const {
  if (options_.read_only) return Status::InvalidArgument(dir_, "snapshot store is read-only");
  BACKSTOP_ASSIGN_OR_RETURN(const std::vector<SequenceNumber> seqs, ListSeqs(dir_));
  size_t removed = 0;
  for (size_t i = keep_newest; i < seqs.size(); ++i) {
    BACKSTOP_RETURN_IF_ERROR(internal::RemoveFile(PathFor(seqs[i])));
    ++removed;
  }
  BACKSTOP_ASSERT(removed == (seqs.size() > keep_newest ? seqs.size() - keep_newest : 0));
  if (removed > 0) BACKSTOP_RETURN_IF_ERROR(internal::SyncDirectory(dir_));
  return Status::OK();
}

}  // namespace snapshots
