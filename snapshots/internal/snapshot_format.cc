// Encoder and parser of the snapshot file framing. The format, byte for byte (all integers
// little-endian; docs/formats/snapshot.md has the worked example):
//
//   file       := header length body signature footer
//   header     := magic version header_crc                          (16 bytes)
//   magic      := "BKSNAP01"                                         (8 ASCII bytes)
//   version    := u32 = 1                                            (framing version)
//   header_crc := u32 CRC-32C(magic || version)
//   length     := u64 = N, the body's size; 8 <= N, N % 8 == 0, file size = 92 + N
//   body       := canonical(schema::Snapshot)        (N bytes: one capnp segment, no table)
//   signature  := Ed25519(key keyId, SHA-256("backstop-snapshot-v1:" || chain id || body))
//                                                                    (64 bytes)
//   footer     := u32 CRC-32C(header || length || body || signature)
//
// The CRCs guard storage; the signature (over a hash that names the chain) guards
// authenticity; the body's stateHash ties the decoded state to engine::EncodeCanonical.

#include "snapshots/internal/snapshot_format.h"

#include <fmt/format.h>

#include <cstring>

#include "base/strong_type_fmt.h"
#include "snapshots/internal/crc32c.h"

namespace snapshots::internal {
namespace {

void PutU32(std::span<uint8_t> out, size_t offset, uint32_t value) {
  for (size_t i = 0; i < 4; ++i) out[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

void PutU64(std::span<uint8_t> out, size_t offset, uint64_t value) {
  for (size_t i = 0; i < 8; ++i) out[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

uint32_t GetU32(std::span<const uint8_t> bytes, size_t offset) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | bytes[offset + static_cast<size_t>(i)];
  return value;
}

uint64_t GetU64(std::span<const uint8_t> bytes, size_t offset) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[offset + static_cast<size_t>(i)];
  return value;
}

std::span<const uint8_t> AsBytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

base::Status Bad(std::string detail) { return base::Status::Corruption("", detail); }

}  // namespace

std::string FileNameFor(ledger::SequenceNumber seq) {
  return fmt::format("{}{:020d}{}", kFilePrefix, seq, kFileSuffix);
}

std::optional<ledger::SequenceNumber> ParseFileName(std::string_view name) {
  if (name.size() != kFilePrefix.size() + kSeqDigits + kFileSuffix.size()) return std::nullopt;
  if (name.substr(0, kFilePrefix.size()) != kFilePrefix) return std::nullopt;
  if (name.substr(kFilePrefix.size() + kSeqDigits) != kFileSuffix) return std::nullopt;
  unsigned __int128 seq = 0;
  for (const char digit : name.substr(kFilePrefix.size(), kSeqDigits)) {
    if (digit < '0' || digit > '9') return std::nullopt;
    seq = seq * 10 + static_cast<unsigned>(digit - '0');
  }
  if (seq > UINT64_MAX) return std::nullopt;
  return static_cast<ledger::SequenceNumber>(seq);
}

bool IsPartialFileName(std::string_view name) {
  return name.size() > kPartialSuffix.size() &&
         name.substr(name.size() - kPartialSuffix.size()) == kPartialSuffix;
}

ledger::Hash SigningHash(base::Sha256& sha, const ledger::ChainId& chain_id,
                         std::span<const uint8_t> body) {
  sha.Reset();
  sha.Update(AsBytes(kSigningTag));
  sha.Update(chain_id);
  sha.Update(body);
  return sha.Finish();
}

std::vector<uint8_t> EncodeFile(std::span<const uint8_t> body, const ledger::Signature& signature) {
  BACKSTOP_ASSERT(!body.empty() && body.size() % 8 == 0, body.size());
  std::vector<uint8_t> out(kFramingBytes + body.size());
  const std::span<uint8_t> file(out);
  std::memcpy(file.data(), kMagic.data(), kMagicBytes);
  PutU32(file, kMagicBytes, kFileVersion);
  PutU32(file, 12, Crc32c(file.first(12)));
  PutU64(file, kHeaderBytes, body.size());
  std::memcpy(file.data() + kBodyOffset, body.data(), body.size());
  const size_t signature_offset = kBodyOffset + body.size();
  std::memcpy(file.data() + signature_offset, signature.data(), signature.size());
  const size_t footer_offset = signature_offset + ledger::kSignatureBytes;
  BACKSTOP_ASSERT(footer_offset + kFooterBytes == out.size(), footer_offset, out.size());
  PutU32(file, footer_offset, Crc32c(file.first(footer_offset)));
  return out;
}

base::Result<FileView> ParseFile(std::span<const uint8_t> file) {
  if (file.size() < kHeaderBytes) {
    return Bad(fmt::format("truncated: {} bytes, shorter than the {}-byte header", file.size(),
                           kHeaderBytes));
  }
  if (std::memcmp(file.data(), kMagic.data(), kMagicBytes) != 0) return Bad("bad magic");
  if (GetU32(file, 12) != Crc32c(file.first(12))) return Bad("header crc mismatch");
  const uint32_t version = GetU32(file, 8);
  if (version != kFileVersion) return Bad(fmt::format("unsupported file version {}", version));
  if (file.size() < kFramingBytes) {
    return Bad(fmt::format("truncated: {} bytes, shorter than the {}-byte framing", file.size(),
                           kFramingBytes));
  }
  const uint64_t body_bytes = GetU64(file, kHeaderBytes);
  if (body_bytes > file.size() - kFramingBytes) {
    return Bad(fmt::format("truncated: {} bytes, too short for a body of {} bytes", file.size(),
                           body_bytes));
  }
  if (body_bytes < file.size() - kFramingBytes) {
    return Bad(fmt::format("{} trailing bytes after the footer",
                           file.size() - kFramingBytes - body_bytes));
  }
  const size_t footer_offset = file.size() - kFooterBytes;
  if (GetU32(file, footer_offset) != Crc32c(file.first(footer_offset))) {
    return Bad("footer crc mismatch");
  }
  if (body_bytes == 0 || body_bytes % 8 != 0) {
    return Bad(fmt::format("body length {} is not a positive multiple of 8", body_bytes));
  }
  FileView view;
  view.body = file.subspan(kBodyOffset, body_bytes);
  std::memcpy(view.signature.data(), file.data() + kBodyOffset + body_bytes,
              ledger::kSignatureBytes);
  BACKSTOP_ASSERT(kBodyOffset + body_bytes + ledger::kSignatureBytes == footer_offset);
  return view;
}

}  // namespace snapshots::internal
