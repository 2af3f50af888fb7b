// Prometheus text exposition of the server's metrics (see metrics.h).

#include "server/internal/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace server::internal {

Histogram::Histogram(std::vector<uint64_t> bounds, double scale)
    : bounds_(std::move(bounds)), scale_(scale), buckets_(bounds_.size() + 1) {}

void Histogram::Observe(uint64_t value) {
  const size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::Render(const std::string& name, std::string* out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    *out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name,
                        static_cast<double>(bounds_[i]) / scale_, cumulative);
  }
  cumulative += buckets_.back().load(std::memory_order_relaxed);
  *out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, cumulative);
  *out += fmt::format("{}_sum {}\n", name,
                      static_cast<double>(sum_.load(std::memory_order_relaxed)) / scale_);
  *out += fmt::format("{}_count {}\n", name, count_.load(std::memory_order_relaxed));
}

namespace {

std::vector<uint64_t> PowersOfTwo(uint64_t last) {
  std::vector<uint64_t> bounds;
  for (uint64_t bound = 1; bound <= last; bound *= 2) bounds.push_back(bound);
  return bounds;
}

void Header(const char* name, const char* type, const char* help, std::string* out) {
  *out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

Metrics::Metrics()
    : commit_records(PowersOfTwo(8192), 1),
      commit_latency({50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
                      500000, 1000000},
                     1e6) {}

void Metrics::SetInsuranceFund(uint32_t asset, int64_t balance) {
  std::lock_guard<std::mutex> lock(funds_mutex_);
  funds_[asset] = balance;
}

std::string Metrics::Render(uint64_t head_seq, uint64_t signer_queue) const {
  std::string out;
  auto counter = [&out](const char* name, const char* help, uint64_t value) {
    Header(name, "counter", help, &out);
    out += fmt::format("{} {}\n", name, value);
  };
  auto gauge = [&out](const char* name, const char* help, int64_t value) {
    Header(name, "gauge", help, &out);
    out += fmt::format("{} {}\n", name, value);
  };
  gauge("backstop_log_head_seq", "Seq of the last durable record.", static_cast<int64_t>(head_seq));
  counter("backstop_records_appended_total", "Records this process appended (durable).",
          records_appended.load());
  Header("backstop_group_commit_records", "histogram", "Records per synced group commit.", &out);
  commit_records.Render("backstop_group_commit_records", &out);
  Header("backstop_commit_latency_seconds", "histogram",
         "Per command: from sequencing to its group commit being durable.", &out);
  commit_latency.Render("backstop_commit_latency_seconds", &out);
  gauge("backstop_sequencer_queue_depth", "Commands waiting for the sequencer thread.",
        sequencer_queue.load());
  gauge("backstop_signer_queue_depth",
        "Records waiting for a signer thread (always 0 in a log signed by checkpoints).",
        static_cast<int64_t>(signer_queue));
  gauge("backstop_pending_durable", "Commands sequenced (signing or writing), not yet durable.",
        pending_durable.load());
  Header("backstop_connections", "gauge", "Open connections by role.", &out);
  for (int role = 0; role < kRoleCount; ++role) {
    out += fmt::format("backstop_connections{{role=\"{}\"}} {}\n",
                       RoleName(static_cast<Role>(role)), connections[role].load());
  }
  Header("backstop_refusals_total", "counter", "Requests refused by the server, by reason.", &out);
  for (int reason = 0; reason < kRefusalReasonCount; ++reason) {
    out +=
        fmt::format("backstop_refusals_total{{reason=\"{}\"}} {}\n",
                    RefusalReasonName(static_cast<RefusalReason>(reason)), refusals[reason].load());
  }
  counter("backstop_handshake_failures_total", "TLS handshakes refused.",
          handshake_failures.load());
  Header("backstop_commands_total", "counter", "Commands answered, by answer.", &out);
  out += fmt::format("backstop_commands_total{{answer=\"accepted\"}} {}\n", accepted.load());
  out += fmt::format("backstop_commands_total{{answer=\"rejected\"}} {}\n", rejected.load());
  out += fmt::format("backstop_commands_total{{answer=\"resent\"}} {}\n", resent.load());
  counter("backstop_liquidations_total", "Liquidations in groups this process appended.",
          liquidations.load());
  counter("backstop_adl_reductions_total", "ADL reductions in groups this process appended.",
          adl_reductions.load());
  Header("backstop_insurance_fund_balance", "gauge",
         "Insurance-fund balance per asset, in the asset's minor units.", &out);
  std::lock_guard<std::mutex> lock(funds_mutex_);
  for (const auto& [asset, balance] : funds_) {
    out += fmt::format("backstop_insurance_fund_balance{{asset=\"{}\"}} {}\n", asset, balance);
  }
  return out;
}

}  // namespace server::internal
