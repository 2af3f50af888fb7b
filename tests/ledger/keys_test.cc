// Keys: PEM files that stock openssl reads, file modes, key ids, signatures, the keyring.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "tests/ledger/ledger_test_util.h"

namespace ledger {
namespace {

using testing::TempDir;

PrivateKey NewKey() {
  auto key = PrivateKey::Generate();
  BACKSTOP_ASSERT(key.ok(), key.status().ToString());
  return *key;
}

TEST(KeysTest, PrivateKeyPemRoundTripsWithMode0600) {
  TempDir dir;
  PrivateKey key = NewKey();
  ASSERT_OK(key.SavePem(dir.Sub("key.pem")));
  struct stat info {};
  ASSERT_EQ(::stat(dir.Sub("key.pem").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto loaded = PrivateKey::LoadPem(dir.Sub("key.pem"));
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->key_id(), key.key_id());
  EXPECT_EQ(loaded->public_key().raw(), key.public_key().raw());
}

TEST(KeysTest, SaveRefusesToOverwrite) {
  TempDir dir;
  PrivateKey key = NewKey();
  ASSERT_OK(key.SavePem(dir.Sub("key.pem")));
  EXPECT_TRUE(NewKey().SavePem(dir.Sub("key.pem")).IsInvalidArgument());
  ASSERT_OK(key.public_key().SavePem(dir.Sub("pub.pem")));
  EXPECT_TRUE(key.public_key().SavePem(dir.Sub("pub.pem")).IsInvalidArgument());
}

TEST(KeysTest, KeyIdIsTheFirst16BytesOfSha256OfTheRawPublicKey) {
  PrivateKey key = NewKey();
  base::Sha256 sha;
  Hash digest = sha.Of(key.public_key().raw());
  EXPECT_TRUE(std::equal(key.key_id().begin(), key.key_id().end(), digest.begin()));
  std::string hex = ToHex(key.key_id());
  EXPECT_EQ(hex.size(), 32u);
  auto parsed = KeyIdFromHex(hex);
  ASSERT_OK(parsed);
  EXPECT_EQ(*parsed, key.key_id());
  EXPECT_TRUE(KeyIdFromHex("xyz").status().IsInvalidArgument());
}

TEST(KeysTest, Sha256MatchesTheKnownVector) {
  base::Sha256 sha;
  std::string abc = "abc";
  Hash digest = sha.Of({reinterpret_cast<const uint8_t*>(abc.data()), abc.size()});
  EXPECT_EQ(ToHex(digest), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(KeysTest, SignaturesVerifyOnlyForTheSignedHashAndKey) {
  PrivateKey key = NewKey();
  PrivateKey other = NewKey();
  Signer signer(key);
  Hash hash{};
  hash[0] = 1;
  auto signature = signer.Sign(hash);
  ASSERT_OK(signature);
  EXPECT_TRUE(VerifySignature(key.public_key(), hash, *signature));
  EXPECT_FALSE(VerifySignature(other.public_key(), hash, *signature));
  Hash changed = hash;
  changed[31] ^= 1;
  EXPECT_FALSE(VerifySignature(key.public_key(), changed, *signature));
}

// The identity point is a public key of order 1: R = identity, S = 0 satisfies the verification
// equation for every message. OpenSSL 3.0 accepts that signature; our verifier must not.
TEST(KeysTest, ASmallOrderKeySignsNothing) {
  RawPublicKey identity{};
  identity[0] = 1;
  auto key = PublicKey::FromRaw(identity);
  ASSERT_OK(key);  // OpenSSL takes the point as a key...
  Signature forged{};
  forged[0] = 1;
  Hash hash{};
  for (uint8_t byte : {0, 7, 255}) {
    hash.fill(byte);
    EXPECT_FALSE(VerifySignature(*key, hash, forged)) << int{byte};  // ...but no signature.
  }
}

TEST(KeysTest, StockOpensslVerifiesOurSignatureWithOurPublicPem) {
  TempDir dir;
  PrivateKey key = NewKey();
  ASSERT_OK(key.public_key().SavePem(dir.Sub("pub.pem")));
  Hash hash{};
  for (size_t i = 0; i < hash.size(); ++i) hash[i] = static_cast<uint8_t>(i);
  Signer signer(key);
  auto signature = signer.Sign(hash);
  ASSERT_OK(signature);
  std::ofstream(dir.Sub("hash.bin"), std::ios::binary)
      .write(reinterpret_cast<const char*>(hash.data()), hash.size());
  std::ofstream(dir.Sub("sig.bin"), std::ios::binary)
      .write(reinterpret_cast<const char*>(signature->data()), signature->size());
  std::string command = "openssl pkeyutl -verify -pubin -inkey " + dir.Sub("pub.pem") +
                        " -rawin -in " + dir.Sub("hash.bin") + " -sigfile " + dir.Sub("sig.bin") +
                        " > /dev/null 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

TEST(KeysTest, KeyringLoadsEveryPemOfAFolderAndFindsById) {
  TempDir dir;
  PrivateKey first = NewKey();
  PrivateKey second = NewKey();
  ASSERT_OK(first.public_key().SavePem(dir.Sub("a.pem")));
  ASSERT_OK(second.public_key().SavePem(dir.Sub("b.pem")));
  std::ofstream(dir.Sub("README.txt")) << "not a key";
  Keyring keyring;
  ASSERT_OK(keyring.AddPemDirectory(dir.path()));
  EXPECT_EQ(keyring.size(), 2u);
  ASSERT_NE(keyring.Find(second.key_id()), nullptr);
  EXPECT_EQ(keyring.Find(second.key_id())->raw(), second.public_key().raw());
  EXPECT_EQ(keyring.Find(NewKey().key_id()), nullptr);
}

TEST(KeysTest, KeyringRefusesPrivateKeysAndMissingFolders) {
  TempDir dir;
  ASSERT_OK(NewKey().SavePem(dir.Sub("secret.pem")));
  Keyring keyring;
  EXPECT_TRUE(keyring.AddPemDirectory(dir.path()).IsInvalidArgument());
  EXPECT_TRUE(keyring.AddPemDirectory(dir.Sub("missing")).IsNotFound());
  EXPECT_TRUE(PublicKey::LoadPem(dir.Sub("missing.pem")).status().IsNotFound());
}

}  // namespace
}  // namespace ledger
