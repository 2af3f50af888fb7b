// Ed25519 keys (OpenSSL 3 EVP: generation and PEM files), signing and signature checks
// (libsodium); the keyring.
#include "ledger/keys.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ledger/internal/file_util.h"

namespace ledger {

using base::Result;
using base::Status;
namespace {

constexpr size_t kMaxPemBytes = 64 * 1024;
constexpr size_t kMaxKeyringFiles = 100000;

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof(buffer));
  return buffer;
}

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* pkey) {
  return std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
}

// Reads a small file whole. NotFound/IOError/InvalidArgument (too large).
Result<std::string> ReadSmallFile(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return Status::NotFound(path, ec.message());
    return Status::IOError(path, ec.message());
  }
  if (size > kMaxPemBytes) return Status::InvalidArgument(path, "file too large for a PEM key");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path, std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `text` to a new file with `mode`, fsyncs it. InvalidArgument if it exists.
Status WriteNewFile(const std::string& path, const std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) return Status::InvalidArgument(path, "already exists");
    return Status::IOError(path, std::strerror(errno));
  }
  return internal::WriteSyncAndClose(fd, text, path);
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

Result<RawPublicKey> RawOf(EVP_PKEY* pkey, const std::string& where) {
  if (EVP_PKEY_is_a(pkey, "ED25519") != 1) {
    return Status::InvalidArgument(where, "not an Ed25519 key");
  }
  RawPublicKey raw{};
  size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey, raw.data(), &size) != 1 || size != raw.size()) {
    return Status::InvalidArgument(where, "cannot extract the raw Ed25519 public key");
  }
  return raw;
}

}  // namespace

std::string ToHex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    hex[2 * i] = kDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return hex;
}

Result<KeyId> KeyIdFromHex(std::string_view hex) {
  KeyId id{};
  if (hex.size() != 2 * id.size()) {
    return Status::InvalidArgument("key id", fmt::format("'{}' is not 32 hex characters", hex));
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < id.size(); ++i) {
    int high = nibble(hex[2 * i]);
    int low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      return Status::InvalidArgument("key id", fmt::format("'{}' is not hex", hex));
    }
    id[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return id;
}

KeyId KeyIdOf(const RawPublicKey& public_key) {
  base::Sha256 sha;
  Hash digest = sha.Of(public_key);
  KeyId id{};
  std::copy_n(digest.begin(), id.size(), id.begin());
  return id;
}

// ---------------------------------------------------------------------------------------------
// PublicKey

PublicKey::PublicKey(std::shared_ptr<evp_pkey_st> pkey, const RawPublicKey& raw)
    : pkey_(std::move(pkey)), raw_(raw), key_id_(KeyIdOf(raw)) {}

Result<PublicKey> PublicKey::FromRaw(const RawPublicKey& raw) {
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, raw.data(), raw.size());
  if (pkey == nullptr) return Status::InvalidArgument("public key", OpenSslError());
  return PublicKey(Own(pkey), raw);
}

Result<PublicKey> PublicKey::LoadPem(const std::string& path) {
  BACKSTOP_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  if (text.find("PRIVATE KEY") != std::string::npos) {
    return Status::InvalidArgument(path, "holds a private key; expected a public-key PEM");
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY_ex(bio.get(), nullptr, nullptr, nullptr, nullptr, nullptr);
  if (pkey == nullptr) {
    return Status::InvalidArgument(path, "not a public-key PEM: " + OpenSslError());
  }
  auto owned = Own(pkey);
  BACKSTOP_ASSIGN_OR_RETURN(RawPublicKey raw, RawOf(pkey, path));
  return PublicKey(std::move(owned), raw);
}

std::string PublicKey::ToPem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  BACKSTOP_ASSERT(bio != nullptr);
  BACKSTOP_ASSERT(PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) == 1, OpenSslError());
  return BioToString(bio.get());
}

Status PublicKey::SavePem(const std::string& path) const {
  return WriteNewFile(path, ToPem(), 0644);
}

// ---------------------------------------------------------------------------------------------
// PrivateKey

PrivateKey::PrivateKey(std::shared_ptr<evp_pkey_st> pkey, PublicKey public_key)
    : pkey_(std::move(pkey)), public_key_(std::move(public_key)) {}

Result<PrivateKey> PrivateKey::Generate() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (pkey == nullptr) return Status::IOError("keygen", OpenSslError());
  auto owned = Own(pkey);
  BACKSTOP_ASSIGN_OR_RETURN(RawPublicKey raw, RawOf(pkey, "keygen"));
  BACKSTOP_ASSIGN_OR_RETURN(PublicKey public_key, PublicKey::FromRaw(raw));
  return PrivateKey(std::move(owned), std::move(public_key));
}

Result<PrivateKey> PrivateKey::LoadPem(const std::string& path) {
  BACKSTOP_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
  EVP_PKEY* pkey =
      PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, nullptr, nullptr, nullptr, nullptr);
  OPENSSL_cleanse(text.data(), text.size());
  if (pkey == nullptr) {
    return Status::InvalidArgument(path, "not a private-key PEM: " + OpenSslError());
  }
  auto owned = Own(pkey);
  BACKSTOP_ASSIGN_OR_RETURN(RawPublicKey raw, RawOf(pkey, path));
  BACKSTOP_ASSIGN_OR_RETURN(PublicKey public_key, PublicKey::FromRaw(raw));
  return PrivateKey(std::move(owned), std::move(public_key));
}

Status PrivateKey::SavePem(const std::string& path) const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  BACKSTOP_ASSERT(bio != nullptr);
  // PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted: protected by the file mode.
  if (PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
      1) {
    return Status::IOError(path, OpenSslError());
  }
  std::string text = BioToString(bio.get());
  Status s = WriteNewFile(path, text, 0600);
  OPENSSL_cleanse(text.data(), text.size());
  return s;
}

// ---------------------------------------------------------------------------------------------
// Signer and VerifySignature

namespace {

int InitSodium() {
  // sodium_init is idempotent and thread-safe: 0 the first time, 1 after, -1 on failure.
  static const int initialized = sodium_init();
  BACKSTOP_ASSERT(initialized >= 0, initialized);
  return initialized;
}

}  // namespace

Signer::Signer(const PrivateKey& key) : key_(key) {
  InitSodium();
  std::array<uint8_t, crypto_sign_SEEDBYTES> seed{};
  size_t size = seed.size();
  BACKSTOP_ASSERT(
      EVP_PKEY_get_raw_private_key(key.pkey(), seed.data(), &size) == 1 && size == seed.size(),
      OpenSslError());
  RawPublicKey public_key{};
  static_assert(std::tuple_size_v<decltype(secret_key_)> == crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(public_key.data(), secret_key_.data(), seed.data());
  sodium_memzero(seed.data(), seed.size());
  BACKSTOP_ASSERT(public_key == key.public_key().raw());
}

Signer::~Signer() { sodium_memzero(secret_key_.data(), secret_key_.size()); }

Result<Signature> Signer::Sign(std::span<const uint8_t> message) {
  Signature signature{};
  if (crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(),
                           secret_key_.data()) != 0) {
    return Status::IOError("sign", "libsodium crypto_sign_detached failed");
  }
  return signature;
}

bool VerifySignature(const PublicKey& key, std::span<const uint8_t> message,
                     const Signature& signature) {
  InitSodium();
  static_assert(std::tuple_size_v<Signature> == crypto_sign_BYTES);
  static_assert(std::tuple_size_v<RawPublicKey> == crypto_sign_PUBLICKEYBYTES);
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     key.raw().data()) == 0;
}

// ---------------------------------------------------------------------------------------------
// Keyring

void Keyring::Add(const PublicKey& key) { keys_.insert_or_assign(key.key_id(), key); }

Status Keyring::AddPemFile(const std::string& path) {
  BACKSTOP_ASSIGN_OR_RETURN(PublicKey key, PublicKey::LoadPem(path));
  Add(key);
  return Status::OK();
}

Status Keyring::AddPemDirectory(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::NotFound(dir, "keyring folder does not exist");
  }
  std::vector<std::string> paths;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (paths.size() >= kMaxKeyringFiles) {
      return Status::InvalidArgument(dir, "more files than kMaxKeyringFiles");
    }
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && it->path().extension() == ".pem") {
      paths.push_back(it->path().string());
    }
  }
  if (ec) return Status::IOError(dir, ec.message());
  std::sort(paths.begin(), paths.end());
  for (const std::string& path : paths) BACKSTOP_RETURN_IF_ERROR(AddPemFile(path));
  return Status::OK();
}

const PublicKey* Keyring::Find(const KeyId& key_id) const {
  auto it = keys_.find(key_id);
  return it == keys_.end() ? nullptr : &it->second;
}

}  // namespace ledger
