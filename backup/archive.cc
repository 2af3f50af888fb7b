// Archives (archive.h): writing one from a log, unpacking one into a temporary data directory.

#include "backup/archive.h"

#include <capnp/message.h>
#include <fmt/format.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "backup/internal/archive_stream.h"
#include "backup/internal/rocks_backup.h"
#include "backup/internal/sidecar.h"
#include "base/strong_type_fmt.h"
#include "ledger/log_copy.h"
#include "replay/recovery.h"
#include "snapshots/snapshot_store.h"

namespace backup {

namespace fs = std::filesystem;
using internal::ArchiveReader;
using internal::ArchiveWriter;

namespace {

constexpr char kMagic[] = "backstop-archive";
constexpr uint32_t kArchiveVersion = 1;       // From seq 1.
constexpr uint32_t kRangeArchiveVersion = 2;  // From a later seq, with an anchor.

kj::ArrayPtr<const kj::byte> Bytes(std::span<const uint8_t> bytes) {
  return {bytes.data(), bytes.size()};
}

base::Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::Status::IOError("archive", "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The last seq: the head, or the end of the group commit holding to_seq's group.
base::Result<ledger::SequenceNumber> ArchiveEnd(const ledger::EventLog& log,
                                                const ArchiveOptions& options) {
  if (!options.to_seq) return log.head_seq();
  if (*options.to_seq == ledger::SequenceNumber{0} || *options.to_seq > log.head_seq()) {
    return base::Status::InvalidArgument(
        "archive",
        fmt::format("--to {} is not in the log (head {})", *options.to_seq, log.head_seq()));
  }
  BACKSTOP_ASSIGN_OR_RETURN(ledger::SequenceNumber end, replay::GroupEnd(log, *options.to_seq));
  if (!log.has_tree()) return end;
  BACKSTOP_ASSIGN_OR_RETURN(auto commits, log.CommitEnds(end, ledger::SequenceNumber{0}));
  if (commits.empty()) return base::Status::Corruption("archive", "no group commit ends there");
  return commits.front();
}

// The seq of the archive's anchor (0: none, the archive starts at seq 1): the newest snapshot
// before options.from_seq that verifies and whose log hash is the log's record's.
base::Result<ledger::SequenceNumber> ArchiveAnchor(const ledger::EventLog& log,
                                                   const replay::DataDir& data,
                                                   ledger::SequenceNumber last,
                                                   const ArchiveOptions& options,
                                                   ArchiveSummary* summary) {
  if (!options.from_seq || *options.from_seq <= ledger::SequenceNumber{1}) {
    return ledger::SequenceNumber{0};
  }
  if (*options.from_seq > last) {
    return base::Status::InvalidArgument(
        "archive",
        fmt::format("--from {} is after the archive's last seq {}", *options.from_seq, last));
  }
  std::error_code ec;
  if (!fs::is_directory(data.snapshots, ec)) return ledger::SequenceNumber{0};
  BACKSTOP_ASSIGN_OR_RETURN(ledger::Keyring keyring, replay::LoadKeyring(data));
  snapshots::SnapshotStoreOptions read_only;
  read_only.read_only = true;
  BACKSTOP_ASSIGN_OR_RETURN(auto store, snapshots::SnapshotStore::Open(data.snapshots, read_only));
  auto loaded =
      store->LoadNewestValid(keyring, log.chain_id(), *options.from_seq - 1, &summary->warnings);
  if (!loaded.ok() && loaded.status().IsNotFound()) return ledger::SequenceNumber{0};
  if (!loaded.ok()) return loaded.status();
  const ledger::SequenceNumber seq = loaded->meta.seq;
  BACKSTOP_ASSIGN_OR_RETURN(ledger::LogRecord record, log.Read(seq));
  if (record.hash() != loaded->meta.log_head_hash) {
    return base::Status::Corruption(
        "archive",
        fmt::format("snapshot {}: its log hash differs from record {}'s (run audit)", seq, seq));
  }
  return seq;
}

// Version 2: the record before the range and its leaf's inclusion proof in the tree up to it.
base::Status WriteAnchor(const ledger::EventLog& log, ledger::SequenceNumber anchor,
                         ArchiveWriter& writer) {
  std::vector<ledger::Hash> proof;
  if (log.has_tree()) {
    BACKSTOP_ASSIGN_OR_RETURN(proof, log.InclusionProof(anchor, anchor.value()));
  }
  auto it = log.NewIterator(anchor, anchor);
  if (!it->Valid()) {
    BACKSTOP_RETURN_IF_ERROR(it->status());
    return base::Status::Corruption("archive", fmt::format("record {} is missing", anchor));
  }
  capnp::MallocMessageBuilder message;
  auto entry = message.initRoot<schema::ArchiveEntry>().initAnchor();
  entry.setRecord(Bytes(it->value()));
  auto list = entry.initProof(static_cast<unsigned>(proof.size()));
  for (unsigned i = 0; i < proof.size(); ++i) list.set(i, Bytes(proof[i]));
  return writer.Write(message);
}

base::Status WriteHeader(const ledger::EventLog& log, const replay::DataDir& data,
                         ledger::SequenceNumber first, ledger::SequenceNumber last,
                         ArchiveWriter& writer) {
  std::vector<std::string> keys;
  std::error_code ec;
  if (fs::is_directory(data.keyring, ec)) {
    for (const auto& entry : fs::directory_iterator(data.keyring, ec)) {
      if (entry.path().extension() != ".pem") continue;
      BACKSTOP_ASSIGN_OR_RETURN(std::string pem, ReadText(entry.path()));
      keys.push_back(std::move(pem));
    }
  }
  std::sort(keys.begin(), keys.end());
  capnp::MallocMessageBuilder message;
  auto header = message.initRoot<schema::ArchiveEntry>().initHeader();
  header.setMagic(kMagic);
  header.setVersion(first == ledger::SequenceNumber{1} ? kArchiveVersion : kRangeArchiveVersion);
  header.setChainId(Bytes(log.chain_id()));
  header.setFormatVersion(log.format_version());
  header.setSigningMode(static_cast<uint8_t>(log.signing_mode()));
  header.setFirstSeq(first.value());
  header.setLastSeq(last.value());
  auto list = header.initPublicKeys(static_cast<unsigned>(keys.size()));
  for (unsigned i = 0; i < keys.size(); ++i) list.set(i, keys[i]);
  header.setSource(internal::AbsoluteDir(data.root));
  return writer.Write(message);
}

// Every record in first..last, each followed by its commit mark and checkpoint.
base::Status WriteRecords(const ledger::EventLog& log, ledger::SequenceNumber first,
                          ledger::SequenceNumber last, const ArchiveOptions& options,
                          ArchiveWriter& writer, ArchiveSummary* summary) {
  BACKSTOP_ASSIGN_OR_RETURN(auto commits, log.CommitEnds(first, last));
  std::vector<uint64_t> checkpoints;
  if (log.has_tree()) {
    BACKSTOP_ASSIGN_OR_RETURN(checkpoints, log.CheckpointSizes(first.value(), last.value()));
  }
  size_t next_commit = 0, next_checkpoint = 0;
  ledger::SequenceNumber seq = first - 1;
  for (auto it = log.NewIterator(first, last); it->Valid(); it->Next()) {
    if (it->key_seq() != seq + 1) break;
    seq = it->key_seq();
    capnp::MallocMessageBuilder record;
    record.initRoot<schema::ArchiveEntry>().setRecord(Bytes(it->value()));
    BACKSTOP_RETURN_IF_ERROR(writer.Write(record));
    if (next_commit < commits.size() && commits[next_commit] == seq) {
      ++next_commit;
      capnp::MallocMessageBuilder mark;
      mark.initRoot<schema::ArchiveEntry>().setCommit(seq.value());
      BACKSTOP_RETURN_IF_ERROR(writer.Write(mark));
    }
    if (next_checkpoint < checkpoints.size() && checkpoints[next_checkpoint] == seq.value()) {
      ++next_checkpoint;
      BACKSTOP_ASSIGN_OR_RETURN(std::string note, log.ReadCheckpoint(seq.value()));
      capnp::MallocMessageBuilder message;
      auto checkpoint = message.initRoot<schema::ArchiveEntry>().initCheckpoint();
      checkpoint.setTreeSize(seq.value());
      checkpoint.setNote(note);
      BACKSTOP_RETURN_IF_ERROR(writer.Write(message));
      ++summary->checkpoints;
    }
    if (options.progress && seq.value() % 65536 == 0)
      options.progress(seq - first + 1, last - first + 1);
  }
  if (seq != last) {
    return base::Status::Corruption("archive", fmt::format("record {} is missing", seq + 1));
  }
  summary->last_seq = last;
  return base::Status::OK();
}

// The snapshots in [anchor, last]: the anchor's is the audit's start.
base::Status WriteSnapshots(const replay::DataDir& data, ledger::SequenceNumber anchor,
                            ledger::SequenceNumber last, ArchiveWriter& writer,
                            ArchiveSummary* summary) {
  std::error_code ec;
  if (!fs::is_directory(data.snapshots, ec)) return base::Status::OK();
  snapshots::SnapshotStoreOptions read_only;
  read_only.read_only = true;
  BACKSTOP_ASSIGN_OR_RETURN(auto store, snapshots::SnapshotStore::Open(data.snapshots, read_only));
  BACKSTOP_ASSIGN_OR_RETURN(auto listed, store->List());
  for (auto info = listed.rbegin(); info != listed.rend(); ++info) {  // Oldest first.
    if (info->seq > last || info->seq < anchor) continue;
    BACKSTOP_ASSIGN_OR_RETURN(std::string bytes, ReadText(info->path));
    capnp::MallocMessageBuilder message;
    auto snapshot = message.initRoot<schema::ArchiveEntry>().initSnapshot();
    snapshot.setName(fs::path(info->path).filename().string());
    snapshot.setBytes(kj::ArrayPtr<const kj::byte>(reinterpret_cast<const kj::byte*>(bytes.data()),
                                                   bytes.size()));
    BACKSTOP_RETURN_IF_ERROR(writer.Write(message));
    ++summary->snapshots;
  }
  return base::Status::OK();
}

}  // namespace

base::Result<ArchiveSummary> CreateArchive(const ledger::EventLog& log, const replay::DataDir& data,
                                           const std::string& out, const ArchiveOptions& options) {
  BACKSTOP_ASSIGN_OR_RETURN(ledger::SequenceNumber last, ArchiveEnd(log, options));
  if (last == ledger::SequenceNumber{0})
    return base::Status::InvalidArgument("archive", "the log is empty");
  ArchiveSummary summary;
  BACKSTOP_ASSIGN_OR_RETURN(ledger::SequenceNumber anchor,
                            ArchiveAnchor(log, data, last, options, &summary));
  summary.first_seq = anchor + 1;
  const std::string partial = out + ".partial";
  BACKSTOP_ASSIGN_OR_RETURN(auto writer, ArchiveWriter::Create(partial));
  BACKSTOP_RETURN_IF_ERROR(WriteHeader(log, data, summary.first_seq, last, *writer));
  if (anchor != ledger::SequenceNumber{0})
    BACKSTOP_RETURN_IF_ERROR(WriteAnchor(log, anchor, *writer));
  BACKSTOP_RETURN_IF_ERROR(WriteRecords(log, summary.first_seq, last, options, *writer, &summary));
  BACKSTOP_RETURN_IF_ERROR(WriteSnapshots(data, anchor, last, *writer, &summary));
  const ledger::Hash digest = writer->FinishDigest();
  capnp::MallocMessageBuilder message;
  auto trailer = message.initRoot<schema::ArchiveEntry>().initTrailer();
  trailer.setRecords(last - anchor);
  trailer.setCheckpoints(summary.checkpoints);
  trailer.setSnapshots(summary.snapshots);
  trailer.setSha256(Bytes(digest));
  BACKSTOP_RETURN_IF_ERROR(writer->Write(message));
  summary.bytes = writer->bytes();
  BACKSTOP_RETURN_IF_ERROR(writer->Close());
  std::error_code ec;
  fs::rename(partial, out, ec);
  if (ec) return base::Status::IOError("archive", "cannot rename " + partial + " to " + out);
  if (options.progress) options.progress(last - anchor, last - anchor);
  return summary;
}

}  // namespace backup
