// Small pieces shared by the subcommands: error printing with exit codes, opening a log
// read-only, and a progress line for long runs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "ledger/event_log.h"
#include "text/text.h"

namespace cli {

// Prints "backstop: <message>" on stderr. Returns kExitFinding for Corruption (the data is
// bad), kExitError otherwise (usage or environment).
int Fail(const base::Status& status);
int Fail(const std::string& message);

// Opens DATA/log read-only; NotFound with a hint if there is none.
base::Result<std::unique_ptr<ledger::EventLog>> OpenReadOnly(const std::string& data_dir);
// Checks the log's table files first, each in a child process (ledger::CheckTableFiles): a
// file that would make RocksDB abort is a Corruption naming it. For `verify`, `audit` and the
// commands that recover a log for writing; before any thread starts.
base::Status CheckTablesBeforeOpen(const std::string& data_dir);
// The same on the RocksDB folder `log_dir` read through `env` (nullptr: the default); the
// backup commands' backup::TableCheck.
base::Status CheckLogTables(const std::string& log_dir, rocksdb::Env* env);
// CheckTablesBeforeOpen, then OpenReadOnly.
base::Result<std::unique_ptr<ledger::EventLog>> OpenReadOnlyChecked(const std::string& data_dir);

// The progress line of text/text.h counting records: "<verb> [###   ] N / M records (P%)" on
// stderr when it is a terminal. Not thread-safe.
class ProgressLine : public text::ProgressLine {
 public:
  explicit ProgressLine(std::string verb) : text::ProgressLine(std::move(verb), "records") {}
};

}  // namespace cli
