// `backstop whatif`: the logged history replayed in memory under other rules (replay/whatif.h),
// printed beside the logged one; docs/WHATIF.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "replay/whatif.h"

namespace cli {

struct WhatIfCommandOptions {
  std::string data_dir;
  uint64_t from_snapshot = 0;             // 0: genesis.
  uint64_t to = 0;                        // 0: the head.
  std::optional<uint32_t> market;         // Change this market only.
  std::string adl_policy;                 // "": unchanged.
  std::optional<int64_t> insurance_fund;  // Quote minor units.
  std::optional<int64_t> fund_scale_pct;
  std::optional<int64_t> mmr_scale_pct;
  std::optional<int64_t> max_slippage_e8;
  bool json = false;
};

// The parameters the options give; InvalidArgument for an unknown policy or bad values.
base::Result<replay::WhatIfParams> WhatIfParamsFrom(const WhatIfCommandOptions& options);

// kExitOk after a run (whatever it found), kExitError for bad options, kExitFinding when the
// log does not reproduce its own effects.
int RunWhatIf(const WhatIfCommandOptions& options);

}  // namespace cli
