// RFC 6962 tree hashing, the stored-node layout, proofs from stored nodes and their checks.
#include "ledger/merkle.h"

#include <fmt/format.h>

#include <bit>

namespace ledger {

using base::Result;
using base::Status;
namespace {

// Largest power of two strictly below n (n >= 2).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// The hash of leaves [lo, hi), where lo is a multiple of bit_ceil(hi - lo): what RFC 6962's
// recursion meets. A complete range is one stored node; a partial one folds the complete
// subtrees of its size, right to left.
Result<Hash> RangeHash(base::Sha256& sha, uint64_t lo, uint64_t hi, const NodeReader& read) {
  uint64_t n = hi - lo;
  BACKSTOP_ASSERT(n >= 1, lo, hi);
  if (std::has_single_bit(n)) {
    int level = std::countr_zero(n);
    return read(level, lo >> level);
  }
  // Complete subtrees of [lo, hi): one per set bit of n, largest first.
  std::vector<Hash> parts;
  uint64_t start = lo;
  for (int level = 63; level >= 0; --level) {
    uint64_t width = uint64_t{1} << level;
    if ((n & width) == 0) continue;
    BACKSTOP_ASSIGN_OR_RETURN(Hash part, read(level, start >> level));
    parts.push_back(part);
    start += width;
  }
  Hash root = parts.back();
  for (size_t i = parts.size() - 1; i-- > 0;) root = NodeHash(sha, parts[i], root);
  return root;
}

Status InclusionPath(base::Sha256& sha, uint64_t index, uint64_t lo, uint64_t hi,
                     const NodeReader& read, std::vector<Hash>* out) {
  if (hi - lo == 1) return Status::OK();
  uint64_t k = SplitPoint(hi - lo);
  if (index < lo + k) {
    BACKSTOP_RETURN_IF_ERROR(InclusionPath(sha, index, lo, lo + k, read, out));
    BACKSTOP_ASSIGN_OR_RETURN(Hash right, RangeHash(sha, lo + k, hi, read));
    out->push_back(right);
  } else {
    BACKSTOP_RETURN_IF_ERROR(InclusionPath(sha, index, lo + k, hi, read, out));
    BACKSTOP_ASSIGN_OR_RETURN(Hash left, RangeHash(sha, lo, lo + k, read));
    out->push_back(left);
  }
  return Status::OK();
}

// RFC 6962 SUBPROOF(m, D[lo:hi], whole).
Status SubProof(base::Sha256& sha, uint64_t m, uint64_t lo, uint64_t hi, bool whole,
                const NodeReader& read, std::vector<Hash>* out) {
  uint64_t n = hi - lo;
  if (m == n) {
    if (whole) return Status::OK();
    BACKSTOP_ASSIGN_OR_RETURN(Hash h, RangeHash(sha, lo, hi, read));
    out->push_back(h);
    return Status::OK();
  }
  uint64_t k = SplitPoint(n);
  if (m <= k) {
    BACKSTOP_RETURN_IF_ERROR(SubProof(sha, m, lo, lo + k, whole, read, out));
    BACKSTOP_ASSIGN_OR_RETURN(Hash right, RangeHash(sha, lo + k, hi, read));
    out->push_back(right);
  } else {
    BACKSTOP_RETURN_IF_ERROR(SubProof(sha, m - k, lo + k, hi, false, read, out));
    BACKSTOP_ASSIGN_OR_RETURN(Hash left, RangeHash(sha, lo, lo + k, read));
    out->push_back(left);
  }
  return Status::OK();
}

// Shifts fn and sn right together until fn's lowest bit is set or fn is 0.
void ShiftWhileEven(uint64_t& fn, uint64_t& sn) {
  while (fn != 0 && (fn & 1) == 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

Hash LeafHash(base::Sha256& sha, const Hash& record_hash) {
  static constexpr uint8_t kLeafPrefix = 0x00;
  sha.Reset();
  sha.Update({&kLeafPrefix, 1});
  sha.Update(record_hash);
  return sha.Finish();
}

Hash NodeHash(base::Sha256& sha, const Hash& left, const Hash& right) {
  static constexpr uint8_t kNodePrefix = 0x01;
  sha.Reset();
  sha.Update({&kNodePrefix, 1});
  sha.Update(left);
  sha.Update(right);
  return sha.Finish();
}

Hash EmptyTreeRoot() {
  base::Sha256 sha;
  return sha.Of({});
}

uint64_t StoredNodeCount(uint64_t size) {
  // Every level L holds floor(size / 2^L) complete nodes.
  uint64_t count = 0;
  for (uint64_t n = size; n > 0; n >>= 1) count += n;
  return count;
}

uint64_t StoredNodePosition(int level, uint64_t index) {
  // Node (L, k) is produced right after the leaf that completes it, (k + 1) * 2^L - 1, as the
  // L-th node that leaf produces (the leaf itself is the 0th).
  uint64_t last_leaf = ((index + 1) << level) - 1;
  return StoredNodeCount(last_leaf) + static_cast<uint64_t>(level);
}

Result<TreeFrontier> TreeFrontier::FromSubtrees(uint64_t size, std::vector<Hash> subtrees) {
  if (subtrees.size() != static_cast<size_t>(std::popcount(size))) {
    return Status::InvalidArgument(
        "merkle", fmt::format("a tree of {} leaves has {} complete subtrees, not {}", size,
                              std::popcount(size), subtrees.size()));
  }
  TreeFrontier frontier;
  frontier.size_ = size;
  frontier.subtrees_ = std::move(subtrees);
  return frontier;
}

Result<TreeFrontier> FrontierFromLastLeafProof(uint64_t size, const Hash& leaf_hash,
                                               std::span<const Hash> proof) {
  if (size == 0) return Status::InvalidArgument("merkle", "the empty tree has no last leaf");
  const size_t inner = static_cast<size_t>(std::countr_zero(size));
  const size_t expected = inner + static_cast<size_t>(std::popcount(size)) - 1;
  if (proof.size() != expected) {
    return Status::InvalidArgument(
        "merkle", fmt::format("the inclusion proof of the last leaf of a tree of {} leaves has {} "
                              "hashes, not {}",
                              size, expected, proof.size()));
  }
  base::Sha256 sha;
  Hash smallest = leaf_hash;
  for (size_t i = 0; i < inner; ++i) smallest = NodeHash(sha, proof[i], smallest);
  std::vector<Hash> subtrees;  // Largest first.
  for (size_t i = proof.size(); i-- > inner;) subtrees.push_back(proof[i]);
  subtrees.push_back(smallest);
  BACKSTOP_ASSERT(subtrees.size() == static_cast<size_t>(std::popcount(size)), size);
  return TreeFrontier::FromSubtrees(size, std::move(subtrees));
}

Result<TreeFrontier> TreeFrontier::FromStored(uint64_t size, const NodeReader& read) {
  std::vector<Hash> subtrees;
  for (const TreeNode& node : CompleteSubtrees(size)) {
    BACKSTOP_ASSIGN_OR_RETURN(Hash hash, read(node.level, node.index));
    subtrees.push_back(hash);
  }
  return FromSubtrees(size, std::move(subtrees));
}

void TreeFrontier::Append(base::Sha256& sha, const Hash& leaf_hash, std::vector<TreeNode>* nodes) {
  uint64_t index = size_;
  Hash hash = leaf_hash;
  if (nodes != nullptr) nodes->push_back({0, index, hash});
  // Each trailing set bit of the old size is a complete subtree that merges with the new one.
  int level = 0;
  for (uint64_t n = size_; (n & 1) != 0; n >>= 1) {
    hash = NodeHash(sha, subtrees_.back(), hash);
    subtrees_.pop_back();
    ++level;
    if (nodes != nullptr) nodes->push_back({level, index >> level, hash});
  }
  subtrees_.push_back(hash);
  ++size_;
}

Hash TreeFrontier::Root(base::Sha256& sha) const {
  if (subtrees_.empty()) return EmptyTreeRoot();
  Hash root = subtrees_.back();
  for (size_t i = subtrees_.size() - 1; i-- > 0;) root = NodeHash(sha, subtrees_[i], root);
  return root;
}

std::vector<TreeNode> CompleteSubtrees(uint64_t size) {
  std::vector<TreeNode> nodes;
  uint64_t start = 0;
  for (int level = 63; level >= 0; --level) {
    uint64_t width = uint64_t{1} << level;
    if ((size & width) == 0) continue;
    nodes.push_back({level, start >> level, Hash{}});
    start += width;
  }
  return nodes;
}

Result<Hash> TreeRoot(uint64_t size, const NodeReader& read) {
  if (size == 0) return EmptyTreeRoot();
  base::Sha256 sha;
  return RangeHash(sha, 0, size, read);
}

Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, const NodeReader& read) {
  if (index >= size) {
    return Status::InvalidArgument(
        "merkle", fmt::format("leaf {} is not in a tree of {} leaves", index, size));
  }
  base::Sha256 sha;
  std::vector<Hash> proof;
  BACKSTOP_RETURN_IF_ERROR(InclusionPath(sha, index, 0, size, read, &proof));
  return proof;
}

Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size,
                                           const NodeReader& read) {
  if (old_size == 0 || old_size > new_size) {
    return Status::InvalidArgument(
        "merkle", fmt::format("no consistency proof from size {} to size {} (need 0 < old <= new)",
                              old_size, new_size));
  }
  base::Sha256 sha;
  std::vector<Hash> proof;
  BACKSTOP_RETURN_IF_ERROR(SubProof(sha, old_size, 0, new_size, true, read, &proof));
  return proof;
}

bool VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                     std::span<const Hash> proof, const Hash& root) {
  if (index >= size) return false;
  base::Sha256 sha;
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(sha, p, r);
      ShiftWhileEven(fn, sn);
    } else {
      r = NodeHash(sha, r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                       const Hash& new_root, std::span<const Hash> proof) {
  if (old_size == 0 || old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (proof.empty()) return false;
  std::vector<Hash> path;
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  base::Sha256 sha;
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(sha, c, fr);
      sr = NodeHash(sha, c, sr);
      ShiftWhileEven(fn, sn);
    } else {
      sr = NodeHash(sha, sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == old_root && sr == new_root && sn == 0;
}

}  // namespace ledger
