// Signed checkpoints and proof files: round trips, every altered byte refused, and stock
// OpenSSL accepting what libsodium signs.
#include "ledger/checkpoint.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "tests/ledger/ledger_test_util.h"

namespace ledger {
namespace {

PrivateKey NewKey() {
  auto key = PrivateKey::Generate();
  BACKSTOP_ASSERT(key.ok(), key.status().ToString());
  return *key;
}

Checkpoint SampleCheckpoint() {
  base::Sha256 sha;
  Checkpoint checkpoint;
  checkpoint.origin = CheckpointOrigin(ChainId{0xab, 0x01, 0x02});
  checkpoint.size = 1234;
  checkpoint.root = sha.Of(std::vector<uint8_t>{1});
  checkpoint.head_hash = sha.Of(std::vector<uint8_t>{2});
  return checkpoint;
}

TEST(CheckpointTest, SignsAndOpensTheC2spFormat) {
  PrivateKey key = NewKey();
  Checkpoint checkpoint = SampleCheckpoint();
  auto text = SignCheckpoint(checkpoint, key);
  ASSERT_OK(text);
  // origin, size, base64 root, our extension line, an empty line, one em-dash signature line.
  std::string expected_body = checkpoint.origin + "\n1234\n" + Base64(checkpoint.root) +
                              "\nbackstop-head 1234 " + ToHex(checkpoint.head_hash) + "\n\n";
  ASSERT_EQ(text->substr(0, expected_body.size()), expected_body);
  EXPECT_EQ(text->substr(expected_body.size(), 5 + checkpoint.origin.size()),
            "\xE2\x80\x94 " + checkpoint.origin + " ");
  auto opened = OpenCheckpoint(*text, key.public_key());
  ASSERT_OK(opened);
  EXPECT_EQ(opened->checkpoint.size, 1234u);
  EXPECT_EQ(opened->checkpoint.root, checkpoint.root);
  EXPECT_EQ(opened->checkpoint.head_hash, checkpoint.head_hash);
  auto key_hash = CheckpointKeyHash(*text);
  ASSERT_OK(key_hash);
  EXPECT_EQ(*key_hash, MakeNoteKeyHash(checkpoint.origin, key.public_key().raw()));
  // Another key opens nothing.
  EXPECT_FALSE(OpenCheckpoint(*text, NewKey().public_key()).ok());
}

TEST(CheckpointTest, EveryAlteredByteIsRefused) {
  PrivateKey key = NewKey();
  auto text = SignCheckpoint(SampleCheckpoint(), key);
  ASSERT_OK(text);
  for (size_t i = 0; i < text->size(); ++i) {
    std::string bad = *text;
    bad[i] ^= 0x01;
    EXPECT_FALSE(OpenCheckpoint(bad, key.public_key()).ok()) << "byte " << i;
  }
  EXPECT_FALSE(OpenCheckpoint(text->substr(0, text->size() - 1), key.public_key()).ok());
  EXPECT_FALSE(OpenCheckpoint(*text + "x", key.public_key()).ok());
}

TEST(CheckpointTest, NoteVerifierKeyHasGoSumdbShape) {
  PrivateKey key = NewKey();
  std::string name = "backstop/00112233445566778899aabbccddeeff";
  std::string vkey = NoteVerifierKey(name, key.public_key().raw());
  EXPECT_EQ(vkey.substr(0, name.size() + 1), name + "+");
  EXPECT_EQ(vkey.substr(name.size() + 1, 8), ToHex(MakeNoteKeyHash(name, key.public_key().raw())));
  std::vector<uint8_t> typed(33);
  ASSERT_OK(FromBase64(vkey.substr(name.size() + 10), typed));
  EXPECT_EQ(typed[0], 0x01);
  EXPECT_TRUE(std::equal(typed.begin() + 1, typed.end(), key.public_key().raw().begin()));
}

TEST(CheckpointTest, OpenSslVerifiesWhatLibsodiumSigns) {
  PrivateKey key = NewKey();
  Signer signer(key);
  for (size_t size : {0, 1, 32, 200, 4096}) {
    std::vector<uint8_t> message(size, static_cast<uint8_t>(size));
    auto signature = signer.Sign(message);
    ASSERT_OK(signature);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key.public_key().pkey()), 1);
    EXPECT_EQ(
        EVP_DigestVerify(ctx, signature->data(), signature->size(), message.data(), message.size()),
        1)
        << size;
    EVP_MD_CTX_free(ctx);
    EXPECT_TRUE(VerifySignature(key.public_key(), message, *signature));
  }
}

TEST(CheckpointTest, ProofFilesRoundTripAndRefuseDamage) {
  base::Sha256 sha;
  InclusionProofFile file;
  file.extra = {1, 2, 3, 4, 5};
  file.index = 41;
  file.proof = {sha.Of(std::vector<uint8_t>{9}), sha.Of(std::vector<uint8_t>{8})};
  file.checkpoint = *SignCheckpoint(SampleCheckpoint(), NewKey());
  std::string text = FormatInclusionProofFile(file);
  EXPECT_EQ(text.substr(0, 23), "c2sp.org/tlog-proof@v1\n");
  auto parsed = ParseInclusionProofFile(text);
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->extra, file.extra);
  EXPECT_EQ(parsed->index, 41u);
  EXPECT_EQ(parsed->proof, file.proof);
  EXPECT_EQ(parsed->checkpoint, file.checkpoint);
  EXPECT_FALSE(
      ParseInclusionProofFile("c2sp.org/tlog-proof@v1\nindex 01\n\n" + file.checkpoint).ok());
  EXPECT_FALSE(
      ParseInclusionProofFile("c2sp.org/tlog-proof@v2\nindex 1\n\n" + file.checkpoint).ok());

  ConsistencyProofFile consistency{10, 20, file.proof};
  auto round = ParseConsistencyProofFile(FormatConsistencyProofFile(consistency));
  ASSERT_OK(round);
  EXPECT_EQ(round->old_size, 10u);
  EXPECT_EQ(round->new_size, 20u);
  EXPECT_EQ(round->proof, consistency.proof);
  EXPECT_FALSE(ParseConsistencyProofFile("backstop/consistency-proof@v1\nold 1\n").ok());
}

TEST(CheckpointTest, OriginNamesTheChain) {
  ChainId id{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  std::string origin = CheckpointOrigin(id);
  EXPECT_EQ(origin, "backstop/0102030405060708090a0b0c0d0e0f10");
  auto back = ChainIdFromOrigin(origin);
  ASSERT_OK(back);
  EXPECT_EQ(*back, id);
  EXPECT_FALSE(ChainIdFromOrigin("backstop/0102").ok());
  EXPECT_FALSE(ChainIdFromOrigin("example.com/0102030405060708090a0b0c0d0e0f10").ok());
}

}  // namespace
}  // namespace ledger
