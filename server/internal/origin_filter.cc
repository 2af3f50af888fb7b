// The origins' Bloom filter (see origin_filter.h).

#include "server/internal/origin_filter.h"

#include <algorithm>
#include <iterator>

namespace server::internal {

namespace {

// Blocked: an origin's probes all fall in one Block, a cache line (one bit in each of its 8
// words), so a lookup costs one cache miss per part rather than up to 8. About 0.1% false positives
// per part when full at 16 bits per origin. The filter grows by parts, each as large as all
// before it, and a lookup may be wrong in each: at 10 bits (1% each) seven parts sent ~5% of
// new commands to the log for nothing.
constexpr size_t kBitsPerOrigin = 16;

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Two independent 64-bit hashes of `prefix` (already a hash, but of any length): the first
// picks the block, the second the bit in each of its words (6 bits each).
void Hashes(std::string_view prefix, uint64_t* h1, uint64_t* h2) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (char c : prefix) hash = (hash ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  *h1 = Mix(hash);
  *h2 = Mix(hash ^ 0x9e3779b97f4a7c15ull);
}

// The block `h1` picks among `blocks` (Lemire's multiply-shift, no division).
size_t BlockIndex(uint64_t h1, size_t blocks) {
  return static_cast<size_t>((static_cast<unsigned __int128>(h1) * blocks) >> 64);
}

uint64_t Bit(uint64_t h2, size_t word) { return uint64_t{1} << ((h2 >> (6 * word)) & 63); }

}  // namespace

OriginFilter::OriginFilter(size_t expected) { AddPart(std::max<size_t>(expected, 4096)); }

void OriginFilter::AddPart(size_t capacity) {
  constexpr size_t kBitsPerBlock = sizeof(Block) * 8;
  const size_t blocks = (capacity * kBitsPerOrigin + kBitsPerBlock - 1) / kBitsPerBlock;
  if (bytes() + blocks * sizeof(Block) > kMaxBytes) return GiveUp();
  parts_.push_back(Part{std::vector<Block>(blocks), capacity, 0});
}

void OriginFilter::Add(std::string_view prefix) {
  if (gave_up_) return;
  if (parts_.back().count >= parts_.back().capacity) {
    AddPart(parts_.back().capacity * 2);
    if (gave_up_) return;
  }
  Part& part = parts_.back();
  uint64_t h1 = 0;
  uint64_t h2 = 0;
  Hashes(prefix, &h1, &h2);
  Block& block = part.blocks[BlockIndex(h1, part.blocks.size())];
  for (size_t i = 0; i < std::size(block.words); ++i) block.words[i] |= Bit(h2, i);
  ++part.count;
}

bool OriginFilter::MayContain(std::string_view prefix) const {
  if (gave_up_) return true;
  uint64_t h1 = 0;
  uint64_t h2 = 0;
  Hashes(prefix, &h1, &h2);
  // An absent origin (the common case) is looked up in every part: ask for all their blocks
  // first, so that the cache misses overlap.
  for (const Part& part : parts_)
    __builtin_prefetch(&part.blocks[BlockIndex(h1, part.blocks.size())]);
  for (const Part& part : parts_) {
    const Block& block = part.blocks[BlockIndex(h1, part.blocks.size())];
    bool all = true;
    for (size_t i = 0; i < std::size(block.words); ++i) all &= (block.words[i] & Bit(h2, i)) != 0;
    if (all) return true;
  }
  return false;
}

void OriginFilter::GiveUp() {
  gave_up_ = true;
  parts_.clear();
  parts_.shrink_to_fit();
}

size_t OriginFilter::bytes() const {
  size_t total = 0;
  for (const Part& part : parts_) total += part.blocks.size() * sizeof(Block);
  return total;
}

}  // namespace server::internal
