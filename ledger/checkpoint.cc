// Signed notes, checkpoint bodies and proof files: text in, text out, strictly parsed.
#include "ledger/checkpoint.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <charconv>

#include "base/strong_type_fmt.h"
#include "ledger/merkle.h"

namespace ledger {

using base::Result;
using base::Status;
namespace {

constexpr std::string_view kOriginPrefix = "backstop/";
constexpr std::string_view kHeadExtension = "backstop-head ";
constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, then a space.
constexpr std::string_view kProofHeader = "c2sp.org/tlog-proof@v1";
constexpr std::string_view kConsistencyHeader = "backstop/consistency-proof@v1";
constexpr uint8_t kEd25519Algorithm = 0x01;  // signed-note's signature type for Ed25519.
constexpr size_t kMaxProofHashes = 64;
constexpr size_t kMaxExtraBytes = kMaxRecordBytes;

Status Bad(std::string_view what, std::string_view detail) {
  return Status::Corruption(what, detail);
}

// Splits `text` into lines ending in "\n"; false if the last line lacks one.
bool SplitLines(std::string_view text, std::vector<std::string_view>* lines) {
  while (!text.empty()) {
    size_t end = text.find('\n');
    if (end == std::string_view::npos) return false;
    lines->push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return true;
}

// A decimal with no sign, no leading zeros (except "0") and no overflow.
bool ParseDecimal(std::string_view text, uint64_t* value) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ParseHashHex(std::string_view text, Hash* hash) {
  if (text.size() != 2 * hash->size()) return false;
  for (size_t i = 0; i < hash->size(); ++i) {
    auto [end, ec] = std::from_chars(text.data() + 2 * i, text.data() + 2 * i + 2, (*hash)[i], 16);
    if (ec != std::errc() || end != text.data() + 2 * i + 2) return false;
  }
  return ToHex(*hash) == text;  // Lowercase only: one spelling per hash.
}

bool IsNoteText(std::string_view line) {
  for (unsigned char c : line) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

Result<std::vector<Hash>> ParseHashLines(std::span<const std::string_view> lines,
                                         std::string_view what) {
  if (lines.size() > kMaxProofHashes) return Bad(what, "too many proof hashes");
  std::vector<Hash> hashes(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!FromBase64(lines[i], hashes[i]).ok()) {
      return Bad(what, fmt::format("proof line {} is not a base64 SHA-256 hash", i + 1));
    }
  }
  return hashes;
}

}  // namespace

std::string Base64(std::span<const uint8_t> bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // The terminating NUL.
  return out;
}

Result<std::vector<uint8_t>> FromBase64(std::string_view text, size_t max_bytes) {
  if (text.size() / 4 * 3 > max_bytes + 3) return Status::InvalidArgument("base64", "too long");
  std::vector<uint8_t> out(text.size() / 4 * 3 + 3);
  size_t size = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &size, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size() || size > max_bytes) {
    return Status::InvalidArgument("base64", "not valid base64");
  }
  out.resize(size);
  // One spelling per value: re-encoding gives the same text.
  if (Base64(out) != text) return Status::InvalidArgument("base64", "not canonical base64");
  return out;
}

Status FromBase64(std::string_view text, std::span<uint8_t> out) {
  BACKSTOP_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, FromBase64(text, out.size()));
  if (bytes.size() != out.size()) {
    return Status::InvalidArgument("base64",
                                   fmt::format("{} bytes, expected {}", bytes.size(), out.size()));
  }
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return Status::OK();
}

std::string CheckpointOrigin(const ChainId& chain_id) {
  return std::string(kOriginPrefix) + ToHex(chain_id);
}

Result<ChainId> ChainIdFromOrigin(std::string_view origin) {
  ChainId id{};
  if (origin.substr(0, kOriginPrefix.size()) != kOriginPrefix ||
      origin.size() != kOriginPrefix.size() + 2 * id.size()) {
    return Status::InvalidArgument("origin", fmt::format("'{}' is not a backstop log origin "
                                                         "(backstop/ and 32 hex characters)",
                                                         origin));
  }
  std::string_view hex = origin.substr(kOriginPrefix.size());
  for (size_t i = 0; i < id.size(); ++i) {
    auto [end, ec] = std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, id[i], 16);
    if (ec != std::errc() || end != hex.data() + 2 * i + 2) {
      return Status::InvalidArgument("origin", fmt::format("'{}': bad chain id", origin));
    }
  }
  if (ToHex(id) != hex) return Status::InvalidArgument("origin", "chain id must be lowercase");
  return id;
}

NoteKeyHash MakeNoteKeyHash(std::string_view name, const RawPublicKey& key) {
  base::Sha256 sha;
  sha.Reset();
  sha.Update({reinterpret_cast<const uint8_t*>(name.data()), name.size()});
  static constexpr uint8_t kNewlineAndAlgorithm[] = {'\n', kEd25519Algorithm};
  sha.Update(kNewlineAndAlgorithm);
  sha.Update(key);
  Hash digest = sha.Finish();
  NoteKeyHash hash{};
  std::copy_n(digest.begin(), hash.size(), hash.begin());
  return hash;
}

std::string NoteVerifierKey(std::string_view name, const RawPublicKey& key) {
  std::vector<uint8_t> typed = {kEd25519Algorithm};
  typed.insert(typed.end(), key.begin(), key.end());
  return fmt::format("{}+{}+{}", name, ToHex(MakeNoteKeyHash(name, key)), Base64(typed));
}

Result<SignedNote> ParseSignedNote(std::string_view text) {
  constexpr std::string_view kWhat = "signed note";
  if (text.size() > kMaxNoteBytes) return Bad(kWhat, "larger than 16 KiB");
  size_t split = text.find("\n\n");
  if (split == std::string_view::npos) return Bad(kWhat, "no empty line after the body");
  SignedNote note;
  note.body = std::string(text.substr(0, split + 1));
  std::vector<std::string_view> body_lines;
  std::vector<std::string_view> signature_lines;
  if (!SplitLines(note.body, &body_lines) ||
      !SplitLines(text.substr(split + 2), &signature_lines)) {
    return Bad(kWhat, "the last line does not end in a newline");
  }
  for (std::string_view line : body_lines) {
    if (line.empty() || !IsNoteText(line)) return Bad(kWhat, "a body line is empty or not text");
  }
  if (signature_lines.empty()) return Bad(kWhat, "no signature line");
  for (std::string_view line : signature_lines) {
    if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
      return Bad(kWhat, "a signature line does not start with an em dash and a space");
    }
    line.remove_prefix(kSignaturePrefix.size());
    size_t space = line.find(' ');
    if (space == 0 || space == std::string_view::npos) return Bad(kWhat, "a signature has no name");
    NoteSignature signature;
    signature.name = std::string(line.substr(0, space));
    std::array<uint8_t, 4 + kSignatureBytes> blob{};
    if (!FromBase64(line.substr(space + 1), blob).ok()) {
      // Another algorithm's signature (other lengths) is not ours to check: keep none of it.
      continue;
    }
    std::copy_n(blob.begin(), 4, signature.key_hash.begin());
    std::copy(blob.begin() + 4, blob.end(), signature.signature.begin());
    note.signatures.push_back(std::move(signature));
  }
  return note;
}

std::string FormatSignedNote(const SignedNote& note) {
  std::string text = note.body + "\n";
  for (const NoteSignature& signature : note.signatures) {
    std::array<uint8_t, 4 + kSignatureBytes> blob{};
    std::copy(signature.key_hash.begin(), signature.key_hash.end(), blob.begin());
    std::copy(signature.signature.begin(), signature.signature.end(), blob.begin() + 4);
    text += fmt::format("{}{} {}\n", kSignaturePrefix, signature.name, Base64(blob));
  }
  return text;
}

std::string FormatCheckpointBody(const Checkpoint& checkpoint) {
  return fmt::format("{}\n{}\n{}\n{}{} {}\n", checkpoint.origin, checkpoint.size,
                     Base64(checkpoint.root), kHeadExtension, checkpoint.size,
                     ToHex(checkpoint.head_hash));
}

Result<Checkpoint> ParseCheckpointBody(std::string_view body) {
  constexpr std::string_view kWhat = "checkpoint";
  std::vector<std::string_view> lines;
  if (!SplitLines(body, &lines)) return Bad(kWhat, "the body does not end in a newline");
  if (lines.size() != 4) {
    return Bad(kWhat, fmt::format("{} body lines; expected origin, size, root and {}", lines.size(),
                                  kHeadExtension.substr(0, kHeadExtension.size() - 1)));
  }
  Checkpoint checkpoint;
  checkpoint.origin = std::string(lines[0]);
  if (!ChainIdFromOrigin(checkpoint.origin).ok()) {
    return Bad(kWhat, fmt::format("origin '{}' is not a backstop log", lines[0]));
  }
  if (!ParseDecimal(lines[1], &checkpoint.size)) return Bad(kWhat, "tree size is not a decimal");
  if (!FromBase64(lines[2], checkpoint.root).ok()) return Bad(kWhat, "root is not base64 SHA-256");
  std::string_view head = lines[3];
  uint64_t head_seq = 0;
  size_t space = head.find(' ', kHeadExtension.size());
  if (head.substr(0, kHeadExtension.size()) != kHeadExtension || space == std::string_view::npos ||
      !ParseDecimal(head.substr(kHeadExtension.size(), space - kHeadExtension.size()), &head_seq) ||
      !ParseHashHex(head.substr(space + 1), &checkpoint.head_hash)) {
    return Bad(kWhat, "the backstop-head line is malformed");
  }
  if (head_seq != checkpoint.size) {
    return Bad(kWhat, fmt::format("backstop-head seq {} is not the tree size {}", head_seq,
                                  checkpoint.size));
  }
  return checkpoint;
}

Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, const PrivateKey& key) {
  Signer signer(key);
  return SignCheckpoint(checkpoint, signer);
}

Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, Signer& signer) {
  SignedNote note;
  note.body = FormatCheckpointBody(checkpoint);
  BACKSTOP_ASSIGN_OR_RETURN(
      Signature signature,
      signer.Sign({reinterpret_cast<const uint8_t*>(note.body.data()), note.body.size()}));
  note.signatures.push_back({checkpoint.origin,
                             MakeNoteKeyHash(checkpoint.origin, signer.public_key().raw()),
                             signature});
  return FormatSignedNote(note);
}

Result<NoteKeyHash> CheckpointKeyHash(std::string_view text) {
  BACKSTOP_ASSIGN_OR_RETURN(SignedNote note, ParseSignedNote(text));
  BACKSTOP_ASSIGN_OR_RETURN(Checkpoint checkpoint, ParseCheckpointBody(note.body));
  for (const NoteSignature& signature : note.signatures) {
    if (signature.name == checkpoint.origin) return signature.key_hash;
  }
  return Bad("checkpoint", "no signature under the log's origin");
}

Result<OpenedCheckpoint> OpenCheckpoint(std::string_view text, const PublicKey& key) {
  OpenedCheckpoint opened;
  BACKSTOP_ASSIGN_OR_RETURN(opened.note, ParseSignedNote(text));
  BACKSTOP_ASSIGN_OR_RETURN(opened.checkpoint, ParseCheckpointBody(opened.note.body));
  const std::string& name = opened.checkpoint.origin;
  NoteKeyHash key_hash = MakeNoteKeyHash(name, key.raw());
  for (const NoteSignature& signature : opened.note.signatures) {
    if (signature.name != name || signature.key_hash != key_hash) continue;
    const std::string& body = opened.note.body;
    if (VerifySignature(key, {reinterpret_cast<const uint8_t*>(body.data()), body.size()},
                        signature.signature)) {
      return opened;
    }
    return Bad("checkpoint", fmt::format("size {}: bad signature by key {}", opened.checkpoint.size,
                                         ToHex(key.key_id())));
  }
  return Bad("checkpoint", fmt::format("size {}: not signed by key {}", opened.checkpoint.size,
                                       ToHex(key.key_id())));
}

std::string FormatInclusionProofFile(const InclusionProofFile& file) {
  std::string text = std::string(kProofHeader) + "\n";
  if (!file.extra.empty()) text += "extra " + Base64(file.extra) + "\n";
  text += fmt::format("index {}\n", file.index);
  for (const Hash& hash : file.proof) text += Base64(hash) + "\n";
  return text + "\n" + file.checkpoint;
}

Result<InclusionProofFile> ParseInclusionProofFile(std::string_view text) {
  constexpr std::string_view kWhat = "tlog-proof";
  if (text.size() > kMaxNoteBytes + 2 * kMaxExtraBytes) return Bad(kWhat, "file too large");
  size_t split = text.find("\n\n");
  if (split == std::string_view::npos) return Bad(kWhat, "no empty line before the checkpoint");
  std::vector<std::string_view> lines;
  SplitLines(text.substr(0, split + 1), &lines);
  InclusionProofFile file;
  file.checkpoint = std::string(text.substr(split + 2));
  size_t at = 0;
  if (lines.empty() || lines[at++] != kProofHeader) {
    return Bad(kWhat, fmt::format("the first line is not {}", kProofHeader));
  }
  if (at < lines.size() && lines[at].substr(0, 6) == "extra ") {
    auto extra = FromBase64(lines[at++].substr(6), kMaxExtraBytes);
    if (!extra.ok()) return Bad(kWhat, "extra is not base64");
    file.extra = std::move(*extra);
  }
  if (at >= lines.size() || lines[at].substr(0, 6) != "index " ||
      !ParseDecimal(lines[at].substr(6), &file.index)) {
    return Bad(kWhat, "no valid index line");
  }
  ++at;
  BACKSTOP_ASSIGN_OR_RETURN(file.proof, ParseHashLines(std::span(lines).subspan(at), kWhat));
  return file;
}

std::string FormatConsistencyProofFile(const ConsistencyProofFile& file) {
  std::string text =
      fmt::format("{}\nold {}\nnew {}\n", kConsistencyHeader, file.old_size, file.new_size);
  for (const Hash& hash : file.proof) text += Base64(hash) + "\n";
  return text;
}

Result<ConsistencyProofFile> ParseConsistencyProofFile(std::string_view text) {
  constexpr std::string_view kWhat = "consistency proof";
  if (text.size() > kMaxNoteBytes) return Bad(kWhat, "file too large");
  std::vector<std::string_view> lines;
  if (!SplitLines(text, &lines)) return Bad(kWhat, "the last line does not end in a newline");
  ConsistencyProofFile file;
  if (lines.size() < 3 || lines[0] != kConsistencyHeader || lines[1].substr(0, 4) != "old " ||
      !ParseDecimal(lines[1].substr(4), &file.old_size) || lines[2].substr(0, 4) != "new " ||
      !ParseDecimal(lines[2].substr(4), &file.new_size)) {
    return Bad(kWhat, fmt::format("expected {}, 'old N' and 'new M' lines", kConsistencyHeader));
  }
  BACKSTOP_ASSIGN_OR_RETURN(file.proof, ParseHashLines(std::span(lines).subspan(3), kWhat));
  return file;
}

Result<OpenedCheckpoint> OpenTrustedCheckpoint(std::string_view note, const Keyring& keyring,
                                               const std::optional<ChainId>& chain) {
  BACKSTOP_ASSIGN_OR_RETURN(SignedNote signed_note, ParseSignedNote(note));
  BACKSTOP_ASSIGN_OR_RETURN(Checkpoint body, ParseCheckpointBody(signed_note.body));
  if (chain && body.origin != CheckpointOrigin(*chain)) {
    return Bad("checkpoint", fmt::format("is of log {}, not of the trusted log {}", body.origin,
                                         CheckpointOrigin(*chain)));
  }
  BACKSTOP_ASSIGN_OR_RETURN(NoteKeyHash key_hash, CheckpointKeyHash(note));
  for (const auto& [id, key] : keyring.keys()) {
    if (MakeNoteKeyHash(body.origin, key.raw()) == key_hash) return OpenCheckpoint(note, key);
  }
  return Bad("checkpoint",
             fmt::format("tree size {}: signed by none of the trusted keys", body.size));
}

Result<ProvenRecord> CheckInclusionProofFile(std::string_view text, const Keyring& keyring,
                                             const std::optional<ChainId>& chain) {
  constexpr std::string_view kWhat = "tlog-proof";
  BACKSTOP_ASSIGN_OR_RETURN(InclusionProofFile file, ParseInclusionProofFile(text));
  BACKSTOP_ASSIGN_OR_RETURN(OpenedCheckpoint opened,
                            OpenTrustedCheckpoint(file.checkpoint, keyring, chain));
  const Checkpoint& checkpoint = opened.checkpoint;
  if (file.extra.empty()) return Bad(kWhat, "the proof carries no record (extra)");
  Result<LogRecord> record = DecodeRecord(file.extra);
  if (!record.ok()) return Bad(kWhat, "the record: " + record.status().message());
  if (record->seq() != SequenceNumber{file.index + 1}) {
    return Bad(kWhat, fmt::format("the record is seq {}, but the proof is for index {} (seq {})",
                                  record->seq(), file.index, file.index + 1));
  }
  BACKSTOP_ASSIGN_OR_RETURN(ChainId chain_id, ChainIdFromOrigin(checkpoint.origin));
  base::Sha256 sha;
  const Hash hash = ChainHash(sha, MakeDomainTag(chain_id), record->prev_hash(), record->seq(),
                              record->envelope_bytes());
  if (hash != record->hash()) {
    return Bad(kWhat,
               fmt::format("seq {}: the record's hash does not match its bytes", record->seq()));
  }
  if (!VerifyInclusion(file.index, checkpoint.size, LeafHash(sha, hash), file.proof,
                       checkpoint.root)) {
    return Bad(kWhat, fmt::format("seq {}: the inclusion proof does not lead to the root of the "
                                  "checkpoint at tree size {}",
                                  record->seq(), checkpoint.size));
  }
  return ProvenRecord{checkpoint, std::move(record).value()};
}

Result<std::pair<Checkpoint, Checkpoint>> CheckConsistencyProofFile(
    std::string_view text, std::string_view old_note, std::string_view new_note,
    const Keyring& keyring, const std::optional<ChainId>& chain) {
  constexpr std::string_view kWhat = "consistency proof";
  BACKSTOP_ASSIGN_OR_RETURN(ConsistencyProofFile file, ParseConsistencyProofFile(text));
  Result<OpenedCheckpoint> older = OpenTrustedCheckpoint(old_note, keyring, chain);
  if (!older.ok()) return Bad(kWhat, "old checkpoint " + older.status().message());
  Result<OpenedCheckpoint> newer = OpenTrustedCheckpoint(new_note, keyring, chain);
  if (!newer.ok()) return Bad(kWhat, "new checkpoint " + newer.status().message());
  const Checkpoint& a = older->checkpoint;
  const Checkpoint& b = newer->checkpoint;
  if (a.origin != b.origin) return Bad(kWhat, "the two checkpoints are of different logs");
  if (a.size != file.old_size || b.size != file.new_size) {
    return Bad(kWhat, fmt::format("the proof links sizes {} and {}, the checkpoints are {} and {}",
                                  file.old_size, file.new_size, a.size, b.size));
  }
  if (!VerifyConsistency(a.size, b.size, a.root, b.root, file.proof)) {
    return Bad(kWhat, fmt::format("the tree at size {} does not extend the tree at size {}: the "
                                  "log was rewritten, not only appended to",
                                  b.size, a.size));
  }
  return std::make_pair(a, b);
}

}  // namespace ledger
