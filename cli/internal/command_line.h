// What the two CLI11 files of the `backstop` executable share (main.cc, network_command_line.cc).
// Includes CLI11: only those two files include this header.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "cli/trust.h"

namespace cli::internal {

inline constexpr const char* kDataHelp = "Data directory (holds log/ and keyring/)";

// --trusted-keys and --chain-id, shared by verify, audit and proof verify. Without a data
// directory to fall back on (proof verify), --trusted-keys is required.
inline void AddTrustOptions(CLI::App* sub, cli::TrustOptions* trust, bool has_data_dir = true) {
  CLI::Option* keys = sub->add_option(
      "--trusted-keys", trust->trusted_keys,
      std::string("The venue's public key: a PEM file or a folder of them (repeatable). Only "
                  "these keys, and keys that a keyRotation signed by one of them introduced, "
                  "are trusted") +
          (has_data_dir ? ". Without it the directory's own keyring is used, with a warning" : ""));
  keys->check(CLI::ExistingPath);
  if (!has_data_dir) keys->required();
  sub->add_option("--chain-id", trust->chain_id,
                  "The log you expect: its chain id (32 hex characters) or checkpoint origin "
                  "(backstop/<chain id>); a log of any other chain fails at seq 1");
}

// serve, submit, load, follow (the gateway and its clients); backup, restore, archive.
void AddNetworkAndBackupCommands(CLI::App& app, std::function<int()>* run);

}  // namespace cli::internal
