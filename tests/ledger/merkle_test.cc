// The Merkle tree: RFC 6962's known answers, and every root, inclusion proof and consistency
// proof up to 64 leaves checked against a brute-force tree built from the RFC's definitions.
#include "ledger/merkle.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/ledger/ledger_test_util.h"

namespace ledger {

using base::Result;
using base::Status;
namespace {

Hash FromHex(const std::string& hex) {
  Hash hash{};
  for (size_t i = 0; i < hash.size(); ++i) {
    hash[i] = static_cast<uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
  }
  return hash;
}

// MTH(D[lo:hi]) straight from RFC 6962 section 2.1, over leaf hashes.
Hash BruteRoot(const std::vector<Hash>& leaves, size_t lo, size_t hi) {
  base::Sha256 sha;
  if (hi - lo == 1) return leaves[lo];
  size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return NodeHash(sha, BruteRoot(leaves, lo, lo + k), BruteRoot(leaves, lo + k, hi));
}

// PATH(m, D[lo:hi]), RFC 6962 section 2.1.1.
void BrutePath(const std::vector<Hash>& leaves, size_t m, size_t lo, size_t hi,
               std::vector<Hash>* out) {
  if (hi - lo == 1) return;
  size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  if (m < k) {
    BrutePath(leaves, m, lo, lo + k, out);
    out->push_back(BruteRoot(leaves, lo + k, hi));
  } else {
    BrutePath(leaves, m - k, lo + k, hi, out);
    out->push_back(BruteRoot(leaves, lo, lo + k));
  }
}

// SUBPROOF(m, D[lo:hi], b), RFC 6962 section 2.1.2.
void BruteSubProof(const std::vector<Hash>& leaves, size_t m, size_t lo, size_t hi, bool b,
                   std::vector<Hash>* out) {
  size_t n = hi - lo;
  if (m == n) {
    if (!b) out->push_back(BruteRoot(leaves, lo, hi));
    return;
  }
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  if (m <= k) {
    BruteSubProof(leaves, m, lo, lo + k, b, out);
    out->push_back(BruteRoot(leaves, lo + k, hi));
  } else {
    BruteSubProof(leaves, m - k, lo + k, hi, false, out);
    out->push_back(BruteRoot(leaves, lo, lo + k));
  }
}

// A tree grown leaf by leaf, its stored nodes kept by (level, index).
struct GrownTree {
  explicit GrownTree(size_t size) {
    base::Sha256 sha;
    for (size_t i = 0; i < size; ++i) {
      Hash record_hash = sha.Of(std::vector<uint8_t>{static_cast<uint8_t>(i), 7});
      leaves.push_back(LeafHash(sha, record_hash));
      std::vector<TreeNode> produced;
      frontier.Append(sha, leaves.back(), &produced);
      for (const TreeNode& node : produced) {
        EXPECT_EQ(StoredNodePosition(node.level, node.index), order.size());
        order.push_back(node);
        nodes[{node.level, node.index}] = node.hash;
      }
    }
    EXPECT_EQ(StoredNodeCount(size), order.size());
  }
  NodeReader reader() const {
    return [this](int level, uint64_t index) -> Result<Hash> {
      auto it = nodes.find({level, index});
      if (it == nodes.end()) return Status::NotFound("node");
      return it->second;
    };
  }
  std::vector<Hash> leaves;
  TreeFrontier frontier;
  std::vector<TreeNode> order;
  std::map<std::pair<int, uint64_t>, Hash> nodes;
};

TEST(MerkleTest, Rfc6962KnownAnswers) {
  // The eight leaves and the roots of sizes 1..8 of Certificate Transparency's reference tests
  // for RFC 6962 (leaf data hashed as SHA-256(0x00 || data)).
  const std::vector<std::string> data = {"",
                                         "00",
                                         "10",
                                         "2021",
                                         "3031",
                                         "40414243",
                                         "5051525354555657",
                                         "606162636465666768696a6b6c6d6e6f"};
  const std::vector<std::string> roots = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  EXPECT_EQ(ToHex(EmptyTreeRoot()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  base::Sha256 sha;
  TreeFrontier frontier;
  for (size_t i = 0; i < data.size(); ++i) {
    std::vector<uint8_t> leaf = {0x00};
    for (size_t j = 0; j < data[i].size(); j += 2) {
      leaf.push_back(static_cast<uint8_t>(std::stoul(data[i].substr(j, 2), nullptr, 16)));
    }
    frontier.Append(sha, sha.Of(leaf), nullptr);
    EXPECT_EQ(frontier.Root(sha), FromHex(roots[i])) << "size " << i + 1;
  }
}

TEST(MerkleTest, LeafHashIsTheRfcLeafOfTheRecordHash) {
  base::Sha256 sha;
  Hash record = sha.Of(std::vector<uint8_t>{1, 2, 3});
  std::vector<uint8_t> prefixed = {0x00};
  prefixed.insert(prefixed.end(), record.begin(), record.end());
  EXPECT_EQ(LeafHash(sha, record), sha.Of(prefixed));
}

TEST(MerkleTest, EveryRootAndProofUpTo64LeavesMatchesTheBruteForceTree) {
  constexpr size_t kMax = 64;
  GrownTree tree(kMax);
  for (size_t size = 1; size <= kMax; ++size) {
    Hash root = BruteRoot(tree.leaves, 0, size);
    auto stored_root = TreeRoot(size, tree.reader());
    ASSERT_OK(stored_root);
    ASSERT_EQ(*stored_root, root) << size;
    for (size_t index = 0; index < size; ++index) {
      std::vector<Hash> expected;
      BrutePath(tree.leaves, index, 0, size, &expected);
      auto proof = InclusionProof(index, size, tree.reader());
      ASSERT_OK(proof);
      ASSERT_EQ(*proof, expected) << index << " in " << size;
      EXPECT_TRUE(VerifyInclusion(index, size, tree.leaves[index], *proof, root));
      // Wrong leaf, index or any altered proof hash: refused. (A wrong size may pass where the
      // path has the same shape: the signed checkpoint binds the size to the root.)
      EXPECT_FALSE(VerifyInclusion(index, size, tree.leaves[(index + 1) % kMax], *proof, root));
      if (size > 1) {
        EXPECT_FALSE(VerifyInclusion((index + 1) % size, size, tree.leaves[index], *proof, root));
      }
      for (size_t i = 0; i < proof->size(); ++i) {
        std::vector<Hash> bad = *proof;
        bad[i][i % 32] ^= 0x01;
        EXPECT_FALSE(VerifyInclusion(index, size, tree.leaves[index], bad, root));
      }
    }
    for (size_t old_size = 1; old_size <= size; ++old_size) {
      std::vector<Hash> expected;
      BruteSubProof(tree.leaves, old_size, 0, size, true, &expected);
      auto proof = ConsistencyProof(old_size, size, tree.reader());
      ASSERT_OK(proof);
      ASSERT_EQ(*proof, expected) << old_size << " -> " << size;
      Hash old_root = BruteRoot(tree.leaves, 0, old_size);
      EXPECT_TRUE(VerifyConsistency(old_size, size, old_root, root, *proof));
      Hash wrong = old_root;
      wrong[0] ^= 0x80;
      EXPECT_FALSE(VerifyConsistency(old_size, size, wrong, root, *proof));
      EXPECT_FALSE(VerifyConsistency(old_size, size, old_root, wrong, *proof));
      for (size_t i = 0; i < proof->size(); ++i) {
        std::vector<Hash> bad = *proof;
        bad[i][31 - i % 32] ^= 0x04;
        EXPECT_FALSE(VerifyConsistency(old_size, size, old_root, root, bad));
      }
    }
  }
}

TEST(MerkleTest, FrontierRestartsFromItsCompleteSubtrees) {
  GrownTree tree(45);
  base::Sha256 sha;
  std::vector<Hash> subtrees;
  for (const TreeNode& node : CompleteSubtrees(45)) {
    subtrees.push_back(tree.nodes.at({node.level, node.index}));
  }
  auto restarted = TreeFrontier::FromSubtrees(45, subtrees);
  ASSERT_OK(restarted);
  EXPECT_EQ(restarted->Root(sha), tree.frontier.Root(sha));
  EXPECT_FALSE(TreeFrontier::FromSubtrees(47, subtrees).ok());
  EXPECT_FALSE(InclusionProof(45, 45, tree.reader()).ok());
  EXPECT_FALSE(ConsistencyProof(0, 45, tree.reader()).ok());
}

// An archive that starts mid-chain carries the inclusion proof of its anchor (the last leaf of
// the tree before its range); the frontier derived from it must be the tree's, for every size,
// and must grow into the same later roots.
TEST(MerkleTest, FrontierFromTheLastLeafsProofIsTheTreesFrontier) {
  constexpr size_t kMax = 70;
  GrownTree tree(kMax);
  base::Sha256 sha;
  for (size_t size = 1; size < kMax; ++size) {
    auto proof = InclusionProof(size - 1, size, tree.reader());
    ASSERT_OK(proof);
    auto frontier = FrontierFromLastLeafProof(size, tree.leaves[size - 1], *proof);
    ASSERT_OK(frontier);
    std::vector<Hash> expected;
    for (const TreeNode& node : CompleteSubtrees(size)) {
      expected.push_back(tree.nodes.at({node.level, node.index}));
    }
    EXPECT_EQ(frontier->subtrees(), expected) << size;
    for (size_t leaf = size; leaf < kMax; ++leaf) frontier->Append(sha, tree.leaves[leaf], nullptr);
    EXPECT_EQ(frontier->Root(sha), tree.frontier.Root(sha)) << size;
    std::vector<Hash> longer = *proof;
    longer.push_back(tree.leaves[0]);
    EXPECT_FALSE(FrontierFromLastLeafProof(size, tree.leaves[size - 1], longer).ok());
  }
  EXPECT_FALSE(FrontierFromLastLeafProof(0, tree.leaves[0], {}).ok());
}

}  // namespace
}  // namespace ledger
