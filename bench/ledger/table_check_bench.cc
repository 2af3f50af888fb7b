// table_check_bench: the cost of ledger::CheckTableFiles (every live SST opened and its block
// checksums verified in a forked child, issue #19 part 6) beside ledger::Verify of the same log,
// measured in one run, alternately, twice each (the first pass of each also warms the cache).
// Usage: table_check_bench --log DATA/log --key PUBLIC.pem
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "base/strong_type_fmt.h"
#include "ledger/event_log.h"
#include "ledger/table_check.h"
#include "ledger/verifier.h"

namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

uint64_t TableBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".sst") bytes += entry.file_size();
  }
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  std::string log_dir;
  std::string key;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--log") log_dir = argv[i + 1];
    if (flag == "--key") key = argv[i + 1];
  }
  if (log_dir.empty() || key.empty()) {
    std::fprintf(stderr, "usage: table_check_bench --log DATA/log --key PUBLIC.pem\n");
    return 2;
  }
  ledger::Keyring keyring;
  if (base::Status s = keyring.AddPemFile(key); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  fmt::print("table files: {:.1f} MiB\n", static_cast<double>(TableBytes(log_dir)) / (1 << 20));
  for (int round = 1; round <= 2; ++round) {
    auto start = std::chrono::steady_clock::now();
    auto finding = ledger::CheckTableFiles(log_dir);
    const double check = Seconds(start);
    if (!finding.ok() || !finding->empty()) {
      std::fprintf(stderr, "table check: %s\n",
                   finding.ok() ? finding->c_str() : finding.status().ToString().c_str());
      return 1;
    }
    ledger::LogOptions options;
    options.read_only = true;
    auto log = ledger::EventLog::Open(log_dir, options);
    if (!log.ok()) {
      std::fprintf(stderr, "%s\n", log.status().ToString().c_str());
      return 1;
    }
    start = std::chrono::steady_clock::now();
    const ledger::VerifyReport report = ledger::Verify(**log, keyring, {});
    const double verify = Seconds(start);
    if (!report.ok) {
      std::fprintf(stderr, "verify: %s\n", report.message.c_str());
      return 1;
    }
    fmt::print(
        "round {}: table check {:.2f} s, verify {:.2f} s ({} records): check / verify {:.0f}%\n",
        round, check, verify, report.head_seq, 100.0 * check / verify);
  }
  return 0;
}
