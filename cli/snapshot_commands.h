// `backstop snapshot list` and `backstop snapshot verify`: read-only views of DATA/snapshots.
// main.cc parses arguments into these option structs; each function prints to stdout/stderr
// and returns the exit code (kExitOk, kExitFinding, kExitError of cli/commands.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace cli {

// DATA/snapshots: the signed engine-state snapshots (docs/formats/snapshot.md).
std::string SnapshotDir(const std::string& data_dir);

struct SnapshotListOptions {
  std::string data_dir;
  // A JSON array of objects (seq, time_ns, time, state_hash, key_id, size_bytes, path,
  // readable, problem) instead of the aligned table. Default: false.
  bool json = false;
};
// Lists every snapshot file newest first: seq, time, state-hash prefix, key id, size, file.
// Nothing is verified (use `snapshot verify`), and the folder is never modified. Exit 0, or 2
// if the data directory or snapshot folder cannot be read. A missing snapshot folder is an
// empty list.
int RunSnapshotList(const SnapshotListOptions& options);

struct SnapshotVerifyOptions {
  std::string data_dir;
  uint64_t seq = 0;               // Verify only the snapshot of this seq; 0: all. Default: 0.
  std::vector<std::string> keys;  // Extra public-key PEM files beside DATA/keyring.
  std::string keyring_dir;        // Replaces DATA/keyring when set. Default: "".
  bool json = false;              // One JSON report object instead of OK/FAILED lines.
};
// Fully verifies each snapshot (CRCs, canonical body, chain id of DATA/log, known key,
// signature, state hash) and checks it against the log opened read-only: its seq must be
// within the log and its log head hash and time must equal those of the record at that seq.
// Prints one OK or FAILED line per snapshot and a summary. Exit 0 if all pass, 1 if any fails,
// 2 on a usage or environment error (no log, no keyring, --seq names no snapshot).
int RunSnapshotVerify(const SnapshotVerifyOptions& options);

}  // namespace cli
