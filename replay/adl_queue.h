// The whole ADL queue behind one logged adlQueue effect, re-derived: recovery to the end of the
// previous group, then the group's input applied again with EngineOptions::list_full_adl_queue.
// For `adl explain SEQ --full`; the log records only the top of a queue and (format 3 on) a
// SHA-256 commitment to all of it (docs/ENGINE.md). Thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "engine/events.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "replay/data_dir.h"
#include "replay/replayer.h"

namespace replay {

struct RederivedAdlQueue {
  engine::AdlQueue queue;  // `full` lists every entry in queue order.
  // The re-derived effect encodes to the logged record's exact bytes (which, from format 3 on,
  // include the commitment to the whole ranking): the listing is the one the log committed to.
  bool matches_log = false;
  bool log_has_commitment = false;  // The log's format records ranking_sha256.
};

// Re-derives the adlQueue effect logged at `queue_seq`. InvalidArgument if that record is not
// an adlQueue; Corruption if the re-derivation of its group does not produce an adlQueue at
// that place; errors of Recover (warnings as there). `options.progress` reports the replay.
base::Result<RederivedAdlQueue> RederiveAdlQueue(const ledger::EventLog& log, const DataDir& data,
                                                 const ledger::Keyring& keyring,
                                                 ledger::SequenceNumber queue_seq,
                                                 std::vector<std::string>* warnings,
                                                 ReplayOptions options);

}  // namespace replay
