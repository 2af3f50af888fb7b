// `adl explain SEQ --full`: the whole ADL queue of the explained reduction, re-derived by
// replay (replay/adl_queue.h) and checked against what the log recorded.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "base/strong_type_json.h"
#include "engine/events.h"
#include "ledger/event_log.h"

namespace cli::internal {

struct FullAdlQueue {
  engine::AdlQueue queue;  // queue.full: every entry in order.
  bool matches_log = false;
  bool log_has_commitment = false;
};

// Re-derives the queue logged at `queue_seq` of the log in `data_dir` (progress on stderr).
base::Result<FullAdlQueue> LoadFullAdlQueue(const std::string& data_dir,
                                            const ledger::EventLog& log, uint64_t queue_seq);

// The queue as `adl explain --full --json` adds it under "full_queue".
nlohmann::json FullAdlQueueJson(const FullAdlQueue& full);

// The queue as `adl explain --full` prints it after the explanation; `counterparty` is marked.
void PrintFullAdlQueue(const FullAdlQueue& full, uint64_t counterparty);

}  // namespace cli::internal
