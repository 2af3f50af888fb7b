// Child program of the crash and on-disk corruption tests (tests/ledger/crash_test.cc,
// disk_corruption_test.cc). Modes:
//   append DIR KEY.pem SEED   create DIR if missing, then append groups of 1..5 deposits forever,
//                             printing each group's last seq after its sync ("<seq>\n", flushed).
//   verify DIR PUB.pem        open DIR (writable, recovering it) and verify; prints
//                             "ok <head seq> <head hash>" and exits 0, or "bad <message>", exit 1.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "ledger/event_log.h"
#include "ledger/table_check.h"
#include "ledger/verifier.h"
#include "tests/ledger/ledger_test_util.h"

namespace {

constexpr size_t kMaxGroupSize = 5;

int Append(const std::string& dir, const std::string& key_path, uint32_t seed) {
  auto key = ledger::PrivateKey::LoadPem(key_path);
  if (!key.ok()) {
    std::fprintf(stderr, "%s\n", key.status().ToString().c_str());
    return 2;
  }
  ledger::LogOptions options;
  options.signing_key = *key;
  options.clock = ledger::RealTimeNs;
  options.max_pending_records = ledger::kMaxGroupRecords;
  std::error_code ec;
  auto log = std::filesystem::exists(dir, ec) ? ledger::EventLog::Open(dir, options)
                                              : ledger::EventLog::Create(dir, options);
  if (!log.ok()) {
    std::fprintf(stderr, "%s\n", log.status().ToString().c_str());
    return 2;
  }
  std::mt19937 rng(seed);
  while (true) {
    ledger::EventGroup group = ledger::testing::DepositGroup(1 + rng() % kMaxGroupSize);
    auto range = (*log)->Submit(
        group.readers(), [](const base::Status& s, ledger::GroupRange r, ledger::GroupValues) {
          if (!s.ok()) {
            std::fprintf(stderr, "append failed: %s\n", s.ToString().c_str());
            std::_Exit(2);
          }
          std::printf("%llu\n", static_cast<unsigned long long>(r.last.value()));
          std::fflush(stdout);
        });
    if (!range.ok()) {
      std::fprintf(stderr, "%s\n", range.status().ToString().c_str());
      return 2;
    }
  }
}

int VerifyDir(const std::string& dir, const std::string& public_key_path) {
  // As `backstop verify`: the table files first, each in a child (a damaged one that makes
  // RocksDB abort is a finding), then the log.
  auto tables = ledger::CheckTableFiles(dir);
  if (!tables.ok() || !tables->empty()) {
    std::printf("bad table: %s\n",
                tables.ok() ? tables->c_str() : tables.status().ToString().c_str());
    return 1;
  }
  auto log = ledger::EventLog::Open(dir, {});
  if (!log.ok()) {
    std::printf("bad open: %s\n", log.status().ToString().c_str());
    return 1;
  }
  ledger::Keyring keyring;
  base::Status s = keyring.AddPemFile(public_key_path);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  ledger::VerifyReport report = ledger::Verify(**log, keyring, {});
  if (!report.ok) {
    std::printf("bad verify: %s\n", report.message.c_str());
    return 1;
  }
  std::printf("ok %llu %s\n", static_cast<unsigned long long>(report.head_seq.value()),
              ledger::ToHex(report.head_hash).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "append" && argc == 5) {
    return Append(argv[2], argv[3], static_cast<uint32_t>(std::strtoul(argv[4], nullptr, 10)));
  }
  if (mode == "verify" && argc == 4) return VerifyDir(argv[2], argv[3]);
  std::fprintf(stderr, "usage: %s append DIR KEY.pem SEED | verify DIR PUB.pem\n", argv[0]);
  return 3;
}
