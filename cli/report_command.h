// `backstop report`: the self-contained HTML report of a log (report/html_report.h), optionally
// with a what-if overlaid; also written by `simulate --report`. docs/REPORT.md.
#pragma once

#include <cstdint>
#include <string>

#include "cli/whatif_command.h"

namespace cli {

struct ReportCommandOptions {
  std::string data_dir;
  std::string out;                      // The HTML file to write.
  bool whatif = false;                  // Overlay the what-if of `whatif_options`' parameters.
  WhatIfCommandOptions whatif_options;  // Its window (--from-snapshot, --to) applies either way.
  uint64_t adl_event = 0;               // The ADL reduction whose queue is drawn; 0: the first one.
  // Without --whatif: make the page by a what-if control run, which re-derives every effect of
  // the window (as slow as a replay) and finds a log that does not reproduce them, instead of
  // reading the logged history from the log.
  bool check = false;
  bool quiet = false;  // Print nothing on success (simulate --report --json).
};

// Writes the report; prints its path, size and the time it took. kExitError for bad options or
// an unwritable file; with `check`, kExitFinding when the log does not reproduce its own
// effects.
int RunReport(const ReportCommandOptions& options);

}  // namespace cli
