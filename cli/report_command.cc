// `backstop report` (report_command.h): the logged history read from the log (or, with
// --whatif or --check, a what-if run: a control run for --check) with per-minute buckets, the
// `adl explain --json` of one reduction, and the page around them.

#include "cli/report_command.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/internal/query_output.h"
#include "query/adl_explain.h"
#include "query/queries.h"
#include "replay/logged_history.h"
#include "replay/recovery.h"
#include "replay/whatif.h"
#include "report/html_report.h"
#include "report/whatif_json.h"

namespace cli {

namespace {

// `adl explain SEQ --json` of `seq` (0: the first reduction stamped in the window); null when
// there is none.
base::Result<nlohmann::json> AdlEvent(const ledger::EventLog& log, uint64_t seq,
                                      const replay::WhatIfResult& window) {
  if (seq == 0) {
    query::Filter first;
    first.limit = 1;
    first.since_ns = window.start_time_ns;
    first.until_ns = window.end_time_ns + 1;
    auto rows = query::ListAdlReductions(log, first);
    if (!rows.ok() && !rows.status().IsNotFound()) return rows.status();
    if (!rows.ok() || rows->empty()) return nlohmann::json(nullptr);
    seq = rows->front().ref.seq.value();
  }
  BACKSTOP_ASSIGN_OR_RETURN(query::AdlExplanation explanation,
                            query::ExplainAdl(log, ledger::SequenceNumber{seq}));
  BACKSTOP_ASSIGN_OR_RETURN(Scales scales,
                            ScalesFor(log, {explanation.reduction.effect.market.value()}, {}));
  return nlohmann::json::parse(ExplainJson(explanation, scales).dump());
}

std::string Subtitle(const ReportCommandOptions& options, const replay::WhatIfParams& params) {
  std::string text = "backstop report --data " + options.data_dir;
  if (options.whatif) text += " --whatif " + report::WhatIfParamsJson(params).dump();
  return text;
}

}  // namespace

int RunReport(const ReportCommandOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  replay::WhatIfParams params;
  if (options.whatif) {
    auto parsed = WhatIfParamsFrom(options.whatif_options);
    if (!parsed.ok()) return Fail(parsed.status());
    params = *parsed;
  }
  auto log = OpenReadOnly(options.data_dir);
  if (!log.ok()) return Fail(log.status());
  const replay::DataDir data = replay::DataDir::At(options.data_dir);
  auto keyring = replay::LoadKeyring(data);
  if (!keyring.ok()) return Fail(keyring.status());
  replay::WhatIfOptions whatif_options;
  whatif_options.params = params;
  whatif_options.from_snapshot = ledger::SequenceNumber{options.whatif_options.from_snapshot};
  whatif_options.to = ledger::SequenceNumber{options.whatif_options.to};
  whatif_options.minutes = true;
  whatif_options.engine_options.verify_invariants = false;
  // Without a rule changed or a check asked for, the page needs only what the log holds: no
  // replay of the window (replay/logged_history.h).
  const bool replays = options.whatif || options.check;
  ProgressLine progress(replays ? "replayed" : "read");
  whatif_options.progress = [&progress](uint64_t done, uint64_t total) {
    progress.Update(done, total);
  };
  auto result = replays ? replay::RunWhatIf(**log, data, *keyring, whatif_options)
                        : replay::ReadLoggedHistory(**log, data, *keyring, whatif_options);
  progress.Clear();
  if (!result.ok()) return Fail(result.status());
  for (const std::string& warning : result->warnings) fmt::print(stderr, "warning: {}\n", warning);
  auto adl_event = AdlEvent(**log, options.adl_event, *result);
  if (!adl_event.ok()) return Fail(adl_event.status());
  report::ReportPage page;
  page.title = "backstop report: " + options.data_dir;
  page.subtitle = Subtitle(options, params);
  page.whatif = report::WhatIfJson(*result, params, /*minutes=*/true);
  page.adl_event = std::move(*adl_event);
  base::Status written = report::WriteReport(options.out, std::move(page));
  if (!written.ok()) return Fail(written);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (!options.quiet) {
    fmt::print("wrote {} ({} bytes, {} records, {:.2f} s)\n", options.out,
               std::filesystem::file_size(options.out), result->records,
               static_cast<double>(elapsed.count()) / 1000.0);
  }
  return result->first_difference && !options.whatif ? kExitFinding : kExitOk;
}

}  // namespace cli
