// The what-if outcome (replay/whatif.h) as JSON: what `backstop whatif --json` prints and the
// data the HTML report embeds, from this one function. Integers stay integers (minor units,
// lots, rates e8); docs/WHATIF.md describes every field. Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/strong_type_json.h"
#include "engine/events.h"
#include "replay/whatif.h"

namespace report {

// "bitmex", "binance_leverage_pnl", "pro_rata", "hyperliquid".
const char* AdlPolicyName(engine::AdlPolicy policy);
// The policy a name above stands for; false if the name is none of them.
bool ParseAdlPolicy(const std::string& name, engine::AdlPolicy* policy);

// The changed parameters, as given (unchanged ones left out).
nlohmann::json WhatIfParamsJson(const replay::WhatIfParams& params);

// The whole outcome: window, parameters, both histories, where they part, and the accounts
// that differ (ADL'd in one history only; end equity changed, largest change first). With
// `minutes`, each history also carries its per-minute buckets.
nlohmann::json WhatIfJson(const replay::WhatIfResult& result, const replay::WhatIfParams& params,
                          bool minutes = false);

}  // namespace report
