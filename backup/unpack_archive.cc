// Unpacking an archive into a temporary data directory (archive.h).

#include <capnp/message.h>
#include <fmt/format.h>
#include <stdlib.h>

#include <filesystem>

#include "backup/archive.h"
#include "backup/internal/archive_stream.h"
#include "backup/internal/sidecar.h"
#include "base/strong_type_fmt.h"
#include "ledger/log_copy.h"

namespace backup {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[] = "backstop-archive";
constexpr uint32_t kArchiveVersion = 1;       // From seq 1.
constexpr uint32_t kRangeArchiveVersion = 2;  // From a later seq, with an anchor.

std::span<const uint8_t> Span(capnp::Data::Reader data) { return {data.begin(), data.size()}; }

// True for "snapshot-" + 20 digits + ".bin", the only names a snapshot may have.
bool IsSnapshotName(std::string_view name) {
  constexpr std::string_view kPrefix = "snapshot-", kSuffix = ".bin";
  if (name.size() != kPrefix.size() + 20 + kSuffix.size()) return false;
  if (name.substr(0, kPrefix.size()) != kPrefix || !name.ends_with(kSuffix)) return false;
  const std::string_view digits = name.substr(kPrefix.size(), 20);
  return digits.find_first_not_of("0123456789") == std::string_view::npos;
}

// Feeds the entries, in the order docs/formats/archive.md gives, into a new data directory.
class Unpacker {
 public:
  Unpacker(std::string dir, const UnpackOptions& options)
      : data_(replay::DataDir::At(std::move(dir))),
        progress_(options.progress),
        indexes_(options.indexes) {}

  base::Status Visit(schema::ArchiveEntry::Reader entry, std::span<const uint8_t> raw,
                     internal::ArchiveReader& reader) {
    if (stage_ == Stage::kDone) return base::Status::Corruption("archive", "after the trailer");
    switch (entry.which()) {
      case schema::ArchiveEntry::HEADER:
        return Header(entry.getHeader());
      case schema::ArchiveEntry::RECORD:
        return Record(entry.getRecord());
      case schema::ArchiveEntry::COMMIT:
        if (stage_ != Stage::kRecords || entry.getCommit() != builder_->head().value()) {
          return Misplaced("commit mark");
        }
        return builder_->AddCommitMark(ledger::SequenceNumber{entry.getCommit()});
      case schema::ArchiveEntry::CHECKPOINT:
        if (stage_ != Stage::kRecords ||
            entry.getCheckpoint().getTreeSize() != builder_->head().value()) {
          return Misplaced("checkpoint");
        }
        ++summary_.checkpoints;
        return builder_->AddCheckpoint(entry.getCheckpoint().getTreeSize(),
                                       entry.getCheckpoint().getNote().cStr());
      case schema::ArchiveEntry::SNAPSHOT:
        return Snapshot(entry.getSnapshot());
      case schema::ArchiveEntry::TRAILER:
        return Trailer(entry.getTrailer(), raw, reader);
      case schema::ArchiveEntry::ANCHOR:
        return Anchor(entry.getAnchor());
    }
    return base::Status::Corruption("archive", "an entry of an unknown kind");
  }

  base::Status Finish() {
    if (stage_ != Stage::kDone) return base::Status::Corruption("archive", "truncated: no trailer");
    return builder_->Finish();
  }
  const ArchiveSummary& summary() const { return summary_; }

 private:
  enum class Stage { kHeader, kAnchor, kRecords, kSnapshots, kDone };

  base::Status Misplaced(const char* what) {
    return base::Status::Corruption("archive", fmt::format("a {} out of place", what));
  }

  base::Status Header(schema::ArchiveHeader::Reader header) {
    if (stage_ != Stage::kHeader) return Misplaced("header");
    const uint32_t version = header.getVersion();
    if (header.getMagic() != kMagic ||
        (version != kArchiveVersion && version != kRangeArchiveVersion)) {
      return base::Status::Corruption("archive", "not a backstop archive (version 1 or 2)");
    }
    const bool range = version == kRangeArchiveVersion;
    if (header.getChainId().size() != identity_.chain_id.size() ||
        (header.getFirstSeq() > 1) != range || header.getFirstSeq() == 0 ||
        header.getLastSeq() < header.getFirstSeq() || header.getSigningMode() > 1) {
      return base::Status::Corruption("archive", "malformed header");
    }
    std::copy(header.getChainId().begin(), header.getChainId().end(), identity_.chain_id.begin());
    identity_.format_version = header.getFormatVersion();
    identity_.signing = static_cast<ledger::SigningMode>(header.getSigningMode());
    summary_.first_seq = ledger::SequenceNumber{header.getFirstSeq()};
    last_seq_ = ledger::SequenceNumber{header.getLastSeq()};
    unsigned index = 0;
    for (capnp::Text::Reader pem : header.getPublicKeys()) {
      BACKSTOP_ASSIGN_OR_RETURN(
          auto written, internal::WriteHashed(std::string(pem.cStr(), pem.size()), data_.keyring,
                                              fmt::format("key-{}.pem", index++)));
      (void)written;
    }
    if (range) {
      stage_ = Stage::kAnchor;
      return base::Status::OK();
    }
    return StartRecords(ledger::LogBuilder::Create(data_.log, identity_));
  }

  // Version 2: the record before the range and its leaf's proof start the new log.
  base::Status Anchor(schema::ArchiveAnchor::Reader anchor) {
    if (stage_ != Stage::kAnchor) return Misplaced("anchor");
    ledger::LogBuilder::Anchor start;
    start.record = Span(anchor.getRecord());
    for (capnp::Data::Reader hash : anchor.getProof()) {
      if (hash.size() != ledger::kHashBytes) {
        return base::Status::Corruption("archive", "the anchor's proof holds a malformed hash");
      }
      std::copy(hash.begin(), hash.end(), start.proof.emplace_back().begin());
    }
    BACKSTOP_RETURN_IF_ERROR(
        StartRecords(ledger::LogBuilder::CreateAfter(data_.log, identity_, start)));
    if (builder_->head() + 1 != summary_.first_seq) {
      return base::Status::Corruption(
          "archive", fmt::format("the anchor is record {}, not the one before the header's "
                                 "first seq {}",
                                 builder_->head(), summary_.first_seq));
    }
    return base::Status::OK();
  }

  base::Status StartRecords(base::Result<std::unique_ptr<ledger::LogBuilder>> builder) {
    if (!builder.ok() &&
        (builder.status().IsInvalidArgument() || builder.status().IsCorruption())) {
      return base::Status::Corruption("archive", builder.status().message());
    }
    if (!builder.ok()) return builder.status();
    builder_ = std::move(builder).value();
    builder_->set_derive_indexes(indexes_);
    stage_ = Stage::kRecords;
    return base::Status::OK();
  }

  base::Status Record(capnp::Data::Reader value) {
    if (stage_ != Stage::kRecords) return Misplaced("record");
    if (builder_->head() >= last_seq_) {
      return base::Status::Corruption("archive", "more records than the header's last seq");
    }
    BACKSTOP_RETURN_IF_ERROR(builder_->AddRecord(Span(value)));
    if (progress_ && builder_->head().value() % 65536 == 0) {
      const ledger::SequenceNumber before = summary_.first_seq - 1;
      progress_(builder_->head() - before, last_seq_ - before);
    }
    return base::Status::OK();
  }

  base::Status Snapshot(schema::ArchiveSnapshot::Reader snapshot) {
    if (stage_ != Stage::kRecords && stage_ != Stage::kSnapshots) return Misplaced("snapshot");
    stage_ = Stage::kSnapshots;
    const std::string name = snapshot.getName().cStr();
    if (!IsSnapshotName(name)) {
      return base::Status::Corruption("archive", "a snapshot named '" + name + "'");
    }
    const capnp::Data::Reader bytes = snapshot.getBytes();
    BACKSTOP_ASSIGN_OR_RETURN(
        auto written, internal::WriteHashed(
                          std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size()),
                          data_.snapshots, name));
    (void)written;
    ++summary_.snapshots;
    return base::Status::OK();
  }

  // The trailer is not covered by its own digest: it must be exactly the bytes the writer makes
  // of its fields, so that no bit of it (unused ones included) can change unnoticed.
  static bool IsAsWritten(schema::ArchiveTrailer::Reader trailer, std::span<const uint8_t> raw) {
    capnp::MallocMessageBuilder message;
    message.initRoot<schema::ArchiveEntry>().setTrailer(trailer);
    const std::vector<uint8_t> encoded = internal::ArchiveWriter::Encode(message);
    return std::equal(encoded.begin(), encoded.end(), raw.begin(), raw.end());
  }

  base::Status Trailer(schema::ArchiveTrailer::Reader trailer, std::span<const uint8_t> raw,
                       internal::ArchiveReader& reader) {
    if (stage_ == Stage::kHeader || stage_ == Stage::kAnchor) return Misplaced("trailer");
    if (!IsAsWritten(trailer, raw)) {
      return base::Status::Corruption("archive", "the trailer is not as written");
    }
    const ledger::Hash digest = reader.FinishDigest();
    if (trailer.getSha256().size() != digest.size() ||
        !std::equal(digest.begin(), digest.end(), trailer.getSha256().begin())) {
      return base::Status::Corruption(
          "archive", "the SHA-256 of the file differs from the trailer's: the file was changed");
    }
    if (trailer.getRecords() != builder_->head() - (summary_.first_seq - 1) ||
        builder_->head() != last_seq_ || trailer.getCheckpoints() != summary_.checkpoints ||
        trailer.getSnapshots() != summary_.snapshots) {
      return base::Status::Corruption("archive", "the trailer's counts differ from the file's");
    }
    summary_.last_seq = last_seq_;
    stage_ = Stage::kDone;
    return base::Status::OK();
  }

  replay::DataDir data_;
  std::function<void(uint64_t, uint64_t)> progress_;
  bool indexes_ = true;
  Stage stage_ = Stage::kHeader;
  std::unique_ptr<ledger::LogBuilder> builder_;
  ledger::LogBuilder::Identity identity_;
  ledger::SequenceNumber last_seq_{0};
  ArchiveSummary summary_;
};

}  // namespace

UnpackedArchive::~UnpackedArchive() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

base::Result<std::unique_ptr<UnpackedArchive>> UnpackArchive(
    const std::string& file, const std::function<void(uint64_t, uint64_t)>& progress) {
  UnpackOptions options;
  options.progress = progress;
  return UnpackArchive(file, options);
}

base::Result<std::unique_ptr<UnpackedArchive>> UnpackArchive(const std::string& file,
                                                             const UnpackOptions& options) {
  BACKSTOP_ASSIGN_OR_RETURN(auto reader, internal::ArchiveReader::Open(file));
  std::string pattern = (fs::temp_directory_path() / "backstop-archive-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return base::Status::IOError("archive", "cannot create a temporary folder");
  }
  std::unique_ptr<UnpackedArchive> unpacked(new UnpackedArchive(pattern, ArchiveSummary()));
  Unpacker unpacker(pattern, options);
  for (;;) {
    auto visit = [&](schema::ArchiveEntry::Reader entry, std::span<const uint8_t> raw) {
      return unpacker.Visit(entry, raw, *reader);
    };
    BACKSTOP_ASSIGN_OR_RETURN(bool more, reader->Next(visit));
    if (!more) break;
  }
  BACKSTOP_RETURN_IF_ERROR(unpacker.Finish());
  unpacked->summary_ = unpacker.summary();
  std::error_code ec;
  unpacked->summary_.bytes = fs::file_size(file, ec);
  return unpacked;
}

}  // namespace backup
