// Framing of one snapshot file (docs/formats/snapshot.md): header, length-prefixed canonical
// body, Ed25519 signature, footer CRC; the signing hash; and the file-name scheme.
// Pure functions over byte spans; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ledger/keys.h"
#include "ledger/record.h"

namespace snapshots::internal {

inline constexpr std::string_view kMagic = "BKSNAP01";
inline constexpr uint32_t kFileVersion = 1;  // Version of the framing below.
inline constexpr uint32_t kBodyVersion = 1;  // Snapshot.formatVersion of the capnp body.
inline constexpr size_t kMagicBytes = 8;
inline constexpr size_t kHeaderBytes = 16;  // magic, u32 version, u32 header CRC.
inline constexpr size_t kLengthBytes = 8;   // u64 body length.
inline constexpr size_t kBodyOffset = kHeaderBytes + kLengthBytes;
inline constexpr size_t kFooterBytes = 4;  // u32 CRC of everything before it.
inline constexpr size_t kFramingBytes =
    kHeaderBytes + kLengthBytes + ledger::kSignatureBytes + kFooterBytes;
// Signing domain: SHA-256(kSigningTag || chain id || body) is what the key signs.
inline constexpr std::string_view kSigningTag = "backstop-snapshot-v1:";

static_assert(kMagic.size() == kMagicBytes);
static_assert(kHeaderBytes == kMagicBytes + 4 + 4);
static_assert(kBodyOffset % 8 == 0, "the body starts word-aligned in the file");
static_assert(kFramingBytes == 92);

// File names: "snapshot-" + seq as 20 zero-padded decimal digits + ".bin"; writers append
// ".partial" to the name while the file is incomplete.
inline constexpr std::string_view kFilePrefix = "snapshot-";
inline constexpr std::string_view kFileSuffix = ".bin";
inline constexpr std::string_view kPartialSuffix = ".partial";
inline constexpr size_t kSeqDigits = 20;

std::string FileNameFor(ledger::SequenceNumber seq);
// The seq of a final snapshot file name; nullopt for any other name (partials included).
std::optional<ledger::SequenceNumber> ParseFileName(std::string_view name);
bool IsPartialFileName(std::string_view name);

// SHA-256(kSigningTag || chain_id || body).
ledger::Hash SigningHash(base::Sha256& sha, const ledger::ChainId& chain_id,
                         std::span<const uint8_t> body);

// The whole file: header, body length, body, signature, footer CRC.
std::vector<uint8_t> EncodeFile(std::span<const uint8_t> body, const ledger::Signature& signature);

// The parts of a file whose framing checked out. `body` points into the parsed bytes.
struct FileView {
  std::span<const uint8_t> body;
  ledger::Signature signature{};
};

// Checks size, magic, version, header CRC, length and footer CRC, in that order. Corruption
// with an empty context and a detail naming the first failed check.
base::Result<FileView> ParseFile(std::span<const uint8_t> file);

}  // namespace snapshots::internal
