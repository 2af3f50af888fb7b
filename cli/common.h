// Small pieces shared by the subcommands: error printing with exit codes, opening a log
// read-only, and a progress line for long runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "ledger/event_log.h"
#include "ledger/status.h"

namespace cli {

// Prints "backstop: <message>" on stderr. Returns kExitFinding for Corruption (the data is
// bad), kExitError otherwise (usage or environment).
int Fail(const ledger::Status& status);
int Fail(const std::string& message);

// Opens DATA/log read-only; NotFound with a hint if there is none.
ledger::Result<std::unique_ptr<ledger::EventLog>> OpenReadOnly(const std::string& data_dir);

// Prints "<verb> N / M records (P%)" on stderr at most twice a second, once a run has lasted
// a second; clears the line when destroyed. Not thread-safe.
class ProgressLine {
 public:
  explicit ProgressLine(std::string verb) : verb_(std::move(verb)) {}
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  void Update(uint64_t done, uint64_t total);

 private:
  std::string verb_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
  bool shown_ = false;
};

}  // namespace cli
