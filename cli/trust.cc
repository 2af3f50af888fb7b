#include "cli/trust.h"

#include <fmt/format.h>

#include <filesystem>

#include "ledger/checkpoint.h"

namespace cli {

namespace {

base::Result<ledger::ChainId> ParseChainId(const std::string& text) {
  if (text.rfind("backstop/", 0) == 0) return ledger::ChainIdFromOrigin(text);
  return ledger::ChainIdFromOrigin("backstop/" + text);
}

}  // namespace

base::Result<Trust> LoadTrust(const TrustOptions& options, const std::string& data_dir) {
  Trust trust;
  if (!options.chain_id.empty()) {
    auto chain = ParseChainId(options.chain_id);
    if (!chain.ok()) {
      return base::Status::InvalidArgument(
          "--chain-id", fmt::format("'{}' is neither a chain id (32 hex characters) nor a log "
                                    "origin (backstop/ and the chain id)",
                                    options.chain_id));
    }
    trust.chain_id = *chain;
  }
  if (!options.trusted_keys.empty()) {
    trust.pinned = true;
    for (const std::string& path : options.trusted_keys) {
      if (std::filesystem::is_directory(path)) {
        BACKSTOP_RETURN_IF_ERROR(trust.keyring.AddPemDirectory(path));
      } else {
        BACKSTOP_RETURN_IF_ERROR(trust.keyring.AddPemFile(path));
      }
    }
    trust.source = "--trusted-keys";
  } else if (!data_dir.empty()) {
    const std::string dir = KeyringDir(data_dir);
    if (std::filesystem::exists(dir)) BACKSTOP_RETURN_IF_ERROR(trust.keyring.AddPemDirectory(dir));
    trust.source = dir;
  }
  if (trust.keyring.size() == 0) {
    return base::Status::NotFound(
        "keys", trust.pinned ? "no public key in --trusted-keys"
                             : "no trusted key: give the venue's public key with --trusted-keys");
  }
  for (const auto& [id, key] : trust.keyring.keys()) trust.key_ids.push_back(ledger::ToHex(id));
  return trust;
}

void WarnIfUnpinned(const Trust& trust) {
  if (trust.pinned) {
    if (!trust.chain_id) {
      fmt::print(stderr,
                 "note: the log's identity is not pinned: add --chain-id to refuse a log of "
                 "another chain signed by the same key\n");
    }
    return;
  }
  fmt::print(stderr,
             "warning: trusting the keys the audited directory supplies ({}: {}); anyone who "
             "can write that directory can sign a history it accepts. Pin the venue's key with "
             "--trusted-keys and the log with --chain-id (docs/AUDIT.md)\n",
             trust.source, fmt::join(trust.key_ids, ", "));
}

std::string CheckChain(const Trust& trust, const ledger::EventLog& log) {
  if (!trust.chain_id || *trust.chain_id == log.chain_id()) return "";
  return fmt::format("seq 1: the log is chain {}, not the trusted chain {}",
                     ledger::ToHex(log.chain_id()), ledger::ToHex(*trust.chain_id));
}

nlohmann::json TrustJson(const Trust& trust) {
  nlohmann::json out = {{"pinned", trust.pinned},
                        {"source", trust.source},
                        {"key_ids", trust.key_ids},
                        {"chain_id", nullptr}};
  if (trust.chain_id) out["chain_id"] = ledger::ToHex(*trust.chain_id);
  return out;
}

}  // namespace cli
