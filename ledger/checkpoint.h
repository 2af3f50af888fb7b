// Signed checkpoints of the log's Merkle tree, in the C2SP formats that Go's checksum
// database, Sigstore, Sigsum and Trillian-Tessera share (docs/formats/checkpoint.md):
//
//   signed note (c2sp.org/signed-note): a body of non-empty lines, each ending in "\n", an
//     empty line, then signature lines "— NAME BASE64(key hash (4 bytes) || signature)\n";
//     an Ed25519 key's hash is the first 4 bytes of SHA-256(NAME || "\n" || 0x01 || key);
//   checkpoint body (c2sp.org/tlog-checkpoint): origin, tree size (decimal), root (base64),
//     then extension lines. Ours adds one: "backstop-head SEQ CHAIN_HASH_HEX" (the record the
//     tree ends with, seq == size, and its chain hash);
//   proof (c2sp.org/tlog-proof@v1), and our consistency proof, below.
//
// The origin, and the signing key's name, is "backstop/" followed by the chain id in hex.
// Pure functions over strings; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ledger/keys.h"
#include "ledger/record.h"

namespace ledger {

inline constexpr size_t kMaxNoteBytes = 16 * 1024;

// "backstop/" + the chain id in lowercase hex.
std::string CheckpointOrigin(const ChainId& chain_id);
// The chain id an origin names. InvalidArgument if `origin` is not one of ours.
base::Result<ChainId> ChainIdFromOrigin(std::string_view origin);

using NoteKeyHash = std::array<uint8_t, 4>;
NoteKeyHash MakeNoteKeyHash(std::string_view name, const RawPublicKey& key);
// The note verifier key "NAME+HASH_HEX+BASE64(0x01 || key)" that Go's note.NewVerifier reads.
std::string NoteVerifierKey(std::string_view name, const RawPublicKey& key);

struct NoteSignature {
  std::string name;
  NoteKeyHash key_hash{};
  Signature signature{};
};

struct SignedNote {
  std::string body;  // The signed text: every line with its "\n".
  std::vector<NoteSignature> signatures;
};

// Splits a signed note. Corruption (naming what is wrong) unless it is well formed: a body of
// non-empty lines without control characters, an empty line, at least one signature line whose
// base64 holds 4 + 64 bytes; at most kMaxNoteBytes.
base::Result<SignedNote> ParseSignedNote(std::string_view text);
std::string FormatSignedNote(const SignedNote& note);

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  // From the "backstop-head" extension line: the last record's chain hash (seq == size).
  Hash head_hash{};
};

std::string FormatCheckpointBody(const Checkpoint& checkpoint);
// Corruption unless `body` is origin, size, base64 root and the backstop-head line (other
// extension lines are refused: nothing unsigned-by-us may ride along).
base::Result<Checkpoint> ParseCheckpointBody(std::string_view body);

// The signed note of `checkpoint`, signed by `key` under the origin's name.
base::Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, const PrivateKey& key);
// The same with a signer made beforehand (making one derives the key pair, which costs about
// as much as a signature: a writer that signs every batch keeps one).
base::Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, Signer& signer);

// A checkpoint opened with a trusted key.
struct OpenedCheckpoint {
  Checkpoint checkpoint;
  SignedNote note;
};
// Parses `text` and checks it: the body is a checkpoint, and one signature line, under the
// checkpoint's origin as name and with `key`'s key hash, is `key`'s valid Ed25519 signature of
// the body. Corruption naming what failed otherwise.
base::Result<OpenedCheckpoint> OpenCheckpoint(std::string_view text, const PublicKey& key);
// The key hash of the signature line under the origin's name, to pick the key to open with.
base::Result<NoteKeyHash> CheckpointKeyHash(std::string_view text);

// Standard base64 (RFC 4648 section 4, with padding).
std::string Base64(std::span<const uint8_t> bytes);
// InvalidArgument unless `text` is canonical base64 of exactly `out.size()` bytes.
base::Status FromBase64(std::string_view text, std::span<uint8_t> out);
// Any length, at most `max_bytes`.
base::Result<std::vector<uint8_t>> FromBase64(std::string_view text, size_t max_bytes);

// c2sp.org/tlog-proof@v1: an inclusion proof of leaf `index` plus the checkpoint it leads to.
struct InclusionProofFile {
  std::vector<uint8_t> extra;  // Ours: the record's stored bytes (a canonical schema::Record).
  uint64_t index = 0;
  std::vector<Hash> proof;
  std::string checkpoint;  // The signed note, verbatim.
};
std::string FormatInclusionProofFile(const InclusionProofFile& file);
base::Result<InclusionProofFile> ParseInclusionProofFile(std::string_view text);

// Ours: "backstop/consistency-proof@v1", "old N", "new M", then one base64 hash a line.
struct ConsistencyProofFile {
  uint64_t old_size = 0;
  uint64_t new_size = 0;
  std::vector<Hash> proof;
};
std::string FormatConsistencyProofFile(const ConsistencyProofFile& file);
base::Result<ConsistencyProofFile> ParseConsistencyProofFile(std::string_view text);

// ---- Checking proofs with trusted keys alone (what `backstop proof verify` does) ----

// Opens `note` with the key of `keyring` whose key hash its signature names. With `chain`, the
// origin must name that chain. Corruption naming what failed otherwise.
base::Result<OpenedCheckpoint> OpenTrustedCheckpoint(std::string_view note, const Keyring& keyring,
                                                     const std::optional<ChainId>& chain);

struct ProvenRecord {
  Checkpoint checkpoint;  // The checkpoint the record is proven against.
  LogRecord record;       // From the proof's `extra`.
};
// Checks a c2sp.org/tlog-proof file whose `extra` holds the record's stored bytes: the record
// decodes and is seq index + 1, its chain hash recomputes under the chain id the checkpoint's
// origin names, the inclusion proof leads to the checkpoint's root, and the checkpoint is
// signed by a trusted key. Corruption naming the first check that failed.
base::Result<ProvenRecord> CheckInclusionProofFile(std::string_view text, const Keyring& keyring,
                                                   const std::optional<ChainId>& chain);

// Checks a consistency proof between two checkpoint notes: both open with trusted keys and
// name the same log, the sizes are the proof's, and the newer tree extends the older one.
// Returns the two checkpoints (older, newer).
base::Result<std::pair<Checkpoint, Checkpoint>> CheckConsistencyProofFile(
    std::string_view text, std::string_view old_note, std::string_view new_note,
    const Keyring& keyring, const std::optional<ChainId>& chain);

}  // namespace ledger
