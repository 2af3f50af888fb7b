// The origins' Bloom filter (see origin_filter.h).

#include "server/internal/origin_filter.h"

#include <algorithm>

namespace server::internal {

namespace {

// About 0.06% false positives per part when full (8 probes at 16 bits per origin). The filter
// grows by parts, each as large as all before it, and a lookup may be wrong in each: at 10 bits
// (1% each) seven parts sent ~5% of new commands to the log for nothing.
constexpr size_t kBitsPerOrigin = 16;
constexpr int kProbes = 8;

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Two independent 64-bit hashes of `prefix` (already a hash, but of any length).
void Hashes(std::string_view prefix, uint64_t* h1, uint64_t* h2) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (char c : prefix) hash = (hash ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  *h1 = Mix(hash);
  *h2 = Mix(hash ^ 0x9e3779b97f4a7c15ull) | 1;
}

}  // namespace

OriginFilter::OriginFilter(size_t expected) { AddPart(std::max<size_t>(expected, 4096)); }

void OriginFilter::AddPart(size_t capacity) {
  const size_t words = (capacity * kBitsPerOrigin + 63) / 64;
  if (bytes() + words * sizeof(uint64_t) > kMaxBytes) return GiveUp();
  parts_.push_back(Part{std::vector<uint64_t>(words, 0), capacity, 0});
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
  const uint64_t bits = part.words.size() * 64;
  for (int i = 0; i < kProbes; ++i) {
    const uint64_t bit = (h1 + static_cast<uint64_t>(i) * h2) % bits;
    part.words[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  ++part.count;
}

bool OriginFilter::MayContain(std::string_view prefix) const {
  if (gave_up_) return true;
  uint64_t h1 = 0;
  uint64_t h2 = 0;
  Hashes(prefix, &h1, &h2);
  for (const Part& part : parts_) {
    const uint64_t bits = part.words.size() * 64;
    bool all = true;
    for (int i = 0; i < kProbes && all; ++i) {
      const uint64_t bit = (h1 + static_cast<uint64_t>(i) * h2) % bits;
      all = (part.words[bit / 64] >> (bit % 64)) & 1;
    }
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
  for (const Part& part : parts_) total += part.words.size() * sizeof(uint64_t);
  return total;
}

}  // namespace server::internal
