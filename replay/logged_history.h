// The logged history of a window, read from the log alone: what the what-if's control run
// (RunWhatIf with no rule changed) reports for a log that reproduces its own effects, without
// running the engine over the window. The records are read in parallel parts whose tallies
// merge exactly (liquidations, fills, fund credits and draws, ADL reductions and socialized
// losses from the logged effects; marks and transfers from the logged inputs); each account's
// end equity comes from the newest snapshot that verifies plus the replay of the log after it
// (recovery, on another thread). What it does not do is re-derive the window's effects: a log
// whose effects are not the ones its inputs cause reads as it is. That check is `audit` (or
// RunWhatIf's control run). docs/REPORT.md. Thread-compatible.
#pragma once

#include "base/status.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "replay/data_dir.h"
#include "replay/whatif.h"

namespace replay {

// As RunWhatIf(log, data, keyring, options) for a log that reproduces its effects: the same
// WhatIfResult, with what_if equal to logged and no first_difference. `options.params` may
// only choose the chart market (InvalidArgument if it changes a rule). The window is read in
// `segments` parts at once (group boundaries near equal shares; fewer when the chart market is
// listed late in the window, one when stamps go backwards). Errors as RunWhatIf: Corruption
// for malformed or unlinked records and for a recovery that diverges.
base::Result<WhatIfResult> ReadLoggedHistory(const ledger::EventLog& log, const DataDir& data,
                                             const ledger::Keyring& keyring,
                                             const WhatIfOptions& options, int segments = 2);

}  // namespace replay
