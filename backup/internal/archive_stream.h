// Private: the archive's Cap'n Proto message stream, both ways, with the SHA-256 of the bytes.
// The only backup/ file in which capnp reads untrusted bytes: every kj::Exception stops here.
// Thread-compatible.
#pragma once

#include <capnp/message.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "backup/schema/archive.capnp.h"
#include "base/status.h"
#include "ledger/keys.h"

namespace backup::internal {

// Appends messages to a file (standard stream framing), hashing every byte written.
class ArchiveWriter {
 public:
  // Creates (truncates) `path`. IOError on failure.
  static base::Result<std::unique_ptr<ArchiveWriter>> Create(const std::string& path);
  ~ArchiveWriter();
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  base::Status Write(capnp::MessageBuilder& message);
  // The bytes Write writes for `message`.
  static std::vector<uint8_t> Encode(capnp::MessageBuilder& message);
  // SHA-256 of every byte written so far; call once, before the trailer.
  ledger::Hash FinishDigest() { return sha_.Finish(); }
  // Flushes, fsyncs and closes. IOError on failure.
  base::Status Close();
  uint64_t bytes() const { return bytes_; }

 private:
  ArchiveWriter(std::FILE* file, std::string path) : file_(file), path_(std::move(path)) {}
  std::FILE* file_;
  std::string path_;
  base::Sha256 sha_;
  uint64_t bytes_ = 0;
};

// Reads the messages of a file one at a time, with limits, hashing each once it was visited.
class ArchiveReader {
 public:
  // `raw` is the whole message (framing included), valid during the call.
  using Visitor =
      std::function<base::Status(schema::ArchiveEntry::Reader entry, std::span<const uint8_t> raw)>;
  // NotFound/IOError if `path` cannot be opened.
  static base::Result<std::unique_ptr<ArchiveReader>> Open(const std::string& path);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // Reads the next message and calls `visit` with it: false at a clean end of file; Corruption
  // naming the entry and its offset for a malformed message (or one that capnp refuses while
  // `visit` reads it), or `visit`'s error.
  base::Result<bool> Next(const Visitor& visit);
  // SHA-256 of every message before the one being visited; call once, from the trailer's visit.
  ledger::Hash FinishDigest() { return sha_.Finish(); }
  uint64_t entries() const { return entries_; }

 private:
  explicit ArchiveReader(std::FILE* file) : file_(file) {}
  base::Status ReadFrame(kj::Array<capnp::word>* words, std::vector<uint32_t>* sizes, bool* eof);
  std::FILE* file_;
  base::Sha256 sha_;
  uint64_t offset_ = 0;
  uint64_t entries_ = 0;
};

}  // namespace backup::internal
