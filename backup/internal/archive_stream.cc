// The archive's message stream (archive_stream.h). Framing (Cap'n Proto's standard stream
// format): a little-endian UInt32 holding the segment count minus one, the UInt32 size in words
// of each segment, zero padding to a word boundary, then the segments.

#include "backup/internal/archive_stream.h"

#include <capnp/serialize.h>
#include <fmt/format.h>
#include <kj/exception.h>
#include <unistd.h>

namespace backup::internal {

namespace {

constexpr uint32_t kMaxSegments = 64;
// Larger than the largest entry we write (a snapshot of up to 1 GiB), with its framing.
constexpr uint64_t kMaxMessageWords = (uint64_t{1} << 30) / 8 + 1024;

uint32_t LittleEndian32(const uint8_t* bytes) {
  return uint32_t{bytes[0]} | uint32_t{bytes[1]} << 8 | uint32_t{bytes[2]} << 16 |
         uint32_t{bytes[3]} << 24;
}

}  // namespace

base::Result<std::unique_ptr<ArchiveWriter>> ArchiveWriter::Create(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return base::Status::IOError("archive", "cannot create " + path);
  return std::unique_ptr<ArchiveWriter>(new ArchiveWriter(file, path));
}

ArchiveWriter::~ArchiveWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

base::Status ArchiveWriter::Write(capnp::MessageBuilder& message) {
  const kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  const kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  if (std::fwrite(bytes.begin(), 1, bytes.size(), file_) != bytes.size()) {
    return base::Status::IOError("archive", "cannot write " + path_);
  }
  sha_.Update({bytes.begin(), bytes.size()});
  bytes_ += bytes.size();
  return base::Status::OK();
}

std::vector<uint8_t> ArchiveWriter::Encode(capnp::MessageBuilder& message) {
  const kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  const kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

base::Status ArchiveWriter::Close() {
  const bool flushed = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!flushed || !closed) return base::Status::IOError("archive", "cannot write " + path_);
  return base::Status::OK();
}

base::Result<std::unique_ptr<ArchiveReader>> ArchiveReader::Open(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return base::Status::NotFound("archive", "cannot open " + path);
  return std::unique_ptr<ArchiveReader>(new ArchiveReader(file));
}

ArchiveReader::~ArchiveReader() { std::fclose(file_); }

base::Status ArchiveReader::ReadFrame(kj::Array<capnp::word>* words, std::vector<uint32_t>* sizes,
                                      bool* eof) {
  auto fail = [&](const std::string& what) {
    return base::Status::Corruption(
        "archive", fmt::format("entry {} at byte {}: {}", entries_, offset_, what));
  };
  uint8_t head[4];
  const size_t got = std::fread(head, 1, 4, file_);
  *eof = got == 0 && std::feof(file_);
  if (*eof) return base::Status::OK();
  if (got != 4) return fail("truncated segment table");
  const uint64_t count = uint64_t{LittleEndian32(head)} + 1;
  if (count > kMaxSegments) return fail(fmt::format("{} segments", count));
  std::vector<uint8_t> table((count + (count % 2 == 0 ? 1 : 0)) * 4);
  if (std::fread(table.data(), 1, table.size(), file_) != table.size()) {
    return fail("truncated segment table");
  }
  uint64_t total = 0;
  sizes->clear();
  for (uint64_t i = 0; i < count; ++i) {
    sizes->push_back(LittleEndian32(&table[4 * i]));
    total += sizes->back();
  }
  if (count % 2 == 0 && LittleEndian32(&table[4 * count]) != 0) return fail("nonzero padding");
  if (total > kMaxMessageWords) return fail(fmt::format("a message of {} words", total));
  // The framing words first (they are hashed with the rest), then the segments.
  // kj::Array, not std::vector: capnp::word cannot be copied, which clang's library checks.
  *words = kj::heapArray<capnp::word>((4 + table.size()) / 8 + total);
  auto* bytes = reinterpret_cast<uint8_t*>(words->begin());
  std::copy(head, head + 4, bytes);
  std::copy(table.begin(), table.end(), bytes + 4);
  const size_t framing = 4 + table.size();
  if (std::fread(bytes + framing, 8, total, file_) != total) return fail("truncated message");
  return base::Status::OK();
}

base::Result<bool> ArchiveReader::Next(const Visitor& visit) {
  kj::Array<capnp::word> words;
  std::vector<uint32_t> sizes;
  bool eof = false;
  BACKSTOP_RETURN_IF_ERROR(ReadFrame(&words, &sizes, &eof));
  if (eof) return false;
  const size_t framing_words = (4 + 4 * (sizes.size() + (sizes.size() % 2 == 0 ? 1 : 0))) / 8;
  std::vector<kj::ArrayPtr<const capnp::word>> segments;
  const capnp::word* at = words.begin() + framing_words;
  for (uint32_t size : sizes) {
    segments.emplace_back(at, size);
    at += size;
  }
  capnp::ReaderOptions limits;
  limits.traversalLimitInWords = words.size() * 2 + 64;
  limits.nestingLimit = 16;
  base::Status status;
  kj::Maybe<kj::Exception> failed = kj::runCatchingExceptions([&] {
    capnp::SegmentArrayMessageReader message(
        kj::ArrayPtr<const kj::ArrayPtr<const capnp::word>>(segments.data(), segments.size()),
        limits);
    status = visit(message.getRoot<schema::ArchiveEntry>(),
                   {reinterpret_cast<const uint8_t*>(words.begin()), words.size() * 8});
  });
  KJ_IF_MAYBE (e, failed) {
    return base::Status::Corruption("archive", fmt::format("entry {} at byte {}: {}", entries_,
                                                           offset_, e->getDescription().cStr()));
  }
  if (!status.ok() && !status.IsCorruption()) return status;
  if (!status.ok()) {
    return base::Status::Corruption(
        "archive", fmt::format("entry {} at byte {}: {}", entries_, offset_, status.message()));
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(words.begin());
  sha_.Update({bytes, words.size() * 8});
  offset_ += words.size() * 8;
  ++entries_;
  return true;
}

}  // namespace backup::internal
