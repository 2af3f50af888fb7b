// Shared pieces of the subcommands (see common.h).

#include "cli/common.h"

#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.h"

namespace cli {

int Fail(const ledger::Status& status) {
  fmt::print(stderr, "backstop: {}\n", status.message());
  return status.IsCorruption() ? kExitFinding : kExitError;
}

int Fail(const std::string& message) {
  fmt::print(stderr, "backstop: {}\n", message);
  return kExitError;
}

ledger::Result<std::unique_ptr<ledger::EventLog>> OpenReadOnly(const std::string& data_dir) {
  if (!std::filesystem::exists(LogDir(data_dir))) {
    return ledger::Status::NotFound("no event log", "in " + data_dir + " (run `backstop init`)");
  }
  ledger::LogOptions options;
  options.read_only = true;
  return ledger::EventLog::Open(LogDir(data_dir), std::move(options));
}

void ProgressLine::Update(uint64_t done, uint64_t total) {
  const auto now = std::chrono::steady_clock::now();
  if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(500)) {
    return;
  }
  last_ = now;
  shown_ = true;
  if (total == 0) {
    fmt::print(stderr, "\r{} {} records", verb_, done);
    return;
  }
  const uint64_t percent = done * 100 / total;
  const std::string bar(percent / 4, '#');
  fmt::print(stderr, "\r{} [{:<25}] {} / {} records ({}%)", verb_, bar, done, total, percent);
}

ProgressLine::~ProgressLine() {
  if (shown_) fmt::print(stderr, "\r\033[K");
}

}  // namespace cli
