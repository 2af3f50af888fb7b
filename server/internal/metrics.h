// The server's metrics, rendered in the Prometheus text format for GET /metrics. Counters and
// gauges are atomics that any thread updates; Render reads them without stopping anyone (each
// value is read once, so a scrape is not one instant, as usual for Prometheus).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "server/internal/frame.h"
#include "server/roles.h"

namespace server::internal {

// A cumulative histogram with fixed upper bounds (plus +Inf). Thread-safe.
class Histogram {
 public:
  // `bounds` ascending; values are integers in `unit`s (e.g. microseconds), rendered divided
  // by `scale` (1e6 for seconds).
  Histogram(std::vector<uint64_t> bounds, double scale);
  void Observe(uint64_t value);
  // Appends the _bucket, _sum and _count lines of `name`.
  void Render(const std::string& name, std::string* out) const;

 private:
  const std::vector<uint64_t> bounds_;
  const double scale_;
  std::vector<std::atomic<uint64_t>> buckets_;  // One per bound, plus +Inf; not cumulative.
  std::atomic<uint64_t> sum_{0};
  std::atomic<uint64_t> count_{0};
};

class Metrics {
 public:
  Metrics();

  // Group commits as the log's writer thread acknowledges them.
  Histogram commit_records;                   // Records per synced WriteBatch.
  Histogram commit_latency;                   // Per command: sequenced -> durable, microseconds.
  std::atomic<uint64_t> records_appended{0};  // By this process.
  std::atomic<int64_t> pending_durable{0};    // Commands sequenced, not yet durable.
  std::atomic<int64_t> sequencer_queue{0};    // Jobs waiting for the sequencer thread.
  std::array<std::atomic<int64_t>, kRoleCount> connections{};
  std::array<std::atomic<uint64_t>, kRefusalReasonCount> refusals{};
  std::atomic<uint64_t> handshake_failures{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> resent{0};
  std::atomic<uint64_t> liquidations{0};
  std::atomic<uint64_t> adl_reductions{0};

  // Insurance-fund balance per asset (minor units), set by the sequencer thread.
  void SetInsuranceFund(uint32_t asset, int64_t balance);
  // The whole text exposition; `head_seq` is the log's head now, `signer_queue` the records
  // waiting for its signer threads.
  std::string Render(uint64_t head_seq, uint64_t signer_queue) const;

 private:
  mutable std::mutex funds_mutex_;
  std::map<uint32_t, int64_t> funds_;  // Guarded by funds_mutex_.
};

}  // namespace server::internal
