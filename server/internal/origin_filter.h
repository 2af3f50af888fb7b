// A Bloom filter over the origins (principal, client id, client seq) of the commands the log
// holds or the sequencer has taken, keyed by their ledger::ClientCommandPrefix. "Absent" is
// certain, so a new command skips the log lookup that idempotency needs (a RocksDB seek through
// the memtable and every table file); "maybe" looks in the log as before, which stays the one
// source of truth. Memory is bounded: past kMaxBytes the filter gives up (answers "maybe"
// always) and frees its bits. Thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace server::internal {

class OriginFilter {
 public:
  // The most bytes the filter's bits may take (about 33 M origins at 16 bits each).
  static constexpr size_t kMaxBytes = 64 * 1024 * 1024;

  // Sized for `expected` origins to begin with; grows (another filter, twice as large) as
  // more are added.
  explicit OriginFilter(size_t expected);

  // Adds the origin whose kClientCommand prefix is `prefix`.
  void Add(std::string_view prefix);
  // False only if `prefix` was never added (or the filter gave up).
  bool MayContain(std::string_view prefix) const;
  // Answers "maybe" from now on and frees the bits (a failed scan of the log, say).
  void GiveUp();
  bool gave_up() const { return gave_up_; }
  size_t bytes() const;

 private:
  // One cache line: an origin's probes all fall in one block (one bit in each word).
  struct alignas(64) Block {
    uint64_t words[8] = {};
  };
  struct Part {
    std::vector<Block> blocks;
    size_t capacity = 0;  // Origins it takes at about 0.1% false positives.
    size_t count = 0;
  };
  void AddPart(size_t capacity);

  std::vector<Part> parts_;  // The last takes new origins.
  bool gave_up_ = false;
};

}  // namespace server::internal
