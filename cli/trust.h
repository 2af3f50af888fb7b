// Whom an auditor trusts: the public keys and the log identity they bring (--trusted-keys,
// --chain-id), never whatever the audited directory supplies, unless they give nothing, in
// which case the command says loudly that it trusted the directory's own keyring.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "cli/commands.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "ledger/record.h"

namespace cli {

struct Trust {
  ledger::Keyring keyring;
  bool pinned = false;  // The keys came from the auditor, not the directory.
  std::string source;   // Where the keys came from, for the report.
  std::vector<std::string> key_ids;
  std::optional<ledger::ChainId> chain_id;
};

// The auditor's keys (pinned), or, with none given, the keys in `data_dir`/keyring (when
// `data_dir` is not empty). InvalidArgument for a bad --chain-id; the loader's errors for a bad
// key file; NotFound if no key is found at all.
base::Result<Trust> LoadTrust(const TrustOptions& options, const std::string& data_dir);

// When the directory's keys were trusted: a warning on stderr naming them. Always: nothing else.
void WarnIfUnpinned(const Trust& trust);

// "" if the log is the trusted chain (or none was pinned), else the finding.
std::string CheckChain(const Trust& trust, const ledger::EventLog& log);

// {"pinned": ..., "source": ..., "key_ids": [...], "chain_id": ... or null}
nlohmann::json TrustJson(const Trust& trust);

}  // namespace cli
