// `adl explain SEQ --full` (see adl_full_queue.h).

#include "cli/internal/adl_full_queue.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "cli/common.h"
#include "cli/internal/query_output.h"
#include "ledger/keys.h"
#include "replay/adl_queue.h"
#include "replay/recovery.h"

namespace cli::internal {

using base::Result;

Result<FullAdlQueue> LoadFullAdlQueue(const std::string& data_dir, const ledger::EventLog& log,
                                      uint64_t queue_seq) {
  const replay::DataDir data = replay::DataDir::At(data_dir);
  BACKSTOP_ASSIGN_OR_RETURN(ledger::Keyring keyring, replay::LoadKeyring(data));
  replay::ReplayOptions options;
  options.engine_options.verify_invariants = false;
  ProgressLine progress("replayed");
  options.progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
  std::vector<std::string> warnings;
  auto rederived = replay::RederiveAdlQueue(log, data, keyring, ledger::SequenceNumber{queue_seq},
                                            &warnings, options);
  progress.Clear();
  for (const std::string& warning : warnings) fmt::print(stderr, "warning: {}\n", warning);
  if (!rederived.ok()) return rederived.status();
  return FullAdlQueue{std::move(rederived->queue), rederived->matches_log,
                      rederived->log_has_commitment};
}

nlohmann::json FullAdlQueueJson(const FullAdlQueue& full) {
  nlohmann::json entries = nlohmann::json::array();
  for (const engine::AdlQueueEntry& entry : full.queue.full) {
    entries.push_back({{"queue_position", entry.queue_position},
                       {"account", entry.account},
                       {"score", entry.score},
                       {"position", entry.position}});
  }
  return {{"entries", std::move(entries)},
          {"ranking_sha256", ledger::ToHex(full.queue.ranking_sha256)},
          {"log_has_commitment", full.log_has_commitment},
          {"matches_log", full.matches_log}};
}

void PrintFullAdlQueue(const FullAdlQueue& full, uint64_t counterparty) {
  const engine::AdlQueue& queue = full.queue;
  fmt::print("\nThe whole queue, re-derived by replaying the log to this input ({} entries)\n",
             queue.full.size());
  std::vector<std::vector<std::string>> rows;
  for (const engine::AdlQueueEntry& entry : queue.full) {
    rows.push_back(
        {std::to_string(entry.queue_position), std::to_string(entry.account.value()),
         std::to_string(entry.score), std::to_string(entry.position.value()),
         entry.account == engine::AccountId{counterparty} ? "<- this counterparty" : ""});
  }
  PrintTable({"  RANK", "ACCOUNT", "SCORE", "POSITION lots", ""},
             {false, false, false, false, true}, rows);
  const std::string hash = ledger::ToHex(queue.ranking_sha256);
  if (!full.matches_log) {
    fmt::print(
        "  The re-derived queue does NOT encode to the logged adl_queue record: the log "
        "and the rules disagree (run `backstop audit`).\n");
  } else if (full.log_has_commitment) {
    fmt::print(
        "  SHA-256 of the whole ranking: {}\n  It equals the commitment the log recorded "
        "with this queue, so this is the queue the venue ranked.\n",
        hash);
  } else {
    fmt::print(
        "  SHA-256 of the whole ranking: {}\n  This log's format predates the commitment "
        "(format 3): it records only the top of the queue, which the re-derivation "
        "matches.\n",
        hash);
  }
}

}  // namespace cli::internal
