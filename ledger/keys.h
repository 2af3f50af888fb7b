// Ed25519 keys, signatures and the keyring. Keys use OpenSSL 3 (SHA-256 is base/sha256.h); signing
// and signature checks use libsodium, whose Ed25519 is 2.3x faster than OpenSSL 3.0's here;
// its verification accepts a subset of what OpenSSL accepts (it also refuses small-order and
// non-canonical points): see docs/AUDIT.md.
// Keys are PEM files: private keys PKCS#8 (mode 0600), public keys SubjectPublicKeyInfo, so
// stock `openssl pkeyutl -verify -pubin -inkey PUB.pem -rawin` checks our signatures.
// PrivateKey/PublicKey are immutable values, safe to share across threads. Signer (an expanded
// libsodium key): one per thread (thread-compatible).
// VerifySignature is thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"

struct evp_pkey_st;
struct evp_md_ctx_st;

namespace ledger {

inline constexpr size_t kHashBytes = base::kSha256Bytes;
inline constexpr size_t kSignatureBytes = 64;
inline constexpr size_t kPublicKeyBytes = 32;
inline constexpr size_t kKeyIdBytes = 16;

using Hash = base::Sha256Digest;                            // SHA-256 digest.
using Signature = std::array<uint8_t, kSignatureBytes>;     // Ed25519 signature.
using RawPublicKey = std::array<uint8_t, kPublicKeyBytes>;  // Raw Ed25519 public key.
// First 16 bytes of SHA-256(raw public key); shown as 32 lowercase hex characters.
using KeyId = std::array<uint8_t, kKeyIdBytes>;

// Lowercase hex of `bytes`.
std::string ToHex(std::span<const uint8_t> bytes);
// Parses 32 hex characters. InvalidArgument otherwise.
base::Result<KeyId> KeyIdFromHex(std::string_view hex);
// The key id of a raw public key.
KeyId KeyIdOf(const RawPublicKey& public_key);

// An Ed25519 public key. Regular value type (shares one immutable EVP_PKEY).
class PublicKey {
 public:
  // InvalidArgument if the bytes are not a valid Ed25519 point encoding OpenSSL accepts.
  static base::Result<PublicKey> FromRaw(const RawPublicKey& raw);
  // Reads a SubjectPublicKeyInfo PEM file. NotFound/IOError if unreadable, InvalidArgument if
  // it is not an Ed25519 public key (a private-key PEM is refused: keep those out of keyrings).
  static base::Result<PublicKey> LoadPem(const std::string& path);
  // Writes the PEM file (mode 0644). InvalidArgument if `path` exists; IOError on failure.
  base::Status SavePem(const std::string& path) const;
  std::string ToPem() const;

  const RawPublicKey& raw() const { return raw_; }
  const KeyId& key_id() const { return key_id_; }
  evp_pkey_st* pkey() const { return pkey_.get(); }  // Borrowed; lives as long as *this.

 private:
  PublicKey(std::shared_ptr<evp_pkey_st> pkey, const RawPublicKey& raw);
  std::shared_ptr<evp_pkey_st> pkey_;
  RawPublicKey raw_{};
  KeyId key_id_{};
};

// An Ed25519 private key. Regular value type (shares one immutable EVP_PKEY).
class PrivateKey {
 public:
  // A fresh key from OpenSSL's CSPRNG.
  static base::Result<PrivateKey> Generate();
  // Reads a PKCS#8 PEM file (unencrypted). NotFound/IOError/InvalidArgument as for PublicKey.
  static base::Result<PrivateKey> LoadPem(const std::string& path);
  // Writes PKCS#8 PEM with mode 0600 (created so, never widened). InvalidArgument if `path`
  // exists; IOError on failure. The file is fsync'd before returning.
  base::Status SavePem(const std::string& path) const;

  const PublicKey& public_key() const { return public_key_; }
  const KeyId& key_id() const { return public_key_.key_id(); }
  evp_pkey_st* pkey() const { return pkey_.get(); }  // Borrowed; lives as long as *this.

 private:
  PrivateKey(std::shared_ptr<evp_pkey_st> pkey, PublicKey public_key);
  std::shared_ptr<evp_pkey_st> pkey_;
  PublicKey public_key_;
};

// Signs messages (Ed25519 with libsodium: 2.3x faster here than OpenSSL 3.0's, and
// byte-identical, since Ed25519 signing is deterministic). Not thread-safe: one Signer per
// thread. Holds the expanded secret key, wiped on destruction.
class Signer {
 public:
  explicit Signer(const PrivateKey& key);
  ~Signer();
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  // A record's signature is over its 32-byte hash; a checkpoint's over its note body.
  // IOError only if libsodium fails; Ed25519 signing is otherwise total.
  base::Result<Signature> Sign(std::span<const uint8_t> message);
  const KeyId& key_id() const { return key_.key_id(); }
  const PublicKey& public_key() const { return key_.public_key(); }

 private:
  PrivateKey key_;
  std::array<uint8_t, 64> secret_key_{};  // libsodium's seed || public key.
};

// True iff `signature` is `key`'s valid Ed25519 signature of `message` (libsodium's
// crypto_sign_verify_detached). Thread-safe.
bool VerifySignature(const PublicKey& key, std::span<const uint8_t> message,
                     const Signature& signature);

// Public keys by key id. Value type; thread-compatible (const methods may run concurrently).
class Keyring {
 public:
  // Adds a key (idempotent for the same key).
  void Add(const PublicKey& key);
  // Loads one public-key PEM file. Errors as PublicKey::LoadPem, naming the file.
  base::Status AddPemFile(const std::string& path);
  // Loads every regular file ending in ".pem" in `dir` (not recursive), in name order.
  // NotFound if `dir` does not exist; the first bad file's error otherwise.
  base::Status AddPemDirectory(const std::string& dir);

  // nullptr if unknown. The pointer stays valid until the Keyring is modified or destroyed.
  const PublicKey* Find(const KeyId& key_id) const;
  size_t size() const { return keys_.size(); }
  const std::map<KeyId, PublicKey>& keys() const { return keys_; }

 private:
  std::map<KeyId, PublicKey> keys_;
};

}  // namespace ledger
