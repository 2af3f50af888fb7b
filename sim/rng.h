// SplitMix64: the simulator's only source of randomness. Seeded, portable and exact: the same
// seed gives the same numbers with every compiler and standard library (no <random>).
// Value type; thread-compatible.
#pragma once

#include <cstdint>

#include "base/assert.h"

namespace sim {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  // The next 64 random bits (Steele, Lea and Flood's SplitMix64 finaliser).
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, bound) by a 128-bit multiply-high (bias below bound / 2^64). bound > 0.
  uint64_t Below(uint64_t bound) {
    BACKSTOP_ASSERT(bound > 0);
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * bound) >> 64);
  }

  // Uniform in [low, high] (inclusive). low <= high.
  int64_t Between(int64_t low, int64_t high) {
    BACKSTOP_ASSERT(low <= high, low, high);
    const uint64_t span = static_cast<uint64_t>(high - low) + 1;
    return low + static_cast<int64_t>(span == 0 ? Next() : Below(span));
  }

  // True with probability percent / 100.
  bool Percent(uint64_t percent) { return Below(100) < percent; }

  // An independent stream for one purpose (price path, population, order flow, ...), so that
  // changing one part of the simulation does not shift the numbers of the others.
  static SplitMix64 Stream(uint64_t seed, uint64_t purpose) {
    SplitMix64 mixer(seed ^ (purpose * 0xd1342543de82ef95ULL));
    return SplitMix64(mixer.Next());
  }

 private:
  uint64_t state_;
};

}  // namespace sim
