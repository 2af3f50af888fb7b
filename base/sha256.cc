// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but they are supported
// and much cheaper per message: a chain hash is ~300 bytes, and EVP's per-message init and
// provider dispatch cost as much as the hashing itself (both run the same SHA-NI code).
#define OPENSSL_SUPPRESS_DEPRECATED

#include "base/sha256.h"

#include <openssl/sha.h>

namespace base {

Sha256::Sha256() : ctx_(std::make_unique<SHA256_CTX>()) { Reset(); }

Sha256::~Sha256() = default;

void Sha256::Reset() { SHA256_Init(ctx_.get()); }

void Sha256::Update(std::span<const uint8_t> bytes) {
  SHA256_Update(ctx_.get(), bytes.data(), bytes.size());
}

Sha256Digest Sha256::Finish() {
  Sha256Digest digest{};
  SHA256_Final(digest.data(), ctx_.get());
  return digest;
}

Sha256Digest Sha256::Of(std::span<const uint8_t> bytes) {
  Reset();
  Update(bytes);
  return Finish();
}

}  // namespace base
