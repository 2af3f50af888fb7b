// Shared pieces of the subcommands (see common.h).

#include "cli/common.h"

#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.h"
#include "ledger/table_check.h"

namespace cli {

int Fail(const base::Status& status) {
  fmt::print(stderr, "backstop: {}\n", status.message());
  return status.IsCorruption() ? kExitFinding : kExitError;
}

int Fail(const std::string& message) {
  fmt::print(stderr, "backstop: {}\n", message);
  return kExitError;
}

base::Result<std::unique_ptr<ledger::EventLog>> OpenReadOnly(const std::string& data_dir) {
  if (!std::filesystem::exists(LogDir(data_dir))) {
    return base::Status::NotFound("no event log", "in " + data_dir + " (run `backstop init`)");
  }
  ledger::LogOptions options;
  options.read_only = true;
  return ledger::EventLog::Open(LogDir(data_dir), std::move(options));
}

base::Status CheckTablesBeforeOpen(const std::string& data_dir) {
  if (!std::filesystem::exists(LogDir(data_dir))) return base::Status::OK();
  return CheckLogTables(LogDir(data_dir), nullptr);
}

base::Status CheckLogTables(const std::string& log_dir, rocksdb::Env* env) {
  BACKSTOP_ASSIGN_OR_RETURN(std::string finding, ledger::CheckTableFiles(log_dir, env));
  if (finding.empty()) return base::Status::OK();
  return base::Status::Corruption("table file", finding);
}

base::Result<std::unique_ptr<ledger::EventLog>> OpenReadOnlyChecked(const std::string& data_dir) {
  BACKSTOP_RETURN_IF_ERROR(CheckTablesBeforeOpen(data_dir));
  return OpenReadOnly(data_dir);
}

}  // namespace cli
