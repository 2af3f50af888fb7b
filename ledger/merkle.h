// The RFC 6962 / RFC 9162 Merkle tree over the log's records: leaf hash = SHA-256(0x00 ||
// record hash), interior node = SHA-256(0x01 || left || right), the tree of the first N
// records for every N. Nodes are addressed by (level, index): level 0 holds the leaves, and
// node (L, k) covers leaves [k * 2^L, (k + 1) * 2^L). Only complete nodes are stored; the root
// of any size and every proof are computed from O(log N) of them. Pure functions and small
// value types; thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "base/status.h"
#include "ledger/keys.h"

namespace ledger {

// A stored node: complete subtree (level, index) and its hash.
struct TreeNode {
  int level = 0;
  uint64_t index = 0;
  Hash hash{};
};

Hash LeafHash(base::Sha256& sha, const Hash& record_hash);
Hash NodeHash(base::Sha256& sha, const Hash& left, const Hash& right);
// SHA-256 of nothing: the root of the empty tree.
Hash EmptyTreeRoot();

// The position of node (level, index) in the order the nodes are produced (leaf by leaf, each
// leaf followed by the nodes it completes, lowest first): the key of the stored node, so that
// a scan of the stored tree meets nodes in the order a rebuild produces them.
uint64_t StoredNodePosition(int level, uint64_t index);
// Number of stored nodes of a tree of `size` leaves.
uint64_t StoredNodeCount(uint64_t size);

// Returns the stored hash of complete node (level, index); Corruption/IOError as the store has.
using NodeReader = std::function<base::Result<Hash>(int level, uint64_t index)>;

// The right edge of a growing tree: the roots of its complete subtrees, largest first (one per
// set bit of the size). Appending a leaf yields the nodes it completes.
class TreeFrontier {
 public:
  TreeFrontier() = default;
  // The frontier of a tree of `size` leaves from its complete subtrees' roots, largest first.
  // InvalidArgument unless there is one per set bit of `size`.
  static base::Result<TreeFrontier> FromSubtrees(uint64_t size, std::vector<Hash> subtrees);
  // The frontier of a stored tree of `size` leaves, read from its complete subtrees.
  static base::Result<TreeFrontier> FromStored(uint64_t size, const NodeReader& read);

  // Appends leaf `leaf_hash` (already LeafHash'ed); appends the stored nodes it creates (the
  // leaf itself, then each node it completes) to `*nodes` when not null.
  void Append(base::Sha256& sha, const Hash& leaf_hash, std::vector<TreeNode>* nodes);
  uint64_t size() const { return size_; }
  // The tree's root (EmptyTreeRoot() for size 0).
  Hash Root(base::Sha256& sha) const;
  const std::vector<Hash>& subtrees() const { return subtrees_; }

 private:
  uint64_t size_ = 0;
  std::vector<Hash> subtrees_;  // Largest first.
};

// The complete subtrees of a tree of `size` leaves, largest first, as (level, index) nodes
// without hashes.
std::vector<TreeNode> CompleteSubtrees(uint64_t size);
// Root of the tree of the first `size` leaves, from O(log size) stored nodes.
base::Result<Hash> TreeRoot(uint64_t size, const NodeReader& read);
// RFC 6962 audit path of leaf `index` (0-based) in the tree of `size` leaves, from the leaf's
// sibling up. InvalidArgument unless index < size.
base::Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size,
                                               const NodeReader& read);
// The frontier of the tree of `size` leaves from the RFC 6962 inclusion proof of its last leaf
// (index size - 1, already LeafHash'ed as `leaf_hash`): such a proof holds the siblings inside
// the smallest complete subtree (countr_zero(size) of them, bottom up), then the roots of the
// other complete subtrees, smallest first. What lets a log start mid-chain (an archive of a
// range) without the leaves before it. InvalidArgument if size is 0 or the proof has another
// length; whether the frontier is the real one is for a signed root to say.
base::Result<TreeFrontier> FrontierFromLastLeafProof(uint64_t size, const Hash& leaf_hash,
                                                     std::span<const Hash> proof);
// RFC 6962 consistency proof between the trees of `old_size` and `new_size` leaves.
// InvalidArgument unless 0 < old_size <= new_size.
base::Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size,
                                                 const NodeReader& read);

// RFC 9162 section 2.1.3.2: true iff `proof` proves leaf `leaf_hash` at `index` in the tree of
// `size` leaves whose root is `root`.
bool VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                     std::span<const Hash> proof, const Hash& root);
// RFC 9162 section 2.1.4.2: true iff `proof` proves that the tree of `new_size` leaves with
// root `new_root` extends the tree of `old_size` leaves with root `old_root`.
bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                       const Hash& new_root, std::span<const Hash> proof);

}  // namespace ledger
