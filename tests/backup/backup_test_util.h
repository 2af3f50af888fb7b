// What the backup and archive tests share: a crash simulation made once per suite (BackupTest),
// and opening, reading and auditing a log.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "ledger/event_log.h"
#include "replay/auditor.h"
#include "replay/recovery.h"
#include "sim/simulation.h"
#include "tests/e2e/cli_test_support.h"
#include "tests/testing/status_testing.h"

namespace backup::test_support {

namespace fs = std::filesystem;
using e2e::RunBackstop;

inline std::unique_ptr<ledger::EventLog> OpenLog(const std::string& data_dir) {
  ledger::LogOptions options;
  options.read_only = true;
  auto log = ledger::EventLog::Open(replay::DataDir::At(data_dir).log, std::move(options));
  EXPECT_OK(log);
  return log.ok() ? std::move(log).value() : nullptr;
}

// The stored bytes of records 1..last (0: the head).
inline std::vector<std::string> RawRecords(const ledger::EventLog& log,
                                           ledger::SequenceNumber last = ledger::SequenceNumber{
                                               0}) {
  std::vector<std::string> records;
  for (auto it = log.NewIterator(ledger::SequenceNumber{1}, last); it->Valid(); it->Next()) {
    records.emplace_back(reinterpret_cast<const char*>(it->value().data()), it->value().size());
  }
  return records;
}

inline replay::AuditReport AuditLog(const ledger::EventLog& log, const std::string& data_dir) {
  const replay::DataDir data = replay::DataDir::At(data_dir);
  auto keyring = replay::LoadKeyring(data);
  EXPECT_OK(keyring);
  replay::AuditOptions options;
  options.engine_options.verify_invariants = false;  // As `backstop audit` runs by default.
  auto report = replay::Audit(log, data, *keyring, options);
  EXPECT_OK(report);
  return report.ok() ? *report : replay::AuditReport();
}

// A crash simulation, made once for the suite (with snapshots), copied by each test that writes.
class BackupTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fixture_ = std::make_unique<e2e::ScratchDir>("backup_fixture");
    auto key = ledger::PrivateKey::Generate();
    ASSERT_OK(key);
    ASSERT_OK(key->SavePem(KeyPath()));
    ASSERT_OK(key->public_key().SavePem(*fixture_ / "signer.pub.pem"));
    sim::SimulationOptions options;
    options.data_dir = CrashDir();
    options.signing_key = *key;
    options.scenario = "crash";
    options.traders = 160;
    options.snapshot_every_records = 3000;
    auto report = sim::RunSimulation(options);
    ASSERT_OK(report);
  }
  static void TearDownTestSuite() { fixture_.reset(); }

  static std::string CrashDir() { return *fixture_ / "crash"; }
  static std::string KeyPath() { return *fixture_ / "signer.key.pem"; }
  static std::string PublicKeyPath() { return *fixture_ / "signer.pub.pem"; }

  // A copy of the crash data directory at `dir`.
  static void CopyCrash(const std::string& dir) {
    fs::copy(CrashDir(), dir, fs::copy_options::recursive);
  }

  // Feeds `count` deposits to existing accounts through `backstop ingest`.
  static void Ingest(const std::string& data_dir, int count, const std::string& scratch) {
    const std::string input = scratch + "/deposits.jsonl";
    std::ofstream out(input);
    for (int i = 0; i < count; ++i) {
      out << fmt::format("{{\"type\":\"deposit\",\"account\":{},\"asset\":1,\"amount\":{}}}\n",
                         1 + i % 50, 1000 + i);
    }
    out.close();
    auto result =
        RunBackstop(fmt::format("ingest {} --data {} --key {}", input, data_dir, KeyPath()));
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }

  static inline std::unique_ptr<e2e::ScratchDir> fixture_;
};

}  // namespace backup::test_support
